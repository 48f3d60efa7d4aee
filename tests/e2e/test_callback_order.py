"""Status callbacks are idempotent: a replay adds nothing, and one that comes first waits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from notifier.models import EarlyCallback
from notifier.sending.providers import OutgoingText, Receipt, SmsProvider
from notifier.services import Services
from tests.conftest import Api, LiveServer, run_worker
from tests.e2e.customer import Customer, put_desk
from tests.fakes.twilio import FakeTwilio


class CallbackFirst:
    """Twilio as it sometimes is: its status callbacks reach the service before its answer."""

    name = "twilio"

    def __init__(self, inner: SmsProvider, twilio: FakeTwilio) -> None:
        self.inner, self.twilio = inner, twilio
        self.report: list[tuple[str, int | None]] = []

    def send(self, text: OutgoingText) -> Receipt:
        """Send, then have Twilio call back with every status in `report` before answering."""
        receipt = self.inner.send(text)
        for status, code in self.report:
            assert self.twilio.send_status(receipt.provider_sid, status, error_code=code) == 204
        return receipt

    def find_sent(self, to: str, body: str, since: datetime) -> Receipt | None:
        """As the real provider does."""
        return self.inner.find_sent(to, body, since)


@pytest.fixture
def eager(svc: Services, fake_twilio: FakeTwilio) -> CallbackFirst:
    """The service's provider, its callbacks arriving first."""
    provider = CallbackFirst(svc.provider, fake_twilio)
    svc.provider = provider
    return provider


@pytest.fixture
def me(api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio) -> Customer:
    """A customer of the desk."""
    put_desk(api)
    return Customer(api, svc, live, fake_twilio)


def joined_text(customer: Customer) -> dict[str, Any]:
    """The acknowledgment as the audit log shows it."""
    [text] = [m for m in customer.messages() if m["kind"] == "joined"]
    return text


def callback_steps(text: dict[str, Any]) -> list[tuple[str, int | None]]:
    """The callbacks written into a text's history."""
    return [(s["status"], s["error_code"]) for s in text["history"] if s["source"] == "callback"]


def test_a_replayed_callback_adds_no_history_row(
    me: Customer, svc: Services, fake_twilio: FakeTwilio
) -> None:
    me.join()
    run_worker(svc)
    [sent] = fake_twilio.messages

    for _ in range(3):
        assert fake_twilio.send_status(sent.sid, "delivered") == 204
    assert fake_twilio.send_status(sent.sid, "undelivered", error_code=30003) == 204
    assert fake_twilio.send_status(sent.sid, "undelivered", error_code=30003) == 204

    text = joined_text(me)
    assert text["status"] == "delivered"
    assert callback_steps(text) == [("delivered", None), ("undelivered", 30003)]


def test_a_callback_before_the_worker_recorded_the_id_is_applied_when_it_is(
    me: Customer, svc: Services, eager: CallbackFirst
) -> None:
    eager.report = [("sent", None), ("delivered", None), ("delivered", None)]
    me.join()
    run_worker(svc)

    text = joined_text(me)
    assert text["status"] == "delivered"
    assert callback_steps(text) == [("sent", None), ("delivered", None)]
    with svc.db.session() as session:  # nothing is left waiting
        assert session.scalar(select(func.count()).select_from(EarlyCallback)) == 0


def test_an_early_carrier_opt_out_still_revokes_consent(
    me: Customer, svc: Services, eager: CallbackFirst
) -> None:
    eager.report = [("failed", 21610)]
    me.join()
    run_worker(svc)

    text = joined_text(me)
    assert (text["status"], text["error_code"]) == ("failed", 21610)
    assert me.consent() == {"queue_updates": "revoked", "peak_alerts": "revoked"}
    assert [r["method"] for r in me.history()] == ["kiosk", "carrier"]
