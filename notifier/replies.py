"""What a customer's text does: opt out, opt back in, ask for help or status, or talk to staff.

Every answer is an outbound message decided and recorded through the outbox and sent by the
worker, never TwiML: so everything sent to a number is in the message log, with its decision,
and an opt-out confirmation goes on the priority queue like any other urgent text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consent.keywords import Reply, ReplyKind, classify_reply
from consent.records import PURPOSES, SMS_OPT_OUT_METHODS, ConsentFact, restorable_grants
from notifier import compose, ledger, texts
from notifier.dispatch import Dispatcher, due
from notifier.models import (
    ConsentRecord,
    InboundReply,
    LedgerHead,
    Message,
    Queue,
    Ticket,
    new_id,
)
from notifier.outbox import SERVICE, Draft, consent_decision, record, set_status
from notifier.phones import mask
from notifier.services import Services

log = logging.getLogger(__name__)

# A customer who writes again and again gets the same calm answer, at most this often.
ACK_EVERY = timedelta(minutes=10)
FORWARD = "workers.forward.forward"
# Twilio's Advanced Opt-Out has already answered these itself (the `OptOutType` field).
TWILIO_ANSWERED = {"STOP": ReplyKind.OPT_OUT, "START": ReplyKind.OPT_IN, "HELP": ReplyKind.HELP}
# Signs the texts to a number that no queue knows yet.
FALLBACK_BRAND = "Notifications"

OPT_OUT_CONFIRMATION = "opt_out_confirmation"
OPT_IN_CONFIRMATION = "opt_in_confirmation"
HELP = "help"
STATUS = "status"
ACK = "reply_ack"


@dataclass(frozen=True)
class Inbound:
    """One text a customer sent, as Twilio's webhook tells it; `phone` is E.164."""

    message_sid: str
    phone: str
    to: str
    body: str
    opt_out_type: str | None = None


@dataclass
class Turn:
    """What handling one inbound text works with, and what it leaves to do after the commit."""

    session: Session
    svc: Services
    inbound: Inbound
    row: InboundReply
    reply: Reply
    now: datetime
    ticket: Ticket | None
    queue: Queue | None
    messages: list[Message] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def subject(self) -> str:
        """The number's pseudonym."""
        return self.row.subject

    @property
    def twilio_answered(self) -> bool:
        """Twilio's Advanced Opt-Out answered this text already: we must not answer again."""
        return bool(self.inbound.opt_out_type)


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
            queued = [due(m) for m in turn.messages if m.decision == "queued"]
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


def opt_out(turn: Turn) -> None:
    """Revoke every purpose at once, stop what is waiting, confirm once per opt-out."""
    facts = _locked_facts(turn)
    already = opted_out(facts)
    method = turn.reply.method if turn.reply.kind == ReplyKind.OPT_OUT else None
    revocation = ledger.NewRecord(
        phone=turn.inbound.phone,
        purposes=PURPOSES,
        action="revoke",
        method=method or "sms_keyword",
        source=f"sms:{turn.inbound.message_sid}",
        evidence=_evidence(turn.inbound),
    )
    ledger.append(turn.session, turn.svc.pseudonymize, revocation, turn.now)
    _block_waiting(turn)
    if not already and not turn.twilio_answered:
        body = texts.opt_out_confirmation(_locale(turn), _brand(turn))
        _answer(turn, OPT_OUT_CONFIRMATION, body, priority="urgent")


def opt_in(turn: Turn) -> None:
    """Re-grant what the number had before its opt-out, and confirm once."""
    facts = _locked_facts(turn)
    grants = restorable_grants(facts) if opted_out(facts) else {}
    if not grants:
        # Nothing to restore: START is not consent to anything new (no disclosure was shown),
        # and "YES" may well be an answer meant for staff. It is read as any other text.
        if not turn.twilio_answered:
            other(turn)
        return
    by_record: dict[str, list[str]] = {}
    for purpose, state in grants.items():
        assert state.record_id is not None  # a granted purpose names its record
        by_record.setdefault(state.record_id, []).append(purpose)
    for record_id, purposes in by_record.items():
        granting = turn.session.get_one(ConsentRecord, record_id)
        ledger.append(
            turn.session, turn.svc.pseudonymize, _regrant(turn, granting, purposes), turn.now
        )
    if not turn.twilio_answered:
        body = texts.opt_in_confirmation(_locale(turn), _brand(turn))
        _answer(turn, OPT_IN_CONFIRMATION, body, priority="urgent")


def _regrant(turn: Turn, granting: ConsentRecord, purposes: list[str]) -> ledger.NewRecord:
    """A grant restoring `purposes` on the terms of the record that first granted them."""
    evidence = _evidence(turn.inbound)
    evidence["restores"] = granting.id
    if granting.captured_at is not None:
        evidence["restored_captured_at"] = granting.captured_at.isoformat()
    return ledger.NewRecord(
        phone=turn.inbound.phone,
        purposes=tuple(purposes),
        action="grant",
        method="sms_keyword",
        source=f"sms:{turn.inbound.message_sid}",
        # The START itself is the consent captured now. The original moment goes into the
        # evidence: as `captured_at` it would predate the opt-out and read as stale consent.
        captured_at=turn.now,
        disclosure_text=granting.disclosure_text,
        disclosure_version=granting.disclosure_version,
        disclosure_language=granting.disclosure_language,
        evidence=evidence,
    )


def help_(turn: Turn) -> None:
    """Who we are, what we text, how often, the rates, the contact, how to opt out."""
    if not turn.twilio_answered:
        _answer(turn, HELP, texts.help_reply(_locale(turn), _brand(turn)))


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
    body = texts.status_reply(
        _locale(turn),
        _brand(turn),
        ticket=ticket.ticket_id if ticket else None,
        position=ticket.position if ticket else None,
        eta_minutes=ticket.eta_minutes if ticket else None,
        come_back=compose.come_back(ticket.queue, ticket, turn.now) if ticket else None,
    )
    _answer(turn, STATUS, body)


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
        _answer(turn, ACK, texts.acknowledgment(_locale(turn), _brand(turn)))
    if turn.ticket is not None and turn.ticket.queue.reply_webhook_url:
        inbound_id, dispatcher = turn.row.id, turn.svc.dispatcher
        turn.after_commit.append(lambda: _enqueue_forward(dispatcher, inbound_id))


HANDLERS: dict[str, Callable[[Turn], None]] = {
    ReplyKind.OPT_OUT: opt_out,
    ReplyKind.OPT_IN: opt_in,
    ReplyKind.HELP: help_,
    ReplyKind.STATUS: status,
    ReplyKind.OTHER: other,
}


def opted_out(facts: list[ConsentFact]) -> bool:
    """Whether the number's latest word was an SMS or carrier opt-out, not taken back since."""
    for fact in sorted(facts, key=lambda f: f.seq, reverse=True):
        if fact.action == "grant" and not _predates(fact, facts):
            return False
        if fact.action == "revoke" and fact.method in SMS_OPT_OUT_METHODS:
            return True
    return False


def _predates(grant: ConsentFact, facts: list[ConsentFact]) -> bool:
    # A grant captured before an opt-out was recorded does not undo it (consent.records agrees).
    return grant.captured_at is not None and any(
        f.action == "revoke"
        and f.method in SMS_OPT_OUT_METHODS
        and grant.captured_at < f.recorded_at
        for f in facts
    )


def _locked_facts(turn: Turn) -> list[ConsentFact]:
    """The number's records, read under the ledger's lock so two replies cannot interleave."""
    turn.session.execute(
        select(LedgerHead.id).where(LedgerHead.id == ledger.HEAD_ID).with_for_update()
    )
    return ledger.facts_of(turn.session, turn.subject)


def _block_waiting(turn: Turn) -> None:
    """Stop every text not yet sent, even the answers that need no opt-in (HELP, STATUS).

    The confirmation of an earlier opt-out still goes: it is the one text the law expects.
    """
    waiting = turn.session.scalars(
        select(Message)
        .where(
            Message.subject == turn.subject,
            Message.status == "pending",
            Message.kind != OPT_OUT_CONFIRMATION,
        )
        .with_for_update()
    )
    for message in waiting:
        message.reason = "opted_out"
        set_status(message, "blocked", turn.now, source="reply", detail="opted_out")


def _answer(turn: Turn, kind: str, body: str, priority: str = "default") -> None:
    """Decide and record one answer to the customer, from the number they wrote to."""
    draft = Draft(
        turn.inbound.phone, turn.subject, SERVICE, kind, _locale(turn), body, priority=priority
    )
    decision = consent_decision(turn.session, turn.svc, draft, turn.now)
    message = record(
        turn.session, turn.svc, draft, decision, turn.now, queue=turn.queue, event_pk=None
    )
    if turn.inbound.to.startswith("+"):
        message.sender = turn.inbound.to
    turn.messages.append(message)


def _locale(turn: Turn) -> str:
    """A keyword's own language first ("BAJA" is Spanish), then the ticket's, the queue's."""
    keyword = turn.reply.language
    return texts.pick_locale(
        keyword if keyword != "en" else None,
        turn.ticket.locale if turn.ticket else None,
        turn.queue.locale if turn.queue else None,
        keyword,
    )


def _brand(turn: Turn) -> texts.Brand:
    if turn.queue is None:
        return texts.Brand(FALLBACK_BRAND, None, ZoneInfo("UTC"))
    return compose.brand(turn.queue)


def _evidence(inbound: Inbound) -> dict[str, object]:
    # The customer's own number stays out: the ledger is kept after erasure, the number is not.
    evidence: dict[str, object] = {
        "body": inbound.body,
        "message_sid": inbound.message_sid,
        "to": inbound.to,
    }
    if inbound.opt_out_type:
        evidence["opt_out_type"] = inbound.opt_out_type
    return evidence


def _enqueue_forward(dispatcher: Dispatcher, inbound_id: str) -> None:
    try:
        dispatcher.enqueue_job("default", FORWARD, inbound_id)
    except RedisError as error:
        log.warning("could not forward inbound %s, Redis unreachable: %s", inbound_id, error)
