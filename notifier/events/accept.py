"""Accepting an event: once per producer and id, in one transaction, then queueing its texts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notifier.compliance.keys import Caller
from notifier.errors import invalid
from notifier.events.schemas import EventAccepted, NotificationOut
from notifier.models import Event, Fanout, Message, Queue, new_id
from notifier.sending.dispatch import due_of
from notifier.services import Services


@dataclass
class Context:
    """What a handler works with while an event is being accepted."""

    session: Session
    svc: Services
    caller: Caller
    queue: Queue
    event_pk: str
    now: datetime
    messages: list[Message] = field(default_factory=list)
    recipients: int | None = None
    fanouts: list[Fanout] = field(default_factory=list)


Handler = Callable[[Context, Any], None]
HANDLERS: dict[str, Handler] = {}


def handles(event_type: str) -> Callable[[Handler], Handler]:
    """Register the handler of one event type."""

    def decorator(handler: Handler) -> Handler:
        HANDLERS[event_type] = handler
        return handler

    return decorator


def accept(
    svc: Services, caller: Caller, event: Any, idempotency_key: str | None
) -> tuple[int, EventAccepted]:
    """Record `event` and decide its texts; a duplicate gets the first answer, changes nothing."""
    try:
        with svc.db.session() as session:
            first = _first_answer(session, caller, event.id, idempotency_key)
            if first is not None:
                return 200, first
            ctx = _context(session, svc, caller, event)
            row = _event_row(ctx, event, idempotency_key)
            session.add(row)
            session.flush()  # a concurrent duplicate fails here, before any work
            HANDLERS[event.type](ctx, event)
            answer = _answer(event.id, ctx)
            row.response = answer.model_dump(mode="json")
            queued = due_of(ctx.messages)
            fanouts = [f.id for f in ctx.fanouts]
    except IntegrityError:
        # Another request with the same id committed first: answer as it did.
        with svc.db.session() as session:
            first = _first_answer(session, caller, event.id, idempotency_key)
        if first is None:
            raise
        return 200, first
    if queued:
        svc.dispatcher.enqueue(queued)
    if fanouts:
        svc.dispatcher.enqueue_fanouts(fanouts)
    return 202, answer


def _context(session: Session, svc: Services, caller: Caller, event: Any) -> Context:
    queue = session.get(Queue, event.queue_id)
    if queue is None:
        raise invalid(
            "queue_id", f"unknown queue {event.queue_id!r}; create it with PUT /v1/queues/{{id}}"
        )
    return Context(session, svc, caller, queue, new_id("evt"), svc.clock.now())


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


def _answer(event_id: str, ctx: Context) -> EventAccepted:
    if ctx.recipients is not None:
        return EventAccepted(event_id=event_id, duplicate=False, recipients=ctx.recipients)
    notes = [
        NotificationOut(
            id=m.id,
            ticket_id=m.ticket_ref,
            kind=m.kind,
            decision=m.decision,  # type: ignore[arg-type]
            reason=m.reason,
            send_at=m.send_at,
        )
        for m in ctx.messages
    ]
    return EventAccepted(event_id=event_id, duplicate=False, notifications=notes)


def _event_row(ctx: Context, event: Any, key: str | None) -> Event:
    return Event(
        id=ctx.event_pk,
        api_key_id=ctx.caller.key_id,
        event_id=event.id,
        idempotency_key=key,
        type=event.type,
        queue_id=event.queue_id,
        occurred_at=event.occurred_at,
        received_at=ctx.now,
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


# The handlers register themselves with `handles`; importing them here (after `Context` and
# `handles` exist) makes every event type known wherever events are accepted.
