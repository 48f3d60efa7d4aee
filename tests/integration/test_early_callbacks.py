"""Callbacks kept for a text not known yet: applied by the relay if the worker missed them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from notifier.clock import FixedClock
from notifier.models import EarlyCallback, Message
from notifier.sending.callbacks import KEEP_EARLY, StatusCallback, record_callback
from notifier.services import Services
from tests.conftest import run_worker
from tests.integration.test_relay import accept_one
from workers.relay import relay_once


def kept(svc: Services) -> int:
    """How many callbacks wait for their text."""
    with svc.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(EarlyCallback)) or 0)


def test_a_callback_kept_while_the_worker_recorded_the_id_is_applied_by_the_relay(
    app: Any, svc: Services, admin_key: str
) -> None:
    message_id = accept_one(app, admin_key)
    run_worker(svc)
    with svc.db.session() as session:
        sid = session.get_one(Message, message_id).provider_sid
        # As if the callback had been kept in a transaction that could not see the id yet.
        session.add(EarlyCallback(message_sid=sid, status="delivered", received_at=svc.clock.now()))

    relay_once(svc)

    with svc.db.session() as session:
        assert session.get_one(Message, message_id).status == "delivered"
    assert kept(svc) == 0


def test_callbacks_no_text_ever_claims_are_forgotten_after_a_day(
    app: Any, svc: Services, clock: FixedClock
) -> None:
    unknown = StatusCallback("SM" + "0" * 32, "failed", 30003)

    assert record_callback(svc.work, unknown) is False
    assert record_callback(svc.work, unknown) is False  # a replay is not kept twice
    assert kept(svc) == 1
    relay_once(svc)
    assert kept(svc) == 1
    clock.set(clock.now() + KEEP_EARLY + timedelta(seconds=1))
    relay_once(svc)
    assert kept(svc) == 0
