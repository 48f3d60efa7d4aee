"""Peak-hour warnings: a fan-out to the subscribers of `peak_alerts` ahead of a busy window.

Each warning is decided for the moment it should go (`peak_alert_lead_minutes` before the
window), so quiet hours and the daily caps are judged for then; it is scheduled with RQ's
scheduler, and checked again by the deliver job when its time comes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.policy import Decision, Outcome
from consent.records import GRANTED, ConsentFact, current_state
from notifier.compliance import ledger
from notifier.events.recipients import BATCH, keep, row_for
from notifier.models import Fanout, Message, Queue, Subject, Ticket
from notifier.sending.decide import (
    PEAK_ALERTS,
    PEAK_ALERTS_WINDOW,
    Draft,
    consent_decision,
    peak_alerts_since_many,
    skipped,
)
from notifier.sending.lifecycle import Priority
from notifier.texts import catalog, compose
from notifier.texts.waits import PeakWindow
from notifier.work import UnitOfWork, Work


def fan_out(unit: UnitOfWork, fanout_id: str) -> int:
    """Decide the warning for every subscriber among the queue's customers."""
    total, after = 0, ""
    while True:
        with unit() as work:
            fanout = work.session.get_one(Fanout, fanout_id)
            window = PeakWindow(
                datetime.fromisoformat(fanout.params["start"]),
                datetime.fromisoformat(fanout.params["end"]),
            )
            if work.now >= window.start:
                return total  # the peak has begun: a warning now would come too late
            subjects = list(
                work.session.scalars(
                    select(Ticket.subject)
                    .where(Ticket.queue_id == fanout.queue_id, Ticket.subject > after)
                    .group_by(Ticket.subject)
                    .order_by(Ticket.subject)
                    .limit(BATCH)
                )
            )
            if not subjects:
                return total
            total += len(_peak_batch(work, fanout, window, subjects))
        after = subjects[-1]


@dataclass(frozen=True)
class _Warning:
    """What every warning of one fan-out shares."""

    fanout: Fanout
    queue: Queue
    window: PeakWindow
    send_at: datetime


def _peak_batch(
    work: Work, fanout: Fanout, window: PeakWindow, subjects: list[str]
) -> list[dict[str, Any]]:
    session = work.session
    queue = session.get_one(Queue, fanout.queue_id)
    facts = ledger.facts_of_many(session, subjects)
    subscribers = _subscribers(session, fanout, subjects, facts)
    phones = {
        row.pseudonym: row.phone
        for row in session.execute(
            select(Subject.pseudonym, Subject.phone).where(Subject.pseudonym.in_(subscribers))
        )
    }
    locales = _latest_locales(session, queue, subscribers)
    unreachable = ledger.unreachable_among(session, subscribers)
    send_at = max(window.start - timedelta(minutes=queue.peak_alert_lead_minutes), work.now)
    recent = peak_alerts_since_many(session, subscribers, send_at - PEAK_ALERTS_WINDOW)
    warning = _Warning(fanout, queue, window, send_at)
    body_by_locale: dict[str, str] = {}
    rows = []
    for subject in subscribers:
        locale = catalog.pick_locale(locales.get(subject), queue.locale)
        if locale not in body_by_locale:  # one rendering per language, not per subscriber
            note = fanout.params.get("note")
            body_by_locale[locale] = compose.peak_alert(queue, locale, window, note)
        body = body_by_locale[locale]
        draft = Draft(
            phones.get(subject, ""), subject, PEAK_ALERTS, "peak_alert", locale, body, Priority.BULK
        )
        decision = consent_decision(
            session,
            draft,
            send_at,
            facts=facts[subject],
            unreachable=subject in unreachable,
            peak_alerts_recent=recent.get(subject, 0),
        )
        rows.append(_row(work, warning, draft, decision))
    keep(work, rows)
    return rows


def _subscribers(
    session: Session, fanout: Fanout, subjects: list[str], facts: dict[str, list[ConsentFact]]
) -> list[str]:
    """Those of `subjects` who hold peak-alert consent and were not yet decided for."""
    decided = set(
        session.scalars(
            # `subjects` come in order: a range of the fan-out's index, which no planner
            # mistakes for a scan of all the fan-out's texts, as it may a list of 500.
            select(Message.subject).where(
                Message.fanout_id == fanout.id,
                Message.subject.between(subjects[0], subjects[-1]),
            )
        )
    )
    return [
        s
        for s in subjects
        if s not in decided and current_state(facts[s])[PEAK_ALERTS].status == GRANTED
    ]


def _latest_locales(session: Session, queue: Queue, subjects: list[str]) -> dict[str, str | None]:
    """Each subject's language as their latest ticket in the queue gave it."""
    # Rows come oldest first, so the latest ticket's language wins.
    return {
        row.subject: row.locale
        for row in session.execute(
            select(Ticket.subject, Ticket.locale)
            .where(Ticket.queue_id == queue.id, Ticket.subject.in_(subjects))
            .order_by(Ticket.joined_at)
        )
    }


def _row(work: Work, warning: _Warning, draft: Draft, decision: Decision) -> dict[str, Any]:
    """Schedule the warning for its lead time, unless quiet hours last until the peak."""
    if decision.outcome == Outcome.QUEUED and warning.send_at > work.now:
        decision = replace(decision, outcome=Outcome.SCHEDULED, send_at=warning.send_at)
    if (
        decision.outcome == Outcome.SCHEDULED
        and decision.send_at
        and decision.send_at >= warning.window.start
    ):
        # Quiet hours last until the peak itself: a warning then would be useless.
        decision = skipped("quiet_hours_until_peak")
    return row_for(work, warning.fanout, warning.queue, draft, decision)
