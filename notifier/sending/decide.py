"""Deciding one text and recording the decision, in the caller's unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from consent.policy import Decision, Outcome, decide
from consent.records import SMS_OPT_OUT_METHODS, ConsentFact, opted_out
from notifier.compliance import ledger
from notifier.models import Message, Queue, Ticket, new_id
from notifier.sending import lifecycle
from notifier.sending.confirmations import OPT_OUT_CONFIRMATION
from notifier.sending.lifecycle import Priority
from notifier.texts.segments import count_segments
from notifier.work import Work

# Answers to a customer's own message (HELP, STATUS, opt-out and opt-in confirmations) need
# no opt-in: the customer asked. Only an unreachable number stops them.
SERVICE = "service"
PEAK_ALERTS = "peak_alerts"
# The daily cap of peak-hour warnings counts those of the last day.
PEAK_ALERTS_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Draft:
    """A text about to be decided: for whom, why, what it says."""

    phone: str
    subject: str
    purpose: str
    kind: str
    locale: str
    body: str | None
    priority: str = Priority.DEFAULT
    ticket: Ticket | None = None
    # An answer goes from the number the customer wrote to; other texts from the queue's.
    sender: str | None = None


def consent_decision(
    session: Session,
    draft: Draft,
    now: datetime,
    *,
    facts: list[ConsentFact] | None = None,
    unreachable: bool | None = None,
    message_id: str | None = None,
    decided_at: datetime | None = None,
    peak_alerts_recent: int | None = None,
) -> Decision:
    """What the consent policy says about `draft` at `now`; a fan-out passes what it read
    for its whole batch, a worker's recheck when the text was decided."""
    if unreachable is None:
        unreachable = ledger.is_unreachable(session, draft.subject)
    if draft.purpose == SERVICE:
        if unreachable:
            return Decision(Outcome.BLOCKED, "unreachable", "unreachable", None, None)
        if decided_at is not None and _opted_out_after(session, draft, decided_at, facts):
            return Decision(Outcome.BLOCKED, "opted_out", "reply.asked_before_opt_out", None, None)
        return Decision(Outcome.QUEUED, None, "reply.customer_initiated", None, None)
    if facts is None:
        facts = ledger.facts_of(session, draft.subject)
    recent = peak_alerts_recent or 0
    if draft.purpose == PEAK_ALERTS and peak_alerts_recent is None:
        recent = peak_alerts_since(session, draft.subject, now - PEAK_ALERTS_WINDOW, message_id)
    return decide(
        purpose=draft.purpose,
        phone=draft.phone,
        facts=facts,
        now=now,
        unreachable=unreachable,
        peak_alerts_last_24h=recent,
    )


def _opted_out_after(
    session: Session, draft: Draft, decided_at: datetime, facts: list[ConsentFact] | None
) -> bool:
    """Whether the number opted out (a STOP, a carrier block) after this answer was decided.

    STOP blocks the answers still waiting, all but the confirmation it owes; the worker's
    recheck holds to the same rule for those STOP could not reach: an answer a dead worker left
    `sending`, or one waiting when the carrier reports the opt-out (21610).
    """
    if draft.kind == OPT_OUT_CONFIRMATION:
        return False
    if facts is None:
        facts = ledger.facts_of(session, draft.subject)
    return opted_out(facts) and any(
        f.action == "revoke" and f.method in SMS_OPT_OUT_METHODS and f.recorded_at > decided_at
        for f in facts
    )


def peak_alerts_since_many(
    session: Session, subjects: list[str], since: datetime
) -> dict[str, int]:
    """`peak_alerts_since` for many numbers in one query; a number with none is left out."""
    if not subjects:
        return {}
    rows = session.execute(
        select(Message.subject, func.count(Message.id))
        .where(
            # The range as well as the list: on stale statistics a planner takes a list of
            # hundreds for most of the table, and would scan every live text instead.
            Message.subject.between(min(subjects), max(subjects)),
            Message.subject.in_(subjects),
            *_peak_alerts_since(since),
        )
        .group_by(Message.subject)
    )
    return {subject: count for subject, count in rows}


def _peak_alerts_since(since: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        Message.purpose == PEAK_ALERTS,
        Message.decision.in_((Outcome.QUEUED, Outcome.SCHEDULED)),
        Message.status.in_(lifecycle.LIVE),
        func.coalesce(Message.send_at, Message.created_at) >= since,
    )


def peak_alerts_since(
    session: Session, subject: str, since: datetime, other_than: str | None = None
) -> int:
    """How many peak-hour warnings went, or will go, to a number since `since`."""
    query = select(func.count(Message.id)).where(
        Message.subject == subject, *_peak_alerts_since(since)
    )
    if other_than is not None:
        query = query.where(Message.id != other_than)
    return session.scalar(query) or 0


def record(
    work: Work,
    draft: Draft,
    decision: Decision,
    *,
    queue: Queue | None,
    event_pk: str | None,
    fanout_id: str | None = None,
) -> Message:
    """Add the message row for `draft` with `decision` and its first status; remember it."""
    message = Message(**decided_row(work, draft, decision, queue, event_pk, fanout_id))
    lifecycle.start(message, work.now)
    work.session.add(message)
    return work.decided(message)


def decided_row(
    work: Work,
    draft: Draft,
    decision: Decision,
    queue: Queue | None,
    event_pk: str | None,
    fanout_id: str | None = None,
) -> dict[str, Any]:
    """The columns of the message `draft` becomes with `decision`, before its first status.

    A fan-out inserts a batch of these at once (`Work.decided_rows`); `record` makes one row.
    """
    sender, decision = _sent_by(work, draft, queue, decision)
    segments = count_segments(draft.body or "")
    return {
        "id": new_id("msg"),
        "event_pk": event_pk,
        "fanout_id": fanout_id,
        "queue_id": queue.id if queue else None,
        **_about(draft.ticket),
        "phone": draft.phone,
        "subject": draft.subject,
        "sender": sender,
        "purpose": draft.purpose,
        "kind": draft.kind,
        "locale": draft.locale,
        "body": draft.body,
        "encoding": segments.encoding,
        "segments": segments.segments,
        "priority": draft.priority,
        "decision": decision.outcome,
        "reason": decision.reason,
        "rule": decision.rule,
        "consent_record_id": decision.record_id,
        "send_at": decision.send_at if decision.outcome == Outcome.SCHEDULED else None,
        "attempts": 0,
        "created_at": work.now,
        "job_id": None,
    }


def _sent_by(
    work: Work, draft: Draft, queue: Queue | None, decision: Decision
) -> tuple[str | None, Decision]:
    """The text's sender; a text that would go without one is blocked instead."""
    sender = draft.sender or (queue.sender if queue else None) or work.default_sender
    if sender is None and decision.outcome.goes:
        decision = Decision(Outcome.BLOCKED, "no_sender", "config.sender", decision.record_id, None)
    return sender, decision


def _about(ticket: Ticket | None) -> dict[str, object]:
    """The columns that tie a message to the ticket it is about, and to that ticket's version."""
    if ticket is None:
        return {"ticket_pk": None, "ticket_version": None, "ticket_ref": None}
    return {
        "ticket_pk": ticket.id,
        "ticket_version": ticket.version,
        "ticket_ref": ticket.ticket_id,
    }


def skipped(reason: str) -> Decision:
    """The decision that nothing worth sending came of an event for this recipient."""
    return Decision(Outcome.SKIPPED, reason, f"usefulness.{reason}", None, None)
