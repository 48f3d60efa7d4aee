"""Twilio's delivery status callbacks: forward only, all in the history, failures mean things."""

from __future__ import annotations

import pytest
import requests
from twilio.request_validator import RequestValidator

from notifier.services import Services
from tests.conftest import Api, LiveServer, run_worker
from tests.e2e.customer import Customer, put_desk
from tests.fakes.twilio import FakeTwilio


@pytest.fixture
def customer(api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio) -> Customer:
    """A customer whose acknowledgment went to Twilio."""
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    run_worker(svc)
    return me


def joined_text(customer: Customer) -> dict[str, object]:
    """The acknowledgment as the audit log shows it."""
    [text] = [m for m in customer.messages() if m["kind"] == "joined"]
    return text


def test_callbacks_out_of_order_never_move_a_status_backwards(
    customer: Customer, fake_twilio: FakeTwilio
) -> None:
    [sent] = fake_twilio.messages
    for status in ("sent", "delivered", "sending", "queued", "sent", "failed"):
        assert fake_twilio.send_status(sent.sid, status) == 204

    text = joined_text(customer)
    assert text["status"] == "delivered"
    callbacks = [s for s in text["history"] if s["source"] == "callback"]  # type: ignore[union-attr]
    # The second "sent" replays the first: it adds nothing.
    assert [s["status"] for s in callbacks] == ["sent", "delivered", "sending", "queued", "failed"]


def test_a_later_status_moves_a_text_forward(customer: Customer, fake_twilio: FakeTwilio) -> None:
    [sent] = fake_twilio.messages
    fake_twilio.send_status(sent.sid, "queued")
    assert joined_text(customer)["status"] == "sent"

    fake_twilio.send_status(sent.sid, "undelivered", error_code=30008)

    text = joined_text(customer)
    assert (text["status"], text["error_code"]) == ("undelivered", 30008)


def test_error_21610_writes_a_carrier_revocation(
    customer: Customer, fake_twilio: FakeTwilio
) -> None:
    [sent] = fake_twilio.messages
    fake_twilio.send_status(sent.sid, "failed", error_code=21610)
    fake_twilio.send_status(sent.sid, "failed", error_code=21610)  # Twilio retried it

    assert customer.consent() == {"queue_updates": "revoked", "peak_alerts": "revoked"}
    carrier = [r for r in customer.history() if r["method"] == "carrier"]
    assert len(carrier) == 1
    assert carrier[0]["evidence"]["error_code"] == 21610


def test_error_21610_on_sending_writes_a_carrier_revocation(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    fake_twilio.fail_next(status=400, code=21610)
    me.join()
    run_worker(svc)

    assert [r["method"] for r in me.history()] == ["kiosk", "carrier"]
    assert me.consent() == {"queue_updates": "revoked", "peak_alerts": "revoked"}


@pytest.mark.parametrize("code", [21211, 21614, 30003, 30005, 30006])
def test_an_unreachable_number_is_not_texted_until_a_producer_sends_it_anew(
    customer: Customer, fake_twilio: FakeTwilio, code: int
) -> None:
    [sent] = fake_twilio.messages
    fake_twilio.send_status(sent.sid, "undelivered", error_code=code)

    called = customer.event("ticket.called", ticket={"id": "A17"})["notifications"][0]
    assert (called["decision"], called["reason"]) == ("blocked", "unreachable")
    assert customer.consent()["queue_updates"] == "granted"  # suppressed, not revoked

    anew = customer.join("B2")
    assert anew["decision"] == "queued"
    assert len(customer.received()) == 2


def test_a_callback_for_an_unknown_message_is_answered_204_and_changes_nothing(
    customer: Customer, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    url = live.url + "/v1/twilio/status"
    form = {
        "AccountSid": fake_twilio.account_sid,
        "MessageSid": "SM" + "0" * 32,
        "MessageStatus": "failed",
        "ErrorCode": "21610",
        "To": customer.phone,
    }
    signed = RequestValidator(fake_twilio.auth_token).compute_signature(url, form)

    answer = requests.post(url, data=form, headers={"X-Twilio-Signature": signed}, timeout=10)

    assert answer.status_code == 204
    assert customer.consent()["queue_updates"] == "granted"
    assert joined_text(customer)["status"] == "sent"


def test_unsigned_or_wrongly_signed_callbacks_get_403_and_change_nothing(
    customer: Customer, fake_twilio: FakeTwilio
) -> None:
    [sent] = fake_twilio.messages
    good = fake_twilio.status_webhook(sent.sid, "failed", error_code=21610)
    unsigned = {k: v for k, v in good.headers.items() if k != "X-Twilio-Signature"}
    forged = {
        **good.headers,
        "X-Twilio-Signature": RequestValidator("guess").compute_signature(good.url, good.form),
    }

    for headers in (unsigned, forged):
        answer = requests.post(good.url, data=good.form, headers=headers, timeout=10)
        assert answer.status_code == 403
        assert answer.json()["status"] == 403
    answer = requests.post(
        good.url, data={**good.form, "ErrorCode": "30003"}, headers=good.headers, timeout=10
    )
    assert answer.status_code == 403

    text = joined_text(customer)
    assert text["status"] == "sent"
    assert all(s["source"] != "callback" for s in text["history"])  # type: ignore[union-attr]
    assert customer.consent()["queue_updates"] == "granted"


def test_a_failure_reported_after_delivery_has_no_consequence(
    customer: Customer, fake_twilio: FakeTwilio
) -> None:
    [sent] = fake_twilio.messages
    fake_twilio.send_status(sent.sid, "delivered")
    fake_twilio.send_status(sent.sid, "undelivered", error_code=30003)

    assert joined_text(customer)["status"] == "delivered"
    called = customer.event("ticket.called", ticket={"id": "A17"})["notifications"][0]
    assert called["decision"] == "queued"
