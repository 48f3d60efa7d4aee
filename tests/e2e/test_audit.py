"""Compliance staff's exports of the ledger and the message log, and the ledger's check."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest

from notifier.clock import FixedClock
from notifier.compliance import audit
from notifier.compliance.sequencer import sequence
from notifier.services import Services
from tests.conftest import START, Api, LiveServer, make_key, run_worker
from tests.e2e.customer import Customer, put_desk
from tests.fakes.twilio import FakeTwilio
from tests.tamper import tamper

OTHER = "+13055550199"
WEB_GRANT = {
    "phone": "+1 (305) 555-0199",
    "purposes": ["queue_updates"],
    "action": "grant",
    "method": "web_form",
    "evidence": {"ip": "203.0.113.9", "user_agent": "Firefox"},
}


@pytest.fixture
def history(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio, clock: FixedClock
) -> Customer:
    """Three records: a kiosk grant at joining, a web grant for another number, an SMS STOP."""
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    run_worker(svc)
    sequence(svc.notary)
    clock.set(START + timedelta(minutes=10))
    assert api.call("POST", "/v1/consents", json=WEB_GRANT).status_code == 201
    clock.set(START + timedelta(minutes=20))
    me.text("STOP")
    run_worker(svc)
    sequence(svc.notary)
    return me


def lines(answer: Any) -> list[dict[str, Any]]:
    """A JSON-lines answer, parsed."""
    assert answer.status_code == 200, answer.text
    return [json.loads(line) for line in answer.text.splitlines()]


def test_csv_export_lists_every_record_with_its_evidence(api: Api, history: Customer) -> None:
    answer = api.call("GET", "/v1/audit/consents", params={"format": "csv"})

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["seq"] for r in rows] == ["1", "2", "3"]
    assert len(rows) == api.call("GET", "/v1/audit/verify").json()["records"]
    kiosk, web, stop = rows
    assert (kiosk["phone"], kiosk["method"], kiosk["purposes"]) == (
        history.phone,
        "kiosk",
        "peak_alerts queue_updates",
    )
    assert json.loads(kiosk["evidence"]) == {"location": "desk-2", "staff_id": "s-17"}
    assert kiosk["disclosure_text"] == "Text me about my place and busy hours."
    assert kiosk["disclosure_version"] == "kiosk-7"
    assert (web["phone"], web["source"]) == (OTHER, "key:admin")
    assert json.loads(web["evidence"]) == {"ip": "203.0.113.9", "user_agent": "Firefox"}
    assert (stop["action"], stop["method"], stop["jurisdiction"]) == (
        "revoke",
        "sms_keyword",
        "US-FL",
    )
    assert json.loads(stop["evidence"])["body"] == "STOP"
    assert all(len(r["hash"]) == 64 and r["prev_hash"] == "" for r in rows)


def test_exports_filter_by_time_and_number(api: Api, history: Customer) -> None:
    def seqs(**params: str) -> list[int]:
        return [r["seq"] for r in lines(api.call("GET", "/v1/audit/consents", params=params))]

    assert seqs() == [1, 2, 3]
    assert seqs(phone=history.phone) == [1, 3]
    assert seqs(phone="+1 305-555-0199") == [2]
    assert seqs(since=(START + timedelta(minutes=10)).isoformat()) == [2, 3]
    assert seqs(until=(START + timedelta(minutes=10)).isoformat()) == [1]
    assert seqs(since="2026-11-28T11:10:00-05:00", until="2026-11-28T11:20:00-05:00") == [2]


def test_exports_stream_in_batches_and_read_the_same_whole(
    api: Api, history: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = api.call("GET", "/v1/audit/consents").text
    messages = api.call("GET", "/v1/audit/messages").text
    monkeypatch.setattr(audit, "BATCH", 1)

    batched = api.call("GET", "/v1/audit/consents")

    assert "Content-Length" not in batched.headers  # streamed, not built whole
    assert batched.text == whole
    assert api.call("GET", "/v1/audit/messages").text == messages


def test_message_export_shows_each_decision_its_consent_record_and_delivery_history(
    api: Api, history: Customer, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    fake_twilio.send_status(fake_twilio.messages[0].sid, "delivered")
    clock.set(START + timedelta(minutes=30))
    blocked = Customer(api, history.svc, history.live, fake_twilio, phone="+13055550177")
    blocked.join("B1", consent={})

    texts = lines(api.call("GET", "/v1/audit/messages"))

    joined, confirmation, refused = texts
    kiosk = history.history()[0]
    assert (joined["recipient"], joined["purpose"], joined["kind"]) == (
        history.phone,
        "queue_updates",
        "joined",
    )
    assert joined["body"].startswith("Acme: Thanks!")
    assert (joined["decision"], joined["reason"], joined["rule"]) == (
        "queued",
        None,
        "consent.granted",
    )
    assert joined["consent_record_id"] == kiosk["id"]
    assert joined["consent_record"]["method"] == "kiosk"
    assert joined["provider_sid"] == fake_twilio.messages[0].sid
    assert [s["status"] for s in joined["history"]] == ["pending", "sending", "sent", "delivered"]
    assert (confirmation["kind"], confirmation["purpose"], confirmation["status"]) == (
        "opt_out_confirmation",
        "service",
        "sent",
    )
    assert (refused["decision"], refused["reason"], refused["rule"]) == (
        "blocked",
        "no_consent",
        "consent.none",
    )

    table = api.call("GET", "/v1/audit/messages", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [r["id"] for r in rows] == [t["id"] for t in texts]
    assert json.loads(rows[0]["history"])[-1]["status"] == "delivered"


def test_verify_says_the_ledger_holds_against_its_signed_checkpoints(
    api: Api, history: Customer
) -> None:
    answer = api.call("GET", "/v1/audit/verify").json()

    assert (answer["ok"], answer["records"], answer["tree_size"], answer["waiting"]) == (
        True,
        3,
        3,
        0,
    )
    assert answer["checkpoint"]["tree_size"] == 3
    assert answer["root"] == answer["checkpoint"]["root"]
    assert answer["finding"] is None


@pytest.mark.parametrize(
    "change",
    [
        'UPDATE consent_records SET evidence = \'{"location": "desk-9"}\' WHERE seq = 2',
        "UPDATE consent_records SET method = 'kiosk' WHERE seq = 2",
        'UPDATE consent_records SET purposes = \'["peak_alerts", "queue_updates"]\' WHERE seq = 2',
        f"UPDATE consent_records SET hash = '{'0' * 64}' WHERE seq = 2",
    ],
)
def test_changing_one_ledger_row_makes_verify_name_it(
    api: Api, history: Customer, svc: Services, change: str
) -> None:
    second = lines(api.call("GET", "/v1/audit/consents"))[1]

    tamper(svc.db.engine, change)

    answer = api.call("GET", "/v1/audit/verify").json()
    assert (answer["ok"], answer["finding"]) == (False, "record_changed")
    assert (answer["first_bad_record"], answer["first_bad_seq"]) == (second["id"], 2)
    assert answer["records"] == 3
    assert f"Record {second['id']} (#2) was changed after it was logged" in answer["problem"]


def test_deleting_a_record_is_detected_even_the_newest(
    api: Api, history: Customer, svc: Services
) -> None:
    tamper(svc.db.engine, "DELETE FROM consent_records WHERE seq = 3")

    answer = api.call("GET", "/v1/audit/verify").json()
    assert (answer["ok"], answer["records"], answer["first_bad_seq"]) == (False, 2, 3)
    assert answer["finding"] == "newest_records_deleted"

    tamper(svc.db.engine, "DELETE FROM consent_records WHERE seq = 1")
    answer = api.call("GET", "/v1/audit/verify").json()
    assert (answer["ok"], answer["finding"], answer["first_bad_seq"]) == (
        False,
        "record_deleted",
        1,
    )
    assert answer["problem"].startswith("Record #1 was deleted")


def test_audit_needs_the_audit_read_scope(api: Api, svc: Services, history: Customer) -> None:
    producer = make_key(svc, "producer", ["events:write"])
    auditor = make_key(svc, "auditor", ["audit:read"])

    record = history.history()[0]["id"]
    tree = (f"/v1/audit/proof/{record}", "/v1/audit/consistency?first=1&second=3")
    for path in ("/v1/audit/consents", "/v1/audit/messages", "/v1/audit/verify", *tree):
        assert api.call("GET", path, headers={"Authorization": "Bearer nope"}).status_code == 401
        forbidden = api.call("GET", path, headers={"Authorization": f"Bearer {producer}"})
        assert forbidden.status_code == 403
        allowed = api.call("GET", path, headers={"Authorization": f"Bearer {auditor}"})
        assert allowed.status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-11-28T11:00:00"}, "since"),
        ({"format": "xml"}, "format"),
        ({"phone": "12345"}, "phone"),
        ({"colour": "red"}, "colour"),
        ({"since": "2026-11-29T00:00:00Z", "until": "2026-11-28T00:00:00Z"}, "until"),
    ],
)
def test_a_bad_filter_gets_422_naming_it(
    api: Api, history: Customer, params: dict[str, str], field: str
) -> None:
    answer = api.call("GET", "/v1/audit/messages", params=params)

    assert answer.status_code == 422
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_a_spreadsheet_formula_in_free_text_is_not_run_but_numbers_stay_numbers(
    api: Api, history: Customer
) -> None:
    grant = {**WEB_GRANT, "disclosure": {"text": '=HYPERLINK("http://evil.example")'}}
    assert api.call("POST", "/v1/consents", json=grant).status_code == 201

    table = api.call("GET", "/v1/audit/consents", params={"format": "csv"}).text

    last = list(csv.DictReader(io.StringIO(table)))[-1]
    assert last["disclosure_text"] == '\'=HYPERLINK("http://evil.example")'
    assert last["phone"] == OTHER
