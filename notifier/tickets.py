"""Ticket events: a customer joins, moves up, is called, leaves."""

from __future__ import annotations

from sqlalchemy import delete, select

from notifier import compose
from notifier.events import Context, handles
from notifier.ledger import NewRecord, append, check_provable
from notifier.models import Suppression, Ticket, new_id
from notifier.outbox import Draft, consent_decision, record
from notifier.phones import region_for_timezone, to_e164
from notifier.schemas import ConsentIn, TicketJoined

OPEN_STATES = ("waiting", "called")


def producer_record(consent: ConsentIn, phone: str, source: str, prefix: str = "") -> NewRecord:
    """A ledger record from what a producer sent; refused (422) if the law wants more proof."""
    disclosure = consent.disclosure
    new = NewRecord(
        phone=phone,
        purposes=tuple(consent.purposes),
        action=consent.action,
        method=consent.method,
        source=source,
        captured_at=consent.captured_at,
        disclosure_text=disclosure.text if disclosure else None,
        disclosure_version=disclosure.version if disclosure else None,
        disclosure_language=disclosure.language if disclosure else None,
        evidence=consent.evidence.model_dump(exclude_none=True),
    )
    check_provable(new, prefix)
    return new


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
    if previous is not None:
        previous.state, previous.close_reason = "closed", "replaced"
        previous.version += 1
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
    )
    ctx.session.add(ticket)
    draft = Draft(
        phone,
        subject,
        "queue_updates",
        "joined",
        compose.locale(ctx.queue, ticket),
        compose.joined(ctx.queue, ticket, ctx.now),
        ticket=ticket,
    )
    decision = consent_decision(ctx.session, ctx.svc, draft, ctx.now)
    ctx.messages.append(
        record(
            ctx.session, ctx.svc, draft, decision, ctx.now, queue=ctx.queue, event_pk=ctx.event_pk
        )
    )
