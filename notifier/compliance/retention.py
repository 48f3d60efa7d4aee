"""Retention: what is said goes after RETENTION_DAYS; the proof of consent stays, chain whole.

After `RETENTION_DAYS` (default 400) tickets are deleted, and texts, customers' replies and
events lose their words and their numbers; each text keeps its decision metadata (purpose,
kind, decision, rule, the consent record it relied on, its status history).

After `LEDGER_RETENTION_YEARS` (default 5: the TCPA's four-year limitation period, plus one)
that metadata goes too, and a number silent that long (no text, no ledger record) loses its
clear form: only its keyed pseudonym remains. The ledger itself is never shortened: it is
append-only and hash-chained, names numbers by pseudonym only, and must keep honouring an
opt-out; so `/v1/audit/verify` holds after every run.

`flask --app wsgi retention apply` runs it; the relay runs it once a day.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from typing import cast as cast_type

from sqlalchemy import ColumnElement, Text, cast, delete, exists, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from notifier.config import Settings
from notifier.db import Database
from notifier.models import (
    ConsentRecord,
    Event,
    Fanout,
    InboundReply,
    Message,
    StatusStep,
    Subject,
    Ticket,
)
from notifier.sending.lifecycle import MessageStatus

log = logging.getLogger(__name__)


ERASED = "(removed: retention)"
UNFINISHED = (MessageStatus.PENDING, MessageStatus.SENDING)


@dataclass(frozen=True)
class Removed:
    """What one run removed, by kind."""

    tickets: int = 0
    message_bodies: int = 0
    reply_bodies: int = 0
    event_payloads: int = 0
    messages: int = 0
    replies: int = 0
    fanouts: int = 0
    events: int = 0
    numbers: int = 0

    def summary(self) -> str:
        """One line for logs and the CLI."""
        return ", ".join(
            f"{name.replace('_', ' ')}: {count}" for name, count in asdict(self).items()
        )


@dataclass(frozen=True)
class Keep:
    """How long what is held is kept (RETENTION_DAYS, LEDGER_RETENTION_YEARS)."""

    days: int
    ledger_years: int

    @classmethod
    def of(cls, settings: Settings) -> Keep:
        """The retention the settings ask for."""
        return cls(settings.retention_days, settings.ledger_retention_years)


def cutoffs(keep: Keep, now: datetime) -> tuple[datetime, datetime]:
    """Before the first, bodies and tickets go; before the second, the decision metadata."""
    days = timedelta(days=keep.days)
    years = timedelta(days=round(365.2425 * keep.ledger_years))
    return now - days, now - years


def apply(db: Database, now: datetime, keep: Keep) -> Removed:
    """Remove what is past its retention, each kind in its own transaction."""
    bodies, metadata = cutoffs(keep, now)
    with db.session() as session:
        said = _forget_what_was_said(session, bodies)
    with db.session() as session:
        removed = _forget_decisions(session, metadata, said)
    log.info("retention applied: %s", removed.summary())
    return removed


def _forget_what_was_said(session: Session, before: datetime) -> Removed:
    old = (Message.created_at < before) & Message.status.not_in(UNFINISHED)
    _scrub_quoted_numbers(session, old)
    bodies = _count(
        session,
        update(Message)
        .where(old, Message.body.is_not(None) | Message.phone.is_not(None))
        .values(body=None, phone=None),
    )
    tickets = _count(session, delete(Ticket).where(Ticket.updated_at < before))
    replies = _count(
        session,
        update(InboundReply)
        .where(InboundReply.received_at < before, InboundReply.body.is_not(None))
        .values(body=None, phone=None),
    )
    # The request as posted holds the number and the consent evidence; the answer does not.
    payloads = _count(
        session,
        update(Event)
        .where(Event.received_at < before, cast(Event.payload, Text) != "{}")
        .values(payload={}),
    )
    return Removed(tickets, bodies, replies, payloads)


def _scrub_quoted_numbers(session: Session, old: ColumnElement[bool]) -> None:
    """A provider's refusal may quote the number: such status details go with the number."""
    digits = (
        select(func.substr(Message.phone, 2))
        .where(Message.id == StatusStep.message_id, old, Message.phone.is_not(None))
        .scalar_subquery()
    )
    session.execute(
        update(StatusStep).where(StatusStep.detail.contains(digits)).values(detail=ERASED)
    )
    quoted = Message.status_reason.contains(func.substr(Message.phone, 2))
    session.execute(update(Message).where(old, quoted).values(status_reason=ERASED))


def _forget_decisions(session: Session, before: datetime, said: Removed) -> Removed:
    messages = _count(session, delete(Message).where(Message.created_at < before))
    replies = _count(session, delete(InboundReply).where(InboundReply.received_at < before))
    unused_fanout = ~exists().where(Message.fanout_id == Fanout.id)
    fanouts = _count(session, delete(Fanout).where(Fanout.created_at < before, unused_fanout))
    unused_event = ~exists().where(Message.event_pk == Event.id) & ~exists().where(
        Fanout.event_pk == Event.id
    )
    events = _count(session, delete(Event).where(Event.received_at < before, unused_event))
    numbers = _count(session, delete(Subject).where(_silent_since(before)))
    return replace(
        said, messages=messages, replies=replies, fanouts=fanouts, events=events, numbers=numbers
    )


def _count(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; answer how many rows it touched."""
    return cast_type(CursorResult[Any], session.execute(statement)).rowcount


def _silent_since(before: datetime) -> ColumnElement[bool]:
    """Numbers with no ledger record, no text and no ticket since `before`."""
    pseudonym = Subject.pseudonym
    return (
        (Subject.created_at < before)
        & ~exists().where(ConsentRecord.subject == pseudonym, ConsentRecord.recorded_at >= before)
        & ~exists().where(Message.subject == pseudonym, Message.created_at >= before)
        & ~exists().where(Ticket.subject == pseudonym)
    )
