"""Data subjects: everything held about a number, as one export; erasure that keeps an opt-out."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from notifier.services import Services
from tests.conftest import Api, LiveServer, make_key, run_worker
from tests.e2e.customer import DIGITS, Customer, put_desk
from tests.fakes.twilio import FakeTwilio

EXPORTS = [
    ("/v1/audit/consents", {}),
    ("/v1/audit/consents", {"format": "csv"}),
    ("/v1/audit/messages", {}),
    ("/v1/audit/messages", {"format": "csv"}),
]


@pytest.fixture
def customer(api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio) -> Customer:
    """A customer who joined with consent, was texted, asked a question and asked for help."""
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    run_worker(svc)
    fake_twilio.send_status(fake_twilio.messages[0].sid, "delivered")
    me.text("How long is the wait?")
    me.text("HELP")
    return me


def rows_holding(svc: Services, needle: str) -> list[str]:
    """Every table and column that holds `needle` anywhere in its text, in any row."""
    metadata = sa.MetaData()
    metadata.reflect(svc.db.engine)
    found = []
    with svc.db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for column, value in row._mapping.items():
                    if value is not None and needle in str(value):
                        found.append(f"{table.name}.{column}")
    return found


def test_the_export_holds_everything_about_the_number(api: Api, customer: Customer) -> None:
    answer = api.call("GET", "/v1/subjects/+1 (305) 555-0142")

    assert answer.status_code == 200, answer.text
    export = answer.json()
    assert (export["phone"], export["jurisdiction"]) == (customer.phone, "US-FL")
    assert export["consent"]["queue_updates"]["status"] == "granted"
    assert [r["method"] for r in export["consent_records"]] == ["kiosk"]
    assert export["consent_records"][0]["evidence"] == {"location": "desk-2", "staff_id": "s-17"}
    [ticket] = export["tickets"]
    assert (ticket["ticket_id"], ticket["phone"], ticket["state"]) == (
        "A17",
        customer.phone,
        "waiting",
    )
    kinds = [m["kind"] for m in export["messages"]]
    assert kinds == ["joined", "reply_ack", "help"]
    assert export["messages"][0]["history"][-1]["status"] == "delivered"
    assert [i["body"] for i in export["inbound_replies"]] == ["How long is the wait?", "HELP"]
    assert export["suppression"] is None


def test_an_erased_number_is_gone_from_every_table_and_export(
    api: Api, svc: Services, customer: Customer
) -> None:
    assert rows_holding(svc, DIGITS)  # before: the number is held in several places

    answer = api.call("DELETE", f"/v1/subjects/{customer.phone}")

    assert answer.status_code == 200, answer.text
    assert answer.json()["tickets_deleted"] == 1
    assert rows_holding(svc, DIGITS) == []
    assert rows_holding(svc, "How long is the wait?") == []
    for path, params in EXPORTS:
        export = api.call("GET", path, params=params)
        assert export.status_code == 200
        assert DIGITS not in export.text
    after = api.call("GET", f"/v1/subjects/{customer.phone}").json()
    assert after["phone"] is None and after["tickets"] == []
    assert all(m["body"] is None and m["recipient"] is None for m in after["messages"])


def test_an_erased_number_stays_suppressed_and_the_chain_still_verifies(
    api: Api, svc: Services, customer: Customer
) -> None:
    erased = api.call("DELETE", f"/v1/subjects/{customer.phone}").json()

    assert erased["revocation_record_id"] is not None
    assert customer.consent() == {"queue_updates": "revoked", "peak_alerts": "revoked"}
    verify = api.call("GET", "/v1/audit/verify").json()
    assert (verify["ok"], verify["records"]) == (True, 2)
    again = customer.join("B9", consent={})
    assert (again["decision"], again["reason"]) == ("blocked", "opted_out")
    customer.text("START")  # erasure is not undone by a keyword
    assert customer.consent()["queue_updates"] == "revoked"


def test_texts_still_waiting_for_an_erased_number_are_cancelled(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    me.join()  # queued, not sent yet

    erased = api.call("DELETE", f"/v1/subjects/{me.phone}").json()
    run_worker(svc)

    assert erased["texts_cancelled"] == 1
    assert fake_twilio.messages == []
    [text] = api.call("GET", f"/v1/subjects/{me.phone}").json()["messages"]
    assert text["status"] == "cancelled"


def test_a_number_that_never_consented_gets_no_revocation_on_erasure(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    me.join(consent={})

    erased = api.call("DELETE", f"/v1/subjects/{me.phone}").json()

    assert erased["revocation_record_id"] is None
    assert rows_holding(svc, DIGITS) == []


def test_subjects_need_the_admin_scope(api: Api, svc: Services, customer: Customer) -> None:
    auditor = make_key(svc, "auditor", ["audit:read", "consent:write"])
    headers = {"Authorization": f"Bearer {auditor}"}

    for method in ("GET", "DELETE"):
        answer = api.call(method, f"/v1/subjects/{customer.phone}", headers=headers)
        assert answer.status_code == 403
    assert customer.consent()["queue_updates"] == "granted"


def test_a_bad_number_gets_422(api: Api) -> None:
    answer = api.call("GET", "/v1/subjects/12345")

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "phone"
