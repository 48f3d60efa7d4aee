"""A text's life: its statuses, the moves allowed between them, and the one place that makes them.

Every status a message can have, and every move from one to another, is written here and nowhere
else (rq's `JobStatus` is the model). A move the table does not allow is refused: logged,
counted, and the message left as it was, so a late worker step or a stray callback can never
overwrite what has already happened to a text.

    decided ─┬─> pending ──claim──> sending ──> sent ──> delivered / undelivered / failed ──> read
             ├─> blocked             │  ^            (callbacks only move forward)
             └─> skipped             │  └── back to pending: paced, retried, rescheduled
    pending or sending ──> dropped (stale), blocked (opted out), cancelled (closed, erased)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from prometheus_client import Counter
from sqlalchemy import case, insert, or_, update
from sqlalchemy.orm import Session

from consent.policy import Outcome
from notifier.metrics import REGISTRY
from notifier.models import Message, StatusStep

log = logging.getLogger(__name__)


class MessageStatus(StrEnum):
    """Where a text is in its life."""

    PENDING = "pending"  # decided to go; waiting for a worker, or for its `send_at`
    SENDING = "sending"  # claimed by one worker; after a crash, reconciled before any retry
    SENT = "sent"  # the provider took it
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    READ = "read"
    BLOCKED = "blocked"  # may not go: no consent, opted out, unreachable, no sender
    SKIPPED = "skipped"  # nothing worth sending was decided
    DROPPED = "dropped"  # overtaken by a newer state of its ticket before it went
    CANCELLED = "cancelled"  # its ticket closed, or its number was erased, before it went


class Priority(StrEnum):
    """How urgent a text is; also the name of the RQ queue it waits on, taken in this order."""

    URGENT = "urgent"  # "it's your turn", opt-out confirmations
    DEFAULT = "default"  # texts about one ticket, answers to customers
    BULK = "bulk"  # fan-outs: delay notices, peak-hour warnings


class TicketState(StrEnum):
    """Where a customer's ticket is."""

    WAITING = "waiting"
    CALLED = "called"
    CLOSED = "closed"


class FanoutState(StrEnum):
    """Whether a queue-wide fan-out has decided all its recipients."""

    PENDING = "pending"
    DONE = "done"


class Source(StrEnum):
    """Who moved a message: written into each step of its history."""

    DECISION = "decision"
    WORKER = "worker"
    RECONCILE = "reconcile"
    CALLBACK = "callback"
    REPLY = "reply"
    ERASURE = "erasure"


S = MessageStatus
# The one table of moves. A status missing from the left has no way out.
ALLOWED: Mapping[MessageStatus, frozenset[MessageStatus]] = MappingProxyType(
    {
        S.PENDING: frozenset({S.PENDING, S.SENDING, S.DROPPED, S.CANCELLED, S.BLOCKED}),
        S.SENDING: frozenset(
            {S.PENDING, S.SENT, S.DELIVERED, S.UNDELIVERED, S.FAILED, S.READ, S.DROPPED, S.BLOCKED}
        ),
        S.SENT: frozenset({S.DELIVERED, S.UNDELIVERED, S.FAILED, S.READ}),
        S.DELIVERED: frozenset({S.READ}),
        S.UNDELIVERED: frozenset({S.READ}),
        S.FAILED: frozenset({S.READ}),
    }
)
FIRST_STATUS: Mapping[Outcome, MessageStatus] = MappingProxyType(
    {
        Outcome.QUEUED: S.PENDING,
        Outcome.SCHEDULED: S.PENDING,
        Outcome.BLOCKED: S.BLOCKED,
        Outcome.SKIPPED: S.SKIPPED,
    }
)
# What a carrier's callback may report. Twilio's early statuses (accepted, queued, sending) all
# mean "Twilio has it", which `sent` already says: they are history, never the status.
REPORTABLE = frozenset({S.SENT, S.DELIVERED, S.UNDELIVERED, S.FAILED, S.READ})
FAILURES = frozenset({S.UNDELIVERED, S.FAILED})
# Texts that went, or will go: what a daily cap counts.
LIVE = frozenset({S.PENDING, S.SENDING, S.SENT, S.DELIVERED})
# A worker takes a text due this soon: RQ schedules in whole seconds, so a job may start a
# little before its text's `send_at`, and refusing it would send the text a minute late.
EARLY = timedelta(seconds=1)
# A history step keeps this much of a status a carrier reported (its column's length).
STATUS_LENGTH = 16

ILLEGAL = Counter(
    "notifier_illegal_transitions_total",
    "Status moves refused because the lifecycle does not allow them",
    ["from_status", "to_status"],
    registry=REGISTRY,
)


def may_move(current: str, to: str) -> bool:
    """Whether the table allows a message in `current` to move to `to`."""
    return current in ALLOWED and to in ALLOWED[S(current)]


def first_status(outcome: Outcome) -> MessageStatus:
    """The status a message starts in, given its decision."""
    return FIRST_STATUS[outcome]


def start(message: Message, now: datetime) -> None:
    """Give a newly decided message its first status and the first step of its history."""
    message.status = first_status(Outcome(message.decision))
    message.history.append(
        StatusStep(status=message.status, detail=message.reason, source=Source.DECISION, at=now)
    )


def start_rows(rows: Sequence[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """`start` for message rows inserted in bulk: set each one's first status; answer the
    first steps of their histories, to insert with them."""
    steps = []
    for row in rows:
        row["status"] = first_status(Outcome(row["decision"]))
        steps.append(
            {
                "message_id": row["id"],
                "status": row["status"],
                "error_code": None,
                "detail": row["reason"],
                "source": Source.DECISION,
                "at": now,
            }
        )
    return steps


def transition(
    message: Message,
    to: MessageStatus,
    now: datetime,
    *,
    source: Source,
    detail: str | None = None,
    error_code: int | None = None,
) -> bool:
    """Move `message` to `to` and write the step into its history; refuse an illegal move."""
    if not may_move(message.status, to):
        ILLEGAL.labels(message.status, to).inc()
        log.error("refused to move %s from %s to %s (%s)", message.id, message.status, to, source)
        return False
    message.status = to
    message.status_reason = detail
    if error_code is not None:
        message.error_code = error_code
    message.history.append(
        StatusStep(status=to, error_code=error_code, detail=detail, source=source, at=now)
    )
    return True


def sent(message: Message, provider_sid: str, detail: str, now: datetime, source: Source) -> None:
    """The provider took the text: keep its id, for callbacks and reconciling."""
    if transition(message, S.SENT, now, source=source, detail=detail):
        message.provider_sid, message.sent_at = provider_sid, now


def sent_many(
    session: Session, receipts: Mapping[str, tuple[str, str]], now: datetime, source: Source
) -> list[str]:
    """Move the texts the provider took (id: (provider id, detail)) from sending to sent in one
    UPDATE, with their history; answer those moved.

    A text no longer `sending` (a STOP blocked it meanwhile) is not moved: `sent` refuses, logs
    and counts that move one text at a time.
    """
    if not receipts:
        return []
    sids = {message_id: sid for message_id, (sid, _) in receipts.items()}
    details = {message_id: detail for message_id, (_, detail) in receipts.items()}
    moved = list(
        session.scalars(
            update(Message)
            .where(Message.id.in_(receipts), Message.status == S.SENDING)
            .values(
                status=S.SENT,
                status_reason=case(details, value=Message.id),
                provider_sid=case(sids, value=Message.id),
                sent_at=now,
            )
            .returning(Message.id)
            .execution_options(synchronize_session=False)
        )
    )
    if moved:
        steps = [
            {"message_id": i, "status": S.SENT, "detail": details[i], "source": source, "at": now}
            for i in moved
        ]
        session.execute(insert(StatusStep), steps)
    return moved


def note(
    message: Message,
    reported: str,
    now: datetime,
    *,
    source: Source,
    detail: str,
    error_code: int | None = None,
) -> None:
    """Write a reported status into the history without moving the message (kept as evidence)."""
    message.history.append(
        StatusStep(
            status=reported[:STATUS_LENGTH],
            error_code=error_code,
            detail=detail,
            source=source,
            at=now,
        )
    )


def claim(session: Session, message_ids: Sequence[str], now: datetime) -> list[str]:
    """Atomically move the due ones of `message_ids` from pending to sending; answer those won.

    One UPDATE decides it, so of two workers holding the same id only one ever sends it.
    """
    if not message_ids:
        return []
    won = list(
        session.scalars(
            update(Message)
            .where(
                Message.id.in_(message_ids),
                Message.status == S.PENDING,
                or_(Message.send_at.is_(None), Message.send_at <= now + EARLY),
            )
            .values(status=S.SENDING, claimed_at=now, attempts=Message.attempts + 1)
            .returning(Message.id)
        )
    )
    if won:
        steps = [
            {"message_id": i, "status": S.SENDING, "source": Source.WORKER, "at": now} for i in won
        ]
        session.execute(insert(StatusStep), steps)
    return won
