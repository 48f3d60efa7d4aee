"""What a customer's text does: opt out, opt back in, ask for help or status, or talk to staff.

Each inbound text is recorded once per MessageSid (Twilio retries webhooks), read by the
keyword and free-text rules of `consent.keywords`, and answered through `notifier.inbound.respond`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.keywords import ReplyKind, classify_reply
from notifier.inbound import optouts
from notifier.inbound.respond import ACK, HELP, STATUS, Inbound, Received, answer, brand, locale
from notifier.models import InboundReply, Message, Queue, Ticket, new_id
from notifier.phones import mask
from notifier.sending.dispatch import FORWARD
from notifier.sending.lifecycle import Priority, TicketState
from notifier.texts import catalog, compose
from notifier.work import JobCall, UnitOfWork, Work, once

log = logging.getLogger(__name__)

# A customer who writes again and again gets the same calm answer, at most this often.
ACK_EVERY = timedelta(minutes=10)
# Twilio's Advanced Opt-Out has already answered these itself (the `OptOutType` field).
TWILIO_ANSWERED = {"STOP": ReplyKind.OPT_OUT, "START": ReplyKind.OPT_IN, "HELP": ReplyKind.HELP}


def receive(unit: UnitOfWork, inbound: Inbound) -> str:
    """Record and act on one inbound text, once per MessageSid; answer how it was read."""

    def seen(session: Session) -> str | None:
        found = select(InboundReply.id).where(InboundReply.provider_sid == inbound.message_sid)
        return "duplicate" if session.scalar(found) is not None else None

    def act(work: Work) -> str:
        got = _received(work, inbound)
        work.session.add(got.row)
        work.session.flush()  # a concurrent retry of the same webhook fails here, before any work
        HANDLERS[got.row.kind](work, got)
        return got.row.kind

    kind, duplicate = once(unit, seen, act)
    if not duplicate:
        log.info("inbound %s from %s read as %s", inbound.message_sid, mask(inbound.phone), kind)
    return kind


def _received(work: Work, inbound: Inbound) -> Received:
    subject = work.pseudonymize(inbound.phone)
    reading = classify_reply(inbound.body)
    kind = TWILIO_ANSWERED.get((inbound.opt_out_type or "").upper(), reading.kind)
    row = InboundReply(
        id=new_id("in"),
        provider_sid=inbound.message_sid,
        subject=subject,
        phone=inbound.phone,
        to=inbound.to[:40],
        body=inbound.body,
        kind=str(kind),
        received_at=work.now,
        verdict=str(reading.verdict),
        rule=reading.rule,
        words=list(reading.words),
    )
    ticket = work.session.scalar(
        select(Ticket).where(Ticket.subject == subject).order_by(Ticket.joined_at.desc()).limit(1)
    )
    queue = ticket.queue if ticket else _queue_for_sender(work.session, inbound.to)
    return Received(inbound, row, reading, ticket, queue, work.support_contact)


def _queue_for_sender(session: Session, to: str) -> Queue | None:
    """A number no ticket names: the queue that texts from the number it wrote to, else any."""
    oldest_first = select(Queue).order_by(Queue.created_at, Queue.id).limit(1)
    return session.scalar(oldest_first.where(Queue.sender == to)) or session.scalar(oldest_first)


def opt_in(work: Work, got: Received) -> None:
    """START, UNSTOP or YES: restore what was held before the opt-out, if anything was."""
    if optouts.opt_in(work, got) or got.twilio_answered:
        return
    # Nothing to restore: START is not consent to anything new (no disclosure was shown), and
    # "YES" may well be an answer meant for staff. It is read as any other text.
    other(work, got)


def help_(work: Work, got: Received) -> None:
    """Who we are, what we text, how often, the rates, the contact, how to opt out."""
    if not got.twilio_answered:
        answer(work, got, HELP, catalog.help_reply(locale(got), brand(got)))


def status(work: Work, got: Received) -> None:
    """The number's waiting ticket: place, wait and come-back time; or that there is none."""
    ticket = work.session.scalar(
        select(Ticket)
        .where(Ticket.subject == got.subject, Ticket.state == TicketState.WAITING)
        .order_by(Ticket.joined_at.desc())
        .limit(1)
    )
    if ticket is not None:
        got.ticket, got.queue = ticket, ticket.queue
    body = catalog.status_reply(
        locale(got),
        brand(got),
        ticket=ticket.ticket_id if ticket else None,
        position=ticket.position if ticket else None,
        eta_minutes=ticket.eta_minutes if ticket else None,
        come_back=compose.come_back(ticket.queue, ticket, work.now) if ticket else None,
    )
    answer(work, got, STATUS, body)


def other(work: Work, got: Received) -> None:
    """A calm acknowledgment, at most once per ACK_EVERY; the text goes on to the producer."""
    recent = work.session.scalar(
        select(Message.id)
        .where(
            Message.subject == got.subject,
            Message.kind == ACK,
            Message.created_at > work.now - ACK_EVERY,
        )
        .limit(1)
    )
    if recent is None:
        answer(work, got, ACK, catalog.acknowledgment(locale(got), brand(got)))
    if got.ticket is not None and got.ticket.queue.reply_webhook_url:
        work.jobs.append(JobCall(Priority.DEFAULT, FORWARD, (got.row.id,)))


HANDLERS: dict[str, Callable[[Work, Received], None]] = {
    ReplyKind.OPT_OUT: optouts.opt_out,
    ReplyKind.OPT_IN: opt_in,
    ReplyKind.HELP: help_,
    ReplyKind.STATUS: status,
    ReplyKind.OTHER: other,
}
