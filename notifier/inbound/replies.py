"""What a customer's text does: opt out, opt back in, ask for help or status, or talk to staff.

Each inbound text is recorded once per MessageSid (Twilio retries webhooks), read by the
keyword and free-text rules of `consent.keywords`, and answered through `notifier.inbound.answers`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consent.keywords import ReplyKind, classify_reply
from notifier.inbound import optouts
from notifier.inbound.answers import ACK, HELP, STATUS, Inbound, Turn, answer, brand, locale
from notifier.models import InboundReply, Message, Queue, Ticket, new_id
from notifier.phones import mask
from notifier.sending.dispatch import FORWARD, Dispatcher, due_of
from notifier.services import Services
from notifier.texts import catalog, compose

log = logging.getLogger(__name__)

# A customer who writes again and again gets the same calm answer, at most this often.
ACK_EVERY = timedelta(minutes=10)
# Twilio's Advanced Opt-Out has already answered these itself (the `OptOutType` field).
TWILIO_ANSWERED = {"STOP": ReplyKind.OPT_OUT, "START": ReplyKind.OPT_IN, "HELP": ReplyKind.HELP}


def receive(svc: Services, inbound: Inbound) -> str:
    """Record and act on one inbound text, once per MessageSid; answer how it was read."""
    try:
        with svc.db.session() as session:
            if _seen(session, inbound.message_sid):
                return "duplicate"
            turn = _turn(session, svc, inbound)
            session.add(turn.row)
            session.flush()  # a concurrent retry of the same webhook fails here, before any work
            HANDLERS[turn.row.kind](turn)
            queued = due_of(turn.messages)
    except IntegrityError:
        with svc.db.session() as session:
            if _seen(session, inbound.message_sid):
                return "duplicate"
        raise
    log.info(
        "inbound %s from %s read as %s", inbound.message_sid, mask(inbound.phone), turn.row.kind
    )
    if queued:
        svc.dispatcher.enqueue(queued)
    for action in turn.after_commit:
        action()
    return turn.row.kind


def _seen(session: Session, message_sid: str) -> bool:
    found = select(InboundReply.id).where(InboundReply.provider_sid == message_sid)
    return session.scalar(found) is not None


def _turn(session: Session, svc: Services, inbound: Inbound) -> Turn:
    now = svc.clock.now()
    subject = svc.pseudonymize(inbound.phone)
    reply = classify_reply(inbound.body)
    kind = TWILIO_ANSWERED.get((inbound.opt_out_type or "").upper(), reply.kind)
    row = InboundReply(
        id=new_id("in"),
        provider_sid=inbound.message_sid,
        subject=subject,
        phone=inbound.phone,
        to=inbound.to[:40],
        body=inbound.body,
        kind=str(kind),
        received_at=now,
    )
    ticket = session.scalar(
        select(Ticket).where(Ticket.subject == subject).order_by(Ticket.joined_at.desc()).limit(1)
    )
    queue = ticket.queue if ticket else _queue_for_sender(session, inbound.to)
    return Turn(session, svc, inbound, row, reply, now, ticket, queue)


def _queue_for_sender(session: Session, to: str) -> Queue | None:
    """A number no ticket names: the queue that texts from the number it wrote to, else any."""
    oldest_first = select(Queue).order_by(Queue.created_at, Queue.id).limit(1)
    return session.scalar(oldest_first.where(Queue.sender == to)) or session.scalar(oldest_first)


def opt_in(turn: Turn) -> None:
    """START, UNSTOP or YES: restore what was held before the opt-out, if anything was."""
    if optouts.opt_in(turn) or turn.twilio_answered:
        return
    # Nothing to restore: START is not consent to anything new (no disclosure was shown), and
    # "YES" may well be an answer meant for staff. It is read as any other text.
    other(turn)


def help_(turn: Turn) -> None:
    """Who we are, what we text, how often, the rates, the contact, how to opt out."""
    if not turn.twilio_answered:
        answer(turn, HELP, catalog.help_reply(locale(turn), brand(turn)))


def status(turn: Turn) -> None:
    """The number's waiting ticket: place, wait and come-back time; or that there is none."""
    ticket = turn.session.scalar(
        select(Ticket)
        .where(Ticket.subject == turn.subject, Ticket.state == "waiting")
        .order_by(Ticket.joined_at.desc())
        .limit(1)
    )
    if ticket is not None:
        turn.ticket, turn.queue = ticket, ticket.queue
    body = catalog.status_reply(
        locale(turn),
        brand(turn),
        ticket=ticket.ticket_id if ticket else None,
        position=ticket.position if ticket else None,
        eta_minutes=ticket.eta_minutes if ticket else None,
        come_back=compose.come_back(ticket.queue, ticket, turn.now) if ticket else None,
    )
    answer(turn, STATUS, body)


def other(turn: Turn) -> None:
    """A calm acknowledgment, at most once per ACK_EVERY; the text goes on to the producer."""
    recent = turn.session.scalar(
        select(Message.id)
        .where(
            Message.subject == turn.subject,
            Message.kind == ACK,
            Message.created_at > turn.now - ACK_EVERY,
        )
        .limit(1)
    )
    if recent is None:
        answer(turn, ACK, catalog.acknowledgment(locale(turn), brand(turn)))
    if turn.ticket is not None and turn.ticket.queue.reply_webhook_url:
        inbound_id, dispatcher = turn.row.id, turn.svc.dispatcher
        turn.after_commit.append(lambda: _enqueue_forward(dispatcher, inbound_id))


HANDLERS: dict[str, Callable[[Turn], None]] = {
    ReplyKind.OPT_OUT: optouts.opt_out,
    ReplyKind.OPT_IN: opt_in,
    ReplyKind.HELP: help_,
    ReplyKind.STATUS: status,
    ReplyKind.OTHER: other,
}


def _enqueue_forward(dispatcher: Dispatcher, inbound_id: str) -> None:
    try:
        dispatcher.enqueue_job("default", FORWARD, inbound_id)
    except RedisError as error:
        log.warning("could not forward inbound %s, Redis unreachable: %s", inbound_id, error)
