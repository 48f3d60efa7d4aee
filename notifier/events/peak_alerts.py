"""Peak-hour warnings: a fan-out to the subscribers of `peak_alerts` ahead of a busy window.

Each warning is decided for the moment it should go (`peak_alert_lead_minutes` before the
window), so quiet hours and the daily caps are judged for then; it is scheduled with RQ's
scheduler, and checked again by the deliver job when its time comes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.records import ConsentFact, current_state
from notifier.compliance import ledger
from notifier.events.recipients import BATCH, record_for, unreachable_among
from notifier.models import Fanout, Message, Queue, Subject, Ticket
from notifier.sending.decide import Draft, consent_decision, skipped
from notifier.sending.dispatch import due_of
from notifier.services import Services
from notifier.texts import catalog, compose
from notifier.texts.waits import PeakWindow


def fan_out(svc: Services, fanout_id: str) -> int:
    """Decide the warning for every subscriber among the queue's customers."""
    total, after = 0, ""
    while True:
        with svc.db.session() as session:
            fanout = session.get_one(Fanout, fanout_id)
            window = PeakWindow(
                datetime.fromisoformat(fanout.params["start"]),
                datetime.fromisoformat(fanout.params["end"]),
            )
            if svc.clock.now() >= window.start:
                return total  # the peak has begun: a warning now would come too late
            subjects = list(
                session.scalars(
                    select(Ticket.subject)
                    .where(Ticket.queue_id == fanout.queue_id, Ticket.subject > after)
                    .group_by(Ticket.subject)
                    .order_by(Ticket.subject)
                    .limit(BATCH)
                )
            )
            if not subjects:
                return total
            messages = _peak_batch(session, svc, fanout, window, subjects)
        svc.dispatcher.enqueue(due_of(messages))
        total += len(messages)
        after = subjects[-1]


def _peak_batch(
    session: Session, svc: Services, fanout: Fanout, window: PeakWindow, subjects: list[str]
) -> list[Message]:
    queue = session.get_one(Queue, fanout.queue_id)
    decided = set(
        session.scalars(
            select(Message.subject).where(
                Message.fanout_id == fanout.id, Message.subject.in_(subjects)
            )
        )
    )
    facts = ledger.facts_of_many(session, subjects)
    subscribers = [
        s
        for s in subjects
        if s not in decided and current_state(facts[s])["peak_alerts"].status == "granted"
    ]
    phones = {
        row.pseudonym: row.phone
        for row in session.execute(
            select(Subject.pseudonym, Subject.phone).where(Subject.pseudonym.in_(subscribers))
        )
    }
    # The latest ticket's language wins: rows come oldest first.
    locales = {
        row.subject: row.locale
        for row in session.execute(
            select(Ticket.subject, Ticket.locale)
            .where(Ticket.queue_id == queue.id, Ticket.subject.in_(subscribers))
            .order_by(Ticket.joined_at)
        )
    }
    unreachable = unreachable_among(session, subscribers)
    now = svc.clock.now()
    send_at = max(window.start - timedelta(minutes=queue.peak_alert_lead_minutes), now)
    body_by_locale: dict[str, str] = {}
    messages = []
    for subject in subscribers:
        locale = catalog.pick_locale(locales.get(subject), queue.locale)
        if locale not in body_by_locale:  # one rendering per language, not per subscriber
            body_by_locale[locale] = compose.peak_alert(
                queue, locale, window, fanout.params.get("note")
            )
        draft = Draft(
            phones.get(subject, ""),
            subject,
            "peak_alerts",
            "peak_alert",
            locale,
            body_by_locale[locale],
            "bulk",
            None,
        )
        messages.append(
            _peak_one(
                session,
                svc,
                fanout,
                queue,
                draft,
                window,
                send_at,
                now,
                facts[subject],
                subject in unreachable,
            )
        )
    return messages


def _peak_one(
    session: Session,
    svc: Services,
    fanout: Fanout,
    queue: Queue,
    draft: Draft,
    window: PeakWindow,
    send_at: datetime,
    now: datetime,
    facts: list[ConsentFact],
    unreachable: bool,
) -> Message:
    decision = consent_decision(session, svc, draft, send_at, facts=facts, unreachable=unreachable)
    if decision.outcome == "queued" and send_at > now:
        decision = replace(decision, outcome="scheduled", send_at=send_at)
    if decision.outcome == "scheduled" and decision.send_at and decision.send_at >= window.start:
        # Quiet hours last until the peak itself: a warning then would be useless.
        decision = skipped("quiet_hours_until_peak")
    return record_for(session, svc, fanout, queue, draft, decision, now)
