"""The whole path for `ticket.joined`: HTTP in, consent, decision, RQ, Twilio out."""

from __future__ import annotations

from notifier.services import Services
from tests.conftest import SENDER, Api, LiveServer, joined, run_worker
from tests.fakes.twilio import FakeTwilio

PHONE = "+13055550142"


def test_joined_with_consent_sends_one_acknowledgment_through_twilio(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    assert api.put_queue("desk").status_code == 201

    answer = api.event(joined("evt-1", "A17", "(305) 555-0142"))
    run_worker(svc)

    assert answer.status_code == 202
    note = answer.json()["notifications"][0]
    assert note["decision"] == "queued" and note["ticket_id"] == "A17"
    [sent] = fake_twilio.messages
    assert sent.to == PHONE
    assert sent.from_ == SENDER
    assert sent.status_callback == live.url + "/v1/twilio/status"
    assert "Acme" in sent.body and "4" in sent.body and "STATUS" in sent.body
    assert "11:25" in sent.body or "11:25 AM" in sent.body  # 11:05 + 25 min - 5, New York time
    assert sent.body.rstrip().endswith("Reply STOP to opt out.")


def test_joined_without_consent_is_blocked_and_nothing_is_sent(
    api: Api, svc: Services, fake_twilio: FakeTwilio
) -> None:
    api.put_queue("desk")

    answer = api.event(joined("evt-1", "A17", PHONE, consent=False))
    run_worker(svc)

    assert answer.status_code == 202
    note = answer.json()["notifications"][0]
    assert (note["decision"], note["reason"]) == ("blocked", "no_consent")
    assert fake_twilio.messages == []


def test_invalid_phone_number_gets_422_naming_the_field(api: Api, fake_twilio: FakeTwilio) -> None:
    api.put_queue("desk")

    answer = api.event(joined("evt-1", "A17", "+1 555 0"))

    assert answer.status_code == 422
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["ticket.phone"]


def test_the_same_event_twice_sends_one_text(
    api: Api, svc: Services, fake_twilio: FakeTwilio
) -> None:
    api.put_queue("desk")
    event = joined("evt-1", "A17", PHONE)

    first = api.event(event)
    second = api.event(event)
    run_worker(svc)

    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["duplicate"] is True
    assert second.json()["notifications"] == first.json()["notifications"]
    assert len(fake_twilio.messages) == 1


def test_the_same_idempotency_key_is_a_duplicate(
    api: Api, svc: Services, fake_twilio: FakeTwilio
) -> None:
    api.put_queue("desk")

    first = api.event(joined("evt-1", "A17", PHONE), headers={"Idempotency-Key": "k-1"})
    second = api.event(joined("evt-2", "A17", PHONE), headers={"Idempotency-Key": "k-1"})
    run_worker(svc)

    assert (first.status_code, second.status_code) == (202, 200)
    assert len(fake_twilio.messages) == 1
