"""Accepting an event: once per producer and id, in one unit of work, then queueing its texts."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from notifier.compliance.keys import Caller
from notifier.db import insert_new, on_postgresql, table_of, values_of
from notifier.errors import invalid
from notifier.events import fanouts, tickets
from notifier.events.answers import EventAccepted, NotificationOut
from notifier.events.origin import Origin
from notifier.models import Event, Queue, new_id
from notifier.prepared import Prepared, insert_values
from notifier.work import UnitOfWork, Work, once

# A handler decides an event's texts; a queue-wide one answers how many it will reach.
Handler = Callable[[Work, Origin, Any], int | None]
HANDLERS: Mapping[str, Handler] = MappingProxyType({**tickets.HANDLERS, **fanouts.HANDLERS})


def accept(
    unit: UnitOfWork, caller: Caller, event: Any, idempotency_key: str | None
) -> tuple[int, EventAccepted]:
    """Record `event` and decide its texts; a duplicate gets the first answer, changes nothing."""

    def seen(session: Session) -> EventAccepted | None:
        return _first_answer(session, caller, event.id, idempotency_key)

    def act(work: Work) -> EventAccepted:
        row = _event_row(work, caller, event, idempotency_key)
        # The event's row first: a concurrent duplicate fails here, before any work. Its queue
        # comes with it (an unknown queue's 422 rolls the row back).
        queue = _recorded_with_queue(work, row)
        if queue is None:
            raise invalid(
                "queue_id",
                f"unknown queue {event.queue_id!r}; create it with PUT /v1/queues/{{id}}",
            )
        origin = Origin(queue, row.id, f"key:{caller.name}")
        first = len(work.rows)  # the work may be shared with other events: answer for this one's
        recipients = HANDLERS[event.type](work, origin, event)
        answer = _answer(event.id, work.rows[first:], recipients)
        work.answers.append({"id": row.id, "response": answer.model_dump(mode="json")})
        return answer

    answer, duplicate = once(unit, seen, act)
    return (200 if duplicate else 202), answer


# Every event reads its queue. Loading it as an object each time cost an event more than any of
# its statements: the row is read, and the object is made again only when the row changed.
_QUEUES, _EVENTS = table_of(Queue), table_of(Event)
_QUEUE = select(*_QUEUES.c).where(_QUEUES.c.id == bindparam("queue_id"))
_QUEUE_ALONE = Prepared(_QUEUE)
_BUILT: dict[str, tuple[tuple[Any, ...], Queue]] = {}


def _recorded_with_queue(work: Work, row: Event) -> Queue | None:
    """Write the event's row and read its queue as it stands in this unit of work (None if
    there is no such queue): on PostgreSQL in one statement.

    The queue answered belongs to no session (events only read their queue), and is the same
    object for every event that read the same row, in any thread.
    """
    values = values_of(row)
    if on_postgresql(work.session):
        found = _recorded_and_queue(tuple(values)).first(work.session, values)
    else:
        insert_new(work.session, row)
        found = _QUEUE_ALONE.first(work.session, values)
    if found is None:
        return None
    columns = tuple(found)
    built = _BUILT.get(row.queue_id)
    if built is not None and built[0] == columns:
        return built[1]
    queue = Queue(**found._asdict())
    _BUILT[row.queue_id] = (columns, queue)
    return queue


@functools.cache
def _recorded_and_queue(names: tuple[str, ...]) -> Prepared:
    """PostgreSQL: the event's INSERT, and its queue's row, in one statement."""
    return Prepared(_QUEUE.add_cte(insert_values(_EVENTS, names).cte("event")))


def _first_answer(
    session: Session, caller: Caller, event_id: str, key: str | None
) -> EventAccepted | None:
    same = Event.event_id == event_id
    if key:
        same = or_(same, Event.idempotency_key == key)
    row = session.scalar(select(Event).where(Event.api_key_id == caller.key_id, same))
    if row is None:
        return None
    return EventAccepted.model_validate({**row.response, "duplicate": True})


def _answer(event_id: str, rows: list[dict[str, Any]], recipients: int | None) -> EventAccepted:
    if recipients is not None:
        return EventAccepted(event_id=event_id, duplicate=False, recipients=recipients)
    notes = [
        NotificationOut(
            id=m["id"],
            ticket_id=m["ticket_ref"],
            kind=m["kind"],
            decision=m["decision"],
            reason=m["reason"],
            send_at=m["send_at"],
        )
        for m in rows
    ]
    return EventAccepted(event_id=event_id, duplicate=False, notifications=notes)


def _event_row(work: Work, caller: Caller, event: Any, key: str | None) -> Event:
    return Event(
        id=new_id("evt"),
        api_key_id=caller.key_id,
        event_id=event.id,
        idempotency_key=key,
        type=event.type,
        queue_id=event.queue_id,
        occurred_at=event.occurred_at,
        received_at=work.now,
        payload=_redacted(event),
        response={},
    )


def _redacted(event: Any) -> dict[str, Any]:
    # The number lives on the ticket (and goes with erasure); the event keeps no copy.
    payload: dict[str, Any] = event.model_dump(mode="json", exclude_none=True)
    ticket = payload.get("ticket")
    if isinstance(ticket, dict) and "phone" in ticket:
        ticket["phone"] = "(on the ticket)"
    return payload
