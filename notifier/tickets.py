"""Ticket events: a customer joins, moves up, is called, leaves."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from notifier import compose
from notifier.errors import invalid
from notifier.event_schemas import TicketCalled, TicketClosed, TicketJoined, TicketUpdated
from notifier.events import Context, handles
from notifier.ledger import append, producer_record
from notifier.models import Message, Queue, Suppression, Ticket, new_id
from notifier.outbox import Draft, consent_decision, record, set_status, skipped
from notifier.phones import region_for_timezone, to_e164

OPEN_STATES = ("waiting", "called")
# Texts about waiting that mean nothing once the customer has been called.
WAITING_KINDS = ("joined", "position_update", "delayed")
QUEUE_UPDATES = "queue_updates"


def open_ticket(ctx: Context, ticket_id: str) -> Ticket | None:
    """The queue's open ticket with this id (ids are reused once a ticket closes)."""
    return ctx.session.scalar(
        select(Ticket)
        .where(
            Ticket.queue_id == ctx.queue.id,
            Ticket.ticket_id == ticket_id,
            Ticket.state.in_(OPEN_STATES),
        )
        .order_by(Ticket.joined_at.desc())
        .limit(1)
    )


def known_ticket(ctx: Context, ticket_id: str) -> Ticket:
    """The open ticket with this id, else its latest closed one; 422 if there is none."""
    ticket = open_ticket(ctx, ticket_id) or ctx.session.scalar(
        select(Ticket)
        .where(Ticket.queue_id == ctx.queue.id, Ticket.ticket_id == ticket_id)
        .order_by(Ticket.joined_at.desc())
        .limit(1)
    )
    if ticket is None:
        raise invalid("ticket.id", f"unknown ticket {ticket_id!r} in queue {ctx.queue.id!r}")
    return ticket


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


def supersede(ctx: Context, ticket: Ticket, kinds: tuple[str, ...], why: str) -> None:
    """Drop the ticket's texts of `kinds` that have not gone yet: a newer state overtook them."""
    pending = ctx.session.scalars(
        select(Message).where(
            Message.ticket_pk == ticket.id, Message.kind.in_(kinds), Message.status == "pending"
        )
    )
    for message in pending:
        set_status(message, "dropped", ctx.now, source="decision", detail=why)


def told(ticket: Ticket, at: datetime) -> None:
    """Remember what the customer has now been told."""
    ticket.notified_position = ticket.position
    ticket.notified_call_at = call_at(ticket, at)


def _draft(
    ctx: Context, ticket: Ticket, kind: str, body: str | None, priority: str = "default"
) -> Draft:
    return Draft(
        ticket.phone or "",
        ticket.subject,
        QUEUE_UPDATES,
        kind,
        compose.locale(ctx.queue, ticket),
        body,
        priority,
        ticket,
    )


def _decide(ctx: Context, draft: Draft) -> Message:
    decision = consent_decision(ctx.session, ctx.svc, draft, ctx.now)
    message = record(
        ctx.session, ctx.svc, draft, decision, ctx.now, queue=ctx.queue, event_pk=ctx.event_pk
    )
    ctx.messages.append(message)
    return message


def _skip(ctx: Context, ticket: Ticket, kind: str, reason: str) -> None:
    draft = _draft(ctx, ticket, kind, None)
    ctx.messages.append(
        record(
            ctx.session,
            ctx.svc,
            draft,
            skipped(reason),
            ctx.now,
            queue=ctx.queue,
            event_pk=ctx.event_pk,
        )
    )


def _moved_on(ticket: Ticket, occurred_at: datetime) -> str | None:
    """Why an event about this ticket comes too late to change anything, if it does."""
    if ticket.state == "closed":
        return "ticket_closed"
    if occurred_at < ticket.last_event_at:
        return "out_of_order"
    return None


def _changed(ticket: Ticket, ctx: Context, occurred_at: datetime) -> None:
    ticket.version += 1
    ticket.updated_at = ctx.now
    ticket.last_event_at = max(ticket.last_event_at, occurred_at)


@handles("ticket.joined")
def joined(ctx: Context, event: TicketJoined) -> None:
    """Record the new ticket (and the consent captured with it); acknowledge it."""
    region = region_for_timezone(ctx.queue.timezone)
    phone = to_e164(event.ticket.phone, default_region=region, field="ticket.phone")
    subject = ctx.svc.pseudonymize(phone)
    if event.consent is not None:
        new = producer_record(event.consent, phone, f"key:{ctx.caller.name}", "consent.")
        append(ctx.session, ctx.svc.pseudonymize, new, ctx.now)
    # A number the carrier called unreachable may be texted again once a producer sends it anew.
    ctx.session.execute(delete(Suppression).where(Suppression.subject == subject))
    previous = open_ticket(ctx, event.ticket.id)
    if previous is not None:  # the producer reused an id without closing the old ticket
        _close(ctx, previous, "replaced", event.occurred_at)
    ticket = Ticket(
        id=new_id("tkt"),
        queue_id=ctx.queue.id,
        ticket_id=event.ticket.id,
        phone=phone,
        subject=subject,
        locale=event.ticket.locale,
        position=event.ticket.position,
        eta_minutes=event.ticket.eta_minutes,
        state="waiting",
        version=1,
        joined_at=ctx.now,
        updated_at=ctx.now,
        last_event_at=event.occurred_at,
    )
    ctx.session.add(ticket)
    # Counted from when the customer joined, if the producer tells us late.
    since = min(event.occurred_at, ctx.now)
    _decide(ctx, _draft(ctx, ticket, "joined", compose.joined(ctx.queue, ticket, since)))
    told(ticket, ctx.now)


@handles("ticket.updated")
def updated(ctx: Context, event: TicketUpdated) -> None:
    """Apply the new place or estimate; text only when it matters to the customer."""
    ticket = known_ticket(ctx, event.ticket.id)
    late = _moved_on(ticket, event.occurred_at)
    if late is None and ticket.state == "called":
        late = "ticket_called"
    if late is not None:
        _skip(ctx, ticket, "position_update", late)
        return
    if event.ticket.position is not None:
        ticket.position = event.ticket.position
    if event.ticket.eta_minutes is not None:
        ticket.eta_minutes = event.ticket.eta_minutes
    _changed(ticket, ctx, event.occurred_at)
    if not worth_texting(ctx.queue, ticket, ctx.now):
        _skip(ctx, ticket, "position_update", "insignificant_change")
        return
    # Updates that have not gone yet become this one, which carries the newest numbers.
    supersede(ctx, ticket, ("position_update",), "superseded")
    body = compose.position_update(ctx.queue, ticket, ctx.now)
    _decide(ctx, _draft(ctx, ticket, "position_update", body))
    told(ticket, ctx.now)


@handles("ticket.called")
def called(ctx: Context, event: TicketCalled) -> None:
    """It is the customer's turn: say where to go, ahead of every other text."""
    ticket = known_ticket(ctx, event.ticket.id)
    late = _moved_on(ticket, event.occurred_at)
    if late is not None:
        _skip(ctx, ticket, "called", late)
        return
    ticket.state, ticket.counter = "called", event.ticket.counter or ticket.counter
    _changed(ticket, ctx, event.occurred_at)
    supersede(ctx, ticket, WAITING_KINDS, "overtaken")
    _decide(ctx, _draft(ctx, ticket, "called", compose.called(ctx.queue, ticket), "urgent"))


@handles("ticket.closed")
def closed(ctx: Context, event: TicketClosed) -> None:
    """The ticket left the queue: nothing is sent, and nothing pending for it will be."""
    ticket = known_ticket(ctx, event.ticket.id)
    if ticket.state != "closed":
        _close(ctx, ticket, event.ticket.reason, event.occurred_at)


def _close(ctx: Context, ticket: Ticket, reason: str, occurred_at: datetime) -> None:
    ticket.state, ticket.close_reason = "closed", reason
    _changed(ticket, ctx, occurred_at)
    pending = ctx.session.scalars(
        select(Message).where(Message.ticket_pk == ticket.id, Message.status == "pending")
    )
    for message in pending:
        set_status(message, "cancelled", ctx.now, source="decision", detail="ticket_closed")
