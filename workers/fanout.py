"""Fan-out jobs: one queue-wide event decided recipient by recipient, in batches.

Each batch is read, decided and committed in one transaction, then its texts are enqueued in
one pipelined round trip. Safe to run again after a crash: recipients already decided for the
fan-out are passed over.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from consent.records import ConsentFact, current_state
from notifier import compose, ledger
from notifier.compose import DelayNotice
from notifier.dispatch import due
from notifier.models import Fanout, Message, Queue, Subject, Suppression, Ticket
from notifier.outbox import Draft, consent_decision, record, set_status, skip
from notifier.services import Services, current
from notifier.tickets import QUEUE_UPDATES, told
from notifier.waits import PeakWindow

BATCH = 500
APOLOGY_INTERVAL = timedelta(hours=1)


def run(fanout_id: str) -> str:
    """Decide every recipient of a fan-out and enqueue their texts."""
    svc = current()
    with svc.db.session() as session:
        fanout = session.get(Fanout, fanout_id)
        if fanout is None or fanout.state == "done":
            return "nothing to do"
        kind = fanout.kind
    decided = _delay(svc, fanout_id) if kind == "delay" else _peak(svc, fanout_id)
    with svc.db.session() as session:
        fanout = session.get_one(Fanout, fanout_id)
        fanout.state, fanout.done_at = "done", svc.clock.now()
        fanout.recipients += decided
    return f"decided {decided}"


def _delay(svc: Services, fanout_id: str) -> int:
    total, after = 0, (0, "")
    while True:
        with svc.db.session() as session:
            batch = _waiting_after(session, fanout_id, after)
            if not batch:
                return total
            messages = _delay_batch(session, svc, fanout_id, batch)
            queued = [due(m) for m in messages if m.decision in ("queued", "scheduled")]
        svc.dispatcher.enqueue(queued)
        total += len(messages)
        after = (batch[-1].position or 0, batch[-1].id)


def _waiting_after(session: Session, fanout_id: str, after: tuple[int, str]) -> list[Ticket]:
    """The next waiting tickets, front of the line first: they have waited longest."""
    fanout = session.get_one(Fanout, fanout_id)
    return list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.queue_id == fanout.queue_id,
                Ticket.state == "waiting",
                tuple_(Ticket.position, Ticket.id) > after,
            )
            .order_by(Ticket.position, Ticket.id)
            .limit(BATCH)
        )
    )


def _delay_batch(
    session: Session, svc: Services, fanout_id: str, tickets: list[Ticket]
) -> list[Message]:
    fanout = session.get_one(Fanout, fanout_id)
    queue = session.get_one(Queue, fanout.queue_id)
    ids = [t.id for t in tickets]
    decided = set(
        session.scalars(
            select(Message.ticket_pk).where(
                Message.fanout_id == fanout.id, Message.ticket_pk.in_(ids)
            )
        )
    )
    todo = [t for t in tickets if t.id not in decided]
    subjects = [t.subject for t in todo]
    facts = ledger.facts_of_many(session, subjects)
    unreachable = _unreachable(session, subjects)
    unsent = _unsent_delays(session, ids)
    notice = DelayNotice(
        fanout.params["delay_minutes"],
        fanout.params.get("action"),
        fanout.params.get("compensation"),
    )
    now = svc.clock.now()
    messages = []
    for ticket in todo:
        apologize = _may_apologize(ticket, now, unsent.get(ticket.id, []))
        if ticket.eta_minutes is not None:
            ticket.eta_minutes += notice.minutes
        ticket.version += 1
        ticket.updated_at = now
        draft = Draft(
            ticket.phone or "",
            ticket.subject,
            QUEUE_UPDATES,
            "delayed",
            compose.locale(queue, ticket),
            compose.delayed(queue, ticket, now, notice, apologize),
            "bulk",
            ticket,
        )
        decision = consent_decision(
            session,
            svc,
            draft,
            now,
            facts=facts[ticket.subject],
            unreachable=ticket.subject in unreachable,
        )
        message = record(
            session,
            svc,
            draft,
            decision,
            now,
            queue=queue,
            event_pk=fanout.event_pk,
            fanout_id=fanout.id,
        )
        if message.decision == "queued":
            ticket.last_apology_at = now if apologize else ticket.last_apology_at
            told(ticket, now)
        messages.append(message)
    return messages


def _may_apologize(ticket: Ticket, now: datetime, unsent: list[Message]) -> bool:
    """At most one apology per ticket per hour; an apology that never went does not count."""
    for message in unsent:
        set_status(message, "dropped", now, source="decision", detail="superseded")
    last = ticket.last_apology_at
    if last is None or now - last >= APOLOGY_INTERVAL:
        return True
    return any(m.created_at >= last for m in unsent)


def _unsent_delays(session: Session, ticket_ids: list[str]) -> dict[str, list[Message]]:
    pending = session.scalars(
        select(Message).where(
            Message.ticket_pk.in_(ticket_ids),
            Message.kind == "delayed",
            Message.status == "pending",
        )
    )
    found: dict[str, list[Message]] = {}
    for message in pending:
        found.setdefault(message.ticket_pk or "", []).append(message)
    return found


def _unreachable(session: Session, subjects: list[str]) -> set[str]:
    return set(
        session.scalars(select(Suppression.subject).where(Suppression.subject.in_(subjects)))
    )


def _peak(svc: Services, fanout_id: str) -> int:
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
            queued = [due(m) for m in messages if m.decision in ("queued", "scheduled")]
        svc.dispatcher.enqueue(queued)
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
    unreachable = _unreachable(session, subscribers)
    now = svc.clock.now()
    send_at = max(window.start - timedelta(minutes=queue.peak_alert_lead_minutes), now)
    body_by_locale: dict[str | None, str] = {}
    messages = []
    for subject in subscribers:
        locale = locales.get(subject)
        if locale not in body_by_locale:
            body_by_locale[locale] = compose.peak_alert(
                queue, locale, window, fanout.params.get("note")
            )
        draft = Draft(
            phones.get(subject, ""),
            subject,
            "peak_alerts",
            "peak_alert",
            compose.locale(queue) if locale is None else locale,
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
        return skip(
            session,
            svc,
            draft,
            "quiet_hours_until_peak",
            now,
            queue=queue,
            event_pk=fanout.event_pk,
            fanout_id=fanout.id,
        )
    return record(
        session,
        svc,
        draft,
        decision,
        now,
        queue=queue,
        event_pk=fanout.event_pk,
        fanout_id=fanout.id,
    )
