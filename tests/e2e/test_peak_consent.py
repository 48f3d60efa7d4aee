"""Peak alerts carry their proof and their way out; a sender that takes no replies names another.

A `peak_alerts` grant is prior express written consent: without the disclosure, its version,
the moment and some evidence it is refused, naming each missing field. Every warning ends with
how to opt out, in the customer's language, an EU number's too. Texts from an alphanumeric
sender id, which customers cannot answer, end with the queue's contact instead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests

from notifier.clock import FixedClock
from notifier.services import Services
from tests.conftest import SENDER, Api, LiveServer
from tests.e2e.customer import PEAK_CONSENT, Customer, put_desk
from tests.fakes.twilio import FakeTwilio

PHONE = "+13055550142"
TALLINN_PHONE = "+37251234567"
CONTACT = "acme.example/stop or +1 305 555 0100"
ELSEWHERE = f"This sender can't take replies. To opt out, contact {CONTACT}."
NO_PEAK_STATE = {"queue_updates": "none", "peak_alerts": "none"}


def grant(**changes: Any) -> dict[str, Any]:
    """A web-form grant of peak alerts, with every proof unless `changes` takes some away."""
    body: dict[str, Any] = {
        "phone": PHONE,
        "purposes": ["peak_alerts"],
        "action": "grant",
        "method": "web_form",
        "captured_at": "2026-11-28T16:00:00+00:00",
        "disclosure": {"text": "Text me before busy hours.", "version": "web-4"},
        "evidence": {"ip": "203.0.113.7", "user_agent": "Mozilla/5.0"},
    }
    for name, value in changes.items():
        if value is None:
            del body[name]
        else:
            body[name] = value
    return body


def refused(answer: requests.Response) -> list[str]:
    """The fields a 422 problem names."""
    assert answer.status_code == 422, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    return [error["field"] for error in answer.json()["errors"]]


def states(api: Api, phone: str) -> dict[str, str]:
    """The number's consent state per purpose."""
    purposes = api.call("GET", f"/v1/consents/{phone}").json()["purposes"]
    return {purpose: state["status"] for purpose, state in purposes.items()}


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"disclosure": None}, ["disclosure.text", "disclosure.version"]),
        ({"disclosure": {"text": "Text me before busy hours."}}, ["disclosure.version"]),
        ({"captured_at": None}, ["captured_at"]),
        ({"evidence": None}, ["evidence"]),
        ({"evidence": {}}, ["evidence"]),
        (
            {"disclosure": None, "captured_at": None, "evidence": None},
            ["disclosure.text", "disclosure.version", "captured_at", "evidence"],
        ),
    ],
)
def test_a_peak_alerts_grant_without_its_proof_is_422_naming_each_missing_field(
    api: Api, changes: dict[str, Any], missing: list[str]
) -> None:
    answer = api.call("POST", "/v1/consents", json=grant(**changes))

    assert refused(answer) == missing
    assert states(api, PHONE) == NO_PEAK_STATE


def test_a_peak_alerts_grant_with_its_proof_is_recorded(api: Api) -> None:
    answer = api.call("POST", "/v1/consents", json=grant())

    assert answer.status_code == 201, answer.text
    assert states(api, PHONE)["peak_alerts"] == "granted"


def test_a_peak_grant_inside_an_event_names_the_field_under_consent(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api)
    unversioned = {**PEAK_CONSENT, "disclosure": {"text": "Text me about busy hours."}}
    body = {
        "id": "evt-1",
        "type": "ticket.joined",
        "occurred_at": "2026-11-28T16:05:00+00:00",
        "queue_id": "desk",
        "ticket": {"id": "A17", "phone": PHONE, "position": 4},
        "consent": unversioned,
    }

    assert refused(api.event(body)) == ["consent.disclosure.version"]
    assert states(api, PHONE) == NO_PEAK_STATE


def test_a_queue_updates_grant_still_needs_no_version_or_evidence(api: Api) -> None:
    body = grant(purposes=["queue_updates"], disclosure={"text": "Text me."}, evidence=None)

    assert api.call("POST", "/v1/consents", json=body).status_code == 201


def warn(customer: Customer, clock: FixedClock) -> str:
    """A peak forecast for half an hour from now; the warning the customer gets at once."""
    start = clock.now() + timedelta(minutes=30)
    customer.event(
        "queue.peak_forecast",
        windows=[{"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}],
    )
    return customer.received()[-1]


def test_every_peak_alert_ends_with_the_opt_out_line_not_only_the_first_text(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    put_desk(api, peak_alert_lead_minutes=30)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    [first] = me.received()

    alerts = [warn(me, clock)]
    clock.set(clock.now() + timedelta(hours=2))
    alerts.append(warn(me, clock))

    assert first.endswith("Reply STOP to opt out.")
    assert len(set(alerts)) == 2 and all("busy" in alert for alert in alerts)
    assert all(alert.endswith("Reply STOP to opt out.") for alert in alerts), alerts


def test_an_eu_numbers_peak_alert_ends_with_the_opt_out_line_in_its_language(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    answer = api.put_queue(
        "desk", timezone="Europe/Tallinn", locale="et", peak_alert_lead_minutes=30
    )
    assert answer.status_code == 201, answer.text
    me = Customer(api, svc, live, fake_twilio, phone=TALLINN_PHONE)
    me.join()
    me.received()

    alert = warn(me, clock)

    assert alert.startswith("Acme: NB!")
    assert alert.endswith("Loobumiseks vastake STOP.")


def test_an_alphanumeric_sender_needs_a_contact(api: Api) -> None:
    assert refused(api.put_queue("desk", sender="Acme")) == ["contact"]
    assert refused(api.put_queue("desk", sender="Acme Sales Dept")) == ["sender"]  # 15 > 11
    assert api.put_queue("desk", sender="Acme", contact=CONTACT).status_code == 201


def test_every_text_from_an_alphanumeric_sender_says_how_else_to_opt_out(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    put_desk(api, sender="Acme", contact=CONTACT, peak_alert_lead_minutes=30)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    me.received()
    me.event("ticket.called", ticket={"id": "A17", "counter": "desk 3"})
    warn(me, clock)

    sent = [m for m in fake_twilio.messages if m.to == PHONE]
    assert [m.from_ for m in sent] == ["Acme", "Acme", "Acme"]
    for message in sent:
        assert message.body.endswith(ELSEWHERE), message.body
        assert "Reply STOP" not in message.body


def test_an_answer_goes_from_the_number_written_to_and_says_reply_stop(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api, sender="Acme", contact=CONTACT)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    me.received()

    me.text("HELP")  # written to SENDER, a number, which can take the next reply too
    me.received()

    [help_text] = [m for m in fake_twilio.messages if m.to == PHONE][1:]
    assert help_text.from_ == SENDER
    assert help_text.body.endswith("Reply STOP to opt out.")
