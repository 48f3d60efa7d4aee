"""Opting out and back in by text: what is revoked, what stops, and what is confirmed, once."""

from __future__ import annotations

from sqlalchemy import select

from notifier.compliance.keys import Caller
from notifier.events.accept import accept
from notifier.inbound.receive import receive
from notifier.models import ConsentRecord, Message
from notifier.sending.lifecycle import Priority
from notifier.work import UnitOfWork
from tests.events import joined_event, text_from, updated_event
from tests.fakes.work import FakeJobQueue

PHONE = "+13055550142"
OTHER = "+13055550143"


def waiting_customer(unit: UnitOfWork, caller: Caller, phone: str = PHONE) -> str:
    """A customer who joined with consent; answer the id of their unsent acknowledgment."""
    _, answer = accept(unit, caller, joined_event(f"join-{phone}", "A17", phone), None)
    assert answer.notifications is not None
    return answer.notifications[0].id


def ledger(unit: UnitOfWork) -> list[tuple[str, list[str], str]]:
    """The consent records, in order: (action, purposes, method)."""
    with unit.db.session() as session:
        rows = session.scalars(select(ConsentRecord).order_by(ConsentRecord.seq))
        return [(r.action, sorted(r.purposes), r.method) for r in rows]


def message(unit: UnitOfWork, message_id: str) -> tuple[str, str, str | None]:
    """(kind, status, reason) of one text."""
    with unit.db.session() as session:
        m = session.get_one(Message, message_id)
        return m.kind, m.status, m.status_reason or m.reason


def kinds_enqueued(unit: UnitOfWork, jobs: FakeJobQueue) -> list[tuple[str, str]]:
    """(kind, queue) of each text put on a queue."""
    return [(message(unit, d.row_id)[0], d.priority) for d in jobs.due]


def test_stop_revokes_blocks_what_is_pending_and_enqueues_one_confirmation(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    ack = waiting_customer(unit, caller)
    jobs.clear()

    assert receive(unit, text_from(PHONE, "STOP", "SM1")) == "opt_out"

    assert ledger(unit)[-1] == ("revoke", ["peak_alerts", "queue_updates"], "sms_keyword")
    assert message(unit, ack) == ("joined", "blocked", "opted_out")
    assert kinds_enqueued(unit, jobs) == [("opt_out_confirmation", Priority.URGENT)]


def test_a_second_stop_is_recorded_but_enqueues_no_second_confirmation(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    waiting_customer(unit, caller)
    receive(unit, text_from(PHONE, "STOP", "SM1"))
    [confirmation] = jobs.deliveries(Priority.URGENT)
    jobs.clear()

    receive(unit, text_from(PHONE, "unsubscribe", "SM2"))

    assert [action for action, _, _ in ledger(unit)] == ["grant", "revoke", "revoke"]
    assert jobs.due == []
    # The first confirmation, not yet sent, is the one text still owed: it is not blocked.
    assert message(unit, confirmation) == ("opt_out_confirmation", "pending", None)


def test_stop_that_twilio_already_answered_is_recorded_without_a_confirmation(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    ack = waiting_customer(unit, caller)
    jobs.clear()

    receive(unit, text_from(PHONE, "STOP", "SM1", opt_out_type="STOP"))

    assert ledger(unit)[-1][0] == "revoke"
    assert message(unit, ack)[1] == "blocked"
    assert jobs.due == []


def test_a_retried_webhook_is_acted_on_once(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    waiting_customer(unit, caller)
    receive(unit, text_from(PHONE, "STOP", "SM1"))
    jobs.clear()

    assert receive(unit, text_from(PHONE, "STOP", "SM1")) == "duplicate"

    assert [action for action, _, _ in ledger(unit)] == ["grant", "revoke"]
    assert jobs.due == []


def test_stop_leaves_other_numbers_alone(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    waiting_customer(unit, caller)
    theirs = waiting_customer(unit, caller, OTHER)

    receive(unit, text_from(PHONE, "STOP", "SM1"))

    assert message(unit, theirs) == ("joined", "pending", None)


def test_after_stop_a_ticket_update_is_blocked_and_not_enqueued(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    waiting_customer(unit, caller)
    receive(unit, text_from(PHONE, "STOP", "SM1"))
    jobs.clear()

    _, answer = accept(unit, caller, updated_event("e2", "A17", position=1), None)

    assert answer.notifications is not None
    [update] = answer.notifications
    assert (update.decision, update.reason) == ("blocked", "opted_out")
    assert jobs.due == []


def test_start_after_stop_restores_consent_and_enqueues_one_confirmation(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    waiting_customer(unit, caller)
    receive(unit, text_from(PHONE, "STOP", "SM1"))
    jobs.clear()

    assert receive(unit, text_from(PHONE, "START", "SM2")) == "opt_in"

    # Exactly what was held before: the kiosk granted queue updates, not peak warnings.
    assert ledger(unit)[-1] == ("grant", ["queue_updates"], "sms_keyword")
    assert kinds_enqueued(unit, jobs) == [("opt_in_confirmation", Priority.URGENT)]
