"""Data subjects' rights over one number: everything held, as one export; erasure.

Erasure removes the person (tickets, the number, what they wrote and what we wrote to them) and
keeps what the law lets us keep to honour an opt-out (GDPR Art. 17(3)(b), (e)): the ledger,
which names the number only by its keyed pseudonym, and the pseudonymous message metadata.
A number that ever granted consent gets an `erasure` revocation, so it is never texted again
on the strength of consent given before it was erased.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from consent.jurisdiction import jurisdiction
from consent.records import PURPOSES, current_state
from notifier.compliance import ledger
from notifier.compliance.exports import (
    ErasureOut,
    SubjectExport,
    SuppressionOut,
    consent_record_out,
    inbound_out,
    message_out,
    purpose_states,
    ticket_out,
)
from notifier.models import (
    ConsentRecord,
    InboundReply,
    Message,
    StatusStep,
    Subject,
    Suppression,
    Ticket,
)
from notifier.phones import mask
from notifier.sending import lifecycle
from notifier.sending.lifecycle import MessageStatus, Source
from notifier.work import UnitOfWork, Work

log = logging.getLogger(__name__)

ERASED = "(erased)"
KEPT = (
    "the pseudonymous consent ledger and message metadata, so that an opt-out still holds"
    " and the ledger's hash chain still verifies"
)


def export(unit: UnitOfWork, phone: str) -> SubjectExport:
    """Everything held about `phone` (E.164), in one document."""
    with unit() as work:
        session, subject = work.session, work.pseudonymize(phone)
        records = ledger.records_of(session, subject)
        known = session.get(Subject, subject)
        tickets = list(session.scalars(select(Ticket).where(Ticket.subject == subject)))
        messages = list(
            session.scalars(
                select(Message).where(Message.subject == subject).order_by(Message.created_at)
            )
        )
        relied = {r.id: r for r in records}
        inbound = session.scalars(
            select(InboundReply)
            .where(InboundReply.subject == subject)
            .order_by(InboundReply.received_at)
        )
        suppression = session.get(Suppression, subject)
        state = current_state(ledger.to_fact(r) for r in records)
        return SubjectExport(
            phone=phone if _holds_number(session, subject, known) else None,
            subject=subject,
            jurisdiction=jurisdiction(phone),
            exported_at=work.now,
            consent=purpose_states(state),
            suppression=SuppressionOut.model_validate(suppression) if suppression else None,
            consent_records=[
                consent_record_out(r, known.phone if known else None) for r in records
            ],
            tickets=[ticket_out(t) for t in tickets],
            messages=[message_out(m, relied.get(m.consent_record_id or "")) for m in messages],
            inbound_replies=[inbound_out(i) for i in inbound],
        )


def _holds_number(session: Session, subject: str, known: Subject | None) -> bool:
    """Whether any row still holds the number in clear (after erasure, none does)."""
    if known is not None:
        return True
    held = [
        exists().where(Ticket.subject == subject, Ticket.phone.is_not(None)),
        exists().where(Message.subject == subject, Message.phone.is_not(None)),
        exists().where(InboundReply.subject == subject, InboundReply.phone.is_not(None)),
    ]
    return bool(session.scalar(select(or_(*held))))


def erase(unit: UnitOfWork, phone: str, source: str) -> ErasureOut:
    """Erase the number's personal data; keep it suppressed and the chain whole."""
    with unit() as work:
        session, subject, now = work.session, work.pseudonymize(phone), work.now
        revocation = _revoke(work, phone, subject, source)
        cancelled = _cancel_waiting(work, subject)
        scrubbed = _scrub_messages(session, subject, phone)
        tickets = _count(session.execute(delete(Ticket).where(Ticket.subject == subject)))
        inbound = _count(
            session.execute(
                update(InboundReply)
                .where(InboundReply.subject == subject)
                .values(phone=None, body=None, words=None)
            )
        )
        # Last: appending the revocation above made sure the Subject row exists.
        session.execute(delete(Subject).where(Subject.pseudonym == subject))
    log.info("erased %s (%d texts, %d tickets)", mask(phone), scrubbed, tickets)
    return ErasureOut(
        subject=subject,
        erased_at=now,
        revocation_record_id=revocation,
        texts_cancelled=cancelled,
        messages_scrubbed=scrubbed,
        tickets_deleted=tickets,
        inbound_scrubbed=inbound,
        kept=KEPT,
    )


def _revoke(work: Work, phone: str, subject: str, source: str) -> str | None:
    """An `erasure` revocation of every purpose, if the number ever granted any."""
    session = work.session
    granted = select(ConsentRecord.id).where(
        ConsentRecord.subject == subject, ConsentRecord.action == "grant"
    )
    if session.scalar(granted.limit(1)) is None:
        return None
    record = ledger.NewRecord(
        phone=phone,
        purposes=PURPOSES,
        action="revoke",
        method="erasure",
        source=source,
        evidence={"request": "DELETE /v1/subjects", "basis": "GDPR Art. 17"},
    )
    return ledger.append(session, work.pseudonymize, record, work.now).id


def _cancel_waiting(work: Work, subject: str) -> int:
    """Texts not yet sent will not go: their number and body are about to be gone."""
    waiting = list(
        work.session.scalars(
            select(Message)
            .where(Message.subject == subject, Message.status == MessageStatus.PENDING)
            .with_for_update()
        )
    )
    for message in waiting:
        lifecycle.transition(
            message, MessageStatus.CANCELLED, work.now, source=Source.ERASURE, detail="erased"
        )
    return len(waiting)


def _scrub_messages(session: Session, subject: str, phone: str) -> int:
    """Drop the number and the bodies; and the number wherever a provider's error quoted it."""
    ids = select(Message.id).where(Message.subject == subject).scalar_subquery()
    digits = phone.lstrip("+")
    session.execute(
        update(StatusStep)
        .where(StatusStep.message_id.in_(ids), StatusStep.detail.contains(digits))
        .values(detail=ERASED)
    )
    session.execute(
        update(Message)
        .where(Message.subject == subject, Message.status_reason.contains(digits))
        .values(status_reason=ERASED)
    )
    return _count(
        session.execute(
            update(Message).where(Message.subject == subject).values(phone=None, body=None)
        )
    )


def _count(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched."""
    return int(cast(CursorResult[Any], result).rowcount)
