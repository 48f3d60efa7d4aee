"""The ticket rules: which texts an event decides, what they overtake, what goes on which queue."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from notifier.compliance.keys import Caller
from notifier.events.accept import accept
from notifier.models import Message
from notifier.sending.lifecycle import Priority
from notifier.work import UnitOfWork
from tests.events import called_event, closed_event, joined_event, updated_event
from tests.fakes.work import FakeJobQueue

PHONE = "+13055550142"


def post(unit: UnitOfWork, caller: Caller, event: Any) -> list[str]:
    """Accept `event` as the API would; answer the ids of the texts it decided."""
    status, answer = accept(unit, caller, event, None)
    assert status == 202
    return [n.id for n in answer.notifications or []]


def texts(unit: UnitOfWork) -> dict[str, tuple[str, str, str | None]]:
    """Every text decided so far: id -> (kind, status, reason)."""
    with unit.db.session() as session:
        rows = session.scalars(select(Message)).all()
        return {m.id: (m.kind, m.status, m.status_reason or m.reason) for m in rows}


def test_joined_ticket_with_consent_decides_one_joined_text_and_enqueues_it(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    status, answer = accept(unit, caller, joined_event("e1", "A17", PHONE, position=4), None)

    assert status == 202 and answer.notifications is not None
    [note] = answer.notifications
    assert (note.kind, note.decision, note.ticket_id) == ("joined", "queued", "A17")
    assert texts(unit) == {note.id: ("joined", "pending", None)}
    assert jobs.deliveries(Priority.DEFAULT) == [note.id]
    assert jobs.fanouts == [] and jobs.calls == []


def test_joined_ticket_without_consent_is_blocked_and_nothing_is_enqueued(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    [text] = post(unit, caller, joined_event("e1", "A17", PHONE, consent=False))

    assert texts(unit) == {text: ("joined", "blocked", "no_consent")}
    assert jobs.due == []


def test_update_that_crosses_a_notify_position_supersedes_the_unsent_update(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    [ack] = post(unit, caller, joined_event("e1", "A17", PHONE, position=12))
    [first] = post(unit, caller, updated_event("e2", "A17", position=9))  # crosses 10
    [second] = post(unit, caller, updated_event("e3", "A17", position=4))  # crosses 5

    assert texts(unit) == {
        ack: ("joined", "pending", None),
        first: ("position_update", "dropped", "superseded"),
        second: ("position_update", "pending", None),
    }
    # The first update's job is already on the queue; its worker will find it dropped.
    assert jobs.deliveries() == [ack, first, second]


def test_update_that_crosses_no_position_and_keeps_the_time_is_not_texted(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    post(unit, caller, joined_event("e1", "A17", PHONE, position=4, eta=25))
    jobs.clear()

    [update] = post(unit, caller, updated_event("e2", "A17", position=3, eta=25))

    assert texts(unit)[update] == ("position_update", "skipped", "insignificant_change")
    assert jobs.due == []


def test_called_ticket_drops_its_waiting_texts_and_its_text_goes_urgent(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    [ack] = post(unit, caller, joined_event("e1", "A17", PHONE, position=12))
    [update] = post(unit, caller, updated_event("e2", "A17", position=4))
    jobs.clear()

    [call] = post(unit, caller, called_event("e3", "A17", counter="7"))

    assert texts(unit) == {
        ack: ("joined", "dropped", "overtaken"),
        update: ("position_update", "dropped", "overtaken"),
        call: ("called", "pending", None),
    }
    assert jobs.deliveries(Priority.URGENT) == [call]
    assert jobs.deliveries() == [call]


def test_update_after_the_call_is_not_texted(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    post(unit, caller, joined_event("e1", "A17", PHONE, position=12))
    post(unit, caller, called_event("e2", "A17"))
    jobs.clear()

    [update] = post(unit, caller, updated_event("e3", "A17", position=1))

    assert texts(unit)[update] == ("position_update", "skipped", "ticket_called")
    assert jobs.due == []


def test_closed_ticket_cancels_what_is_pending_and_enqueues_nothing(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    [ack] = post(unit, caller, joined_event("e1", "A17", PHONE, position=12))
    [update] = post(unit, caller, updated_event("e2", "A17", position=4))
    jobs.clear()

    assert post(unit, caller, closed_event("e3", "A17", reason="cancelled")) == []

    assert texts(unit) == {
        ack: ("joined", "cancelled", "ticket_closed"),
        update: ("position_update", "cancelled", "ticket_closed"),
    }
    assert jobs.due == []


def test_closing_after_the_call_cancels_the_call_text_and_leaves_the_dropped_ones(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    [ack] = post(unit, caller, joined_event("e1", "A17", PHONE, position=12))
    [call] = post(unit, caller, called_event("e2", "A17"))

    post(unit, caller, closed_event("e3", "A17", reason="no_show"))

    assert texts(unit) == {
        ack: ("joined", "dropped", "overtaken"),
        call: ("called", "cancelled", "ticket_closed"),
    }


def test_a_duplicate_event_id_gets_the_first_answer_and_enqueues_nothing(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    first_status, first = accept(unit, caller, joined_event("e1", "A17", PHONE), None)
    jobs.clear()

    again_status, again = accept(unit, caller, joined_event("e1", "A17", PHONE), None)

    assert (first_status, again_status) == (202, 200)
    assert again.duplicate and again.notifications == first.notifications
    assert len(texts(unit)) == 1
    assert jobs.due == [] and jobs.fanouts == [] and jobs.calls == []


def test_a_repeated_idempotency_key_counts_as_the_same_event(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue
) -> None:
    accept(unit, caller, joined_event("e1", "A17", PHONE), "key-1")
    jobs.clear()

    status, again = accept(unit, caller, joined_event("e2", "A17", PHONE), "key-1")

    assert (status, again.duplicate) == (200, True)
    assert len(texts(unit)) == 1
    assert jobs.due == []
