"""Ticket events: a customer joins, moves up, is called, leaves; and when a ticket text is stale."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.orm import lazyload

from consent.policy import Decision
from consent.records import ConsentFact
from notifier.compliance.ledger import append_for_decision, producer_record
from notifier.db import insert_new, on_postgresql, table_of, values_of
from notifier.errors import invalid
from notifier.events.origin import Origin
from notifier.events.recipients import keep
from notifier.events.schemas import TicketCalled, TicketClosed, TicketJoined, TicketUpdated
from notifier.models import Message, Queue, Suppression, Ticket, new_id
from notifier.phones import region_for_timezone, to_e164
from notifier.prepared import Prepared, insert_values
from notifier.sending import lifecycle
from notifier.sending.decide import Draft, consent_decision, decided_row, skipped
from notifier.sending.lifecycle import MessageStatus, Priority, Source, TicketState
from notifier.texts import compose
from notifier.work import Work

OPEN_STATES = (TicketState.WAITING, TicketState.CALLED)
# Texts about waiting that mean nothing once the customer has been called.
WAITING_KINDS = ("joined", "position_update", "delayed")
TICKET_KINDS = frozenset({*WAITING_KINDS, "called"})
QUEUE_UPDATES = "queue_updates"


def staleness(message: Message, ticket: Ticket | None) -> str | None:
    """Why a ticket text should no longer go, or None if it still should."""
    if message.kind not in TICKET_KINDS or message.ticket_pk is None:
        return None
    if ticket is None or ticket.state == TicketState.CLOSED:
        return "ticket_closed"
    if message.kind in WAITING_KINDS and ticket.state == TicketState.CALLED:
        return "ticket_called"
    return None


def open_ticket(work: Work, queue: Queue, ticket_id: str) -> Ticket | None:
    """The queue's open ticket with this id (ids are reused once a ticket closes)."""
    return work.session.scalar(_OPEN, {"queue_id": queue.id, "ticket_id": ticket_id})


def known_ticket(work: Work, queue: Queue, ticket_id: str) -> Ticket:
    """The open ticket with this id, else its latest closed one; 422 if there is none."""
    ticket = open_ticket(work, queue, ticket_id) or work.session.scalar(
        _LATEST, {"queue_id": queue.id, "ticket_id": ticket_id}
    )
    if ticket is None:
        raise invalid("ticket.id", f"unknown ticket {ticket_id!r} in queue {queue.id!r}")
    return ticket


# Built once, as every ticket event asks them. The queue is in hand: not joined in again.
_NO_QUEUE = (lazyload(Ticket.queue),)
_LATEST = (
    select(Ticket)
    .options(*_NO_QUEUE)
    .where(Ticket.queue_id == bindparam("queue_id"), Ticket.ticket_id == bindparam("ticket_id"))
    .order_by(Ticket.joined_at.desc())
    .limit(1)
)
# Each state compared on its own, not `in_`: a list would be written into the statement anew
# at each call.
_OPEN = _LATEST.where(or_(*(Ticket.state == state for state in OPEN_STATES)))
# Whether there is one, for a new ticket: its id is seldom in use, and a prepared lookup costs
# a fraction of loading a ticket.
_TICKETS = table_of(Ticket)
_OPEN_ID_OF = (
    select(_TICKETS.c.id)
    .where(
        _TICKETS.c.queue_id == bindparam("queue_id"),
        _TICKETS.c.ticket_id == bindparam("ticket_id"),
        or_(*(_TICKETS.c.state == state.value for state in OPEN_STATES)),
    )
    .limit(1)
)
_OPEN_ID = Prepared(_OPEN_ID_OF)
_SUPPRESSIONS = table_of(Suppression)
_LIFT = delete(_SUPPRESSIONS).where(_SUPPRESSIONS.c.subject == bindparam("subject"))
_UNSUPPRESS = Prepared(_LIFT)


@functools.cache
def _joined_statement(names: tuple[str, ...]) -> Prepared:
    """PostgreSQL: a new ticket's INSERT, its number's lifted suppression, and the open id of its
    queue (`_OPEN_ID`), in one statement. A DELETE or an INSERT in a WITH runs whether or not
    the query reads it."""
    ticket = insert_values(_TICKETS, names).cte("ticket")
    return Prepared(_OPEN_ID_OF.add_cte(_LIFT.cte("lifted")).add_cte(ticket))


def call_at(ticket: Ticket, at: datetime) -> datetime | None:
    """When the ticket is expected to be called, by the estimate given at `at`."""
    return None if ticket.eta_minutes is None else at + timedelta(minutes=ticket.eta_minutes)


def worth_texting(queue: Queue, ticket: Ticket, at: datetime) -> bool:
    """An update matters when it crosses a notify position or moves the call time enough."""
    told, now_at = ticket.notified_position, ticket.position
    if told is not None and now_at is not None:
        if any(now_at <= mark < told for mark in queue.notify_at_positions):
            return True
    expected = call_at(ticket, at)
    if expected is None:
        return False
    if ticket.notified_call_at is None:
        return True
    moved = abs(expected - ticket.notified_call_at)
    return moved >= timedelta(minutes=queue.eta_change_minutes)


def withdraw(
    work: Work, ticket: Ticket, kinds: tuple[str, ...] | None, to: MessageStatus, why: str
) -> None:
    """Stop the ticket's texts (of `kinds`, or all) that have not gone yet."""
    query = select(Message).where(
        Message.ticket_pk == ticket.id, Message.status == MessageStatus.PENDING
    )
    if kinds is not None:
        query = query.where(Message.kind.in_(kinds))
    for message in work.session.scalars(query):
        lifecycle.transition(message, to, work.now, source=Source.DECISION, detail=why)


def told(ticket: Ticket, at: datetime) -> None:
    """Remember what the customer has now been told."""
    ticket.notified_position = ticket.position
    ticket.notified_call_at = call_at(ticket, at)


def draft_for(
    queue: Queue, ticket: Ticket, kind: str, body: str | None, priority: str = Priority.DEFAULT
) -> Draft:
    """A text about `ticket` to its holder, for the queue-updates purpose."""
    locale = compose.locale(queue, ticket)
    return Draft(
        ticket.phone or "", ticket.subject, QUEUE_UPDATES, kind, locale, body, priority, ticket
    )


def _decide(
    work: Work,
    origin: Origin,
    draft: Draft,
    *,
    facts: list[ConsentFact] | None = None,
    unreachable: bool | None = None,
) -> None:
    decision = consent_decision(work.session, draft, work.now, facts=facts, unreachable=unreachable)
    _record(work, origin, draft, decision)


def _skip(work: Work, origin: Origin, ticket: Ticket, kind: str, reason: str) -> None:
    _record(work, origin, draft_for(origin.queue, ticket, kind, None), skipped(reason))


def _record(work: Work, origin: Origin, draft: Draft, decision: Decision) -> None:
    # Inserted as a row at the commit, as a fan-out's are: nothing changes it before then.
    keep(work, [decided_row(work, draft, decision, origin.queue, origin.event_pk)])


def _moved_on(ticket: Ticket, occurred_at: datetime) -> str | None:
    """Why an event about this ticket comes too late to change anything, if it does."""
    if ticket.state == TicketState.CLOSED:
        return "ticket_closed"
    if occurred_at < ticket.last_event_at:
        return "out_of_order"
    return None


def changed(ticket: Ticket, now: datetime, occurred_at: datetime | None = None) -> None:
    """Count a change of the ticket (its version tells a worker whether a text is stale)."""
    ticket.version += 1
    ticket.updated_at = now
    if occurred_at is not None:
        ticket.last_event_at = max(ticket.last_event_at, occurred_at)


def joined(work: Work, origin: Origin, event: TicketJoined) -> None:
    """Record the new ticket (and the consent captured with it); acknowledge it."""
    queue = origin.queue
    region = region_for_timezone(queue.timezone)
    phone = to_e164(event.ticket.phone, default_region=region, field="ticket.phone")
    subject = work.pseudonymize(phone)
    facts = None
    if event.consent is not None:
        new = producer_record(event.consent, phone, origin.source, "consent.")
        facts = append_for_decision(work.session, work.pseudonymize, new, work.now)
    ticket = Ticket(
        id=new_id("tkt"),
        queue_id=queue.id,
        ticket_id=event.ticket.id,
        phone=phone,
        subject=subject,
        locale=event.ticket.locale,
        position=event.ticket.position,
        eta_minutes=event.ticket.eta_minutes,
        state=TicketState.WAITING,
        version=1,
        joined_at=work.now,
        updated_at=work.now,
        last_event_at=event.occurred_at,
    )
    told(ticket, work.now)  # before the row is written: one INSERT, no UPDATE after it
    # The new ticket's row; whether its id is still open in the queue (its own row aside); and
    # a number the carrier called unreachable may be texted again once a producer sends it
    # anew. PostgreSQL does the three in one statement, whose query sees the tickets as they
    # were before it.
    values = values_of(ticket)
    if on_postgresql(work.session):
        reused = _joined_statement(tuple(values)).first(work.session, values)
    else:
        _UNSUPPRESS.run(work.session, values)
        reused = _OPEN_ID.first(work.session, values)
        insert_new(work.session, ticket)
    if reused is not None:  # the producer reused an id without closing the old ticket
        previous = work.session.get_one(Ticket, reused.id, options=_NO_QUEUE)
        _close(work, previous, "replaced", event.occurred_at)
    # Counted from when the customer joined, if the producer tells us late.
    body = compose.joined(queue, ticket, min(event.occurred_at, work.now))
    draft = draft_for(queue, ticket, "joined", body)
    _decide(work, origin, draft, facts=facts, unreachable=False)


def updated(work: Work, origin: Origin, event: TicketUpdated) -> None:
    """Apply the new place or estimate; text only when it matters to the customer."""
    ticket = known_ticket(work, origin.queue, event.ticket.id)
    late = _moved_on(ticket, event.occurred_at)
    if late is None and ticket.state == TicketState.CALLED:
        late = "ticket_called"
    if late is not None:
        _skip(work, origin, ticket, "position_update", late)
        return
    if event.ticket.position is not None:
        ticket.position = event.ticket.position
    if event.ticket.eta_minutes is not None:
        ticket.eta_minutes = event.ticket.eta_minutes
    changed(ticket, work.now, event.occurred_at)
    if not worth_texting(origin.queue, ticket, work.now):
        _skip(work, origin, ticket, "position_update", "insignificant_change")
        return
    # Updates that have not gone yet become this one, which carries the newest numbers.
    withdraw(work, ticket, ("position_update",), MessageStatus.DROPPED, "superseded")
    body = compose.position_update(origin.queue, ticket, work.now)
    _decide(work, origin, draft_for(origin.queue, ticket, "position_update", body))
    told(ticket, work.now)


def called(work: Work, origin: Origin, event: TicketCalled) -> None:
    """It is the customer's turn: say where to go, ahead of every other text."""
    ticket = known_ticket(work, origin.queue, event.ticket.id)
    late = _moved_on(ticket, event.occurred_at)
    if late is not None:
        _skip(work, origin, ticket, "called", late)
        return
    ticket.state, ticket.counter = TicketState.CALLED, event.ticket.counter or ticket.counter
    changed(ticket, work.now, event.occurred_at)
    withdraw(work, ticket, WAITING_KINDS, MessageStatus.DROPPED, "overtaken")
    body = compose.called(origin.queue, ticket)
    _decide(work, origin, draft_for(origin.queue, ticket, "called", body, Priority.URGENT))


def closed(work: Work, origin: Origin, event: TicketClosed) -> None:
    """The ticket left the queue: nothing is sent, and nothing pending for it will be."""
    ticket = known_ticket(work, origin.queue, event.ticket.id)
    if ticket.state != TicketState.CLOSED:
        _close(work, ticket, event.ticket.reason, event.occurred_at)


def _close(work: Work, ticket: Ticket, reason: str, occurred_at: datetime) -> None:
    ticket.state, ticket.close_reason = TicketState.CLOSED, reason
    changed(ticket, work.now, occurred_at)
    withdraw(work, ticket, None, MessageStatus.CANCELLED, "ticket_closed")


HANDLERS: Mapping[str, Callable[[Work, Origin, Any], None]] = MappingProxyType(
    {
        "ticket.joined": joined,
        "ticket.updated": updated,
        "ticket.called": called,
        "ticket.closed": closed,
    }
)
