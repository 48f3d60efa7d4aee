"""Fan-out jobs: one queue-wide event decided recipient by recipient, in batches.

Each batch is read, decided and committed in one transaction, then its texts are enqueued in
one pipelined round trip. Safe to run again after a crash: recipients already decided for the
fan-out are passed over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from notifier.compliance import ledger
from notifier.events import peak_alerts
from notifier.events.recipients import BATCH, record_for, unreachable_among
from notifier.events.tickets import QUEUE_UPDATES, told
from notifier.models import Fanout, Message, Queue, Ticket
from notifier.sending.decide import Draft, consent_decision, set_status
from notifier.sending.dispatch import due_of
from notifier.services import Services, current
from notifier.texts import compose
from notifier.texts.compose import DelayNotice

APOLOGY_INTERVAL = timedelta(hours=1)


def run(fanout_id: str) -> str:
    """Decide every recipient of a fan-out and enqueue their texts."""
    svc = current()
    with svc.db.session() as session:
        fanout = session.get(Fanout, fanout_id)
        if fanout is None or fanout.state == "done":
            return "nothing to do"
        kind = fanout.kind
    decided = _delay(svc, fanout_id) if kind == "delay" else peak_alerts.fan_out(svc, fanout_id)
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
        svc.dispatcher.enqueue(due_of(messages))
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
    unreachable = unreachable_among(session, subjects)
    unsent = _unsent_delays(session, ids)
    notice = DelayNotice(
        fanout.params["delay_minutes"],
        fanout.params.get("action"),
        fanout.params.get("compensation"),
    )
    now = svc.clock.now()
    messages = []
    for ticket in todo:
        # A delay notice not yet sent is overtaken by this one, which carries the newer time.
        overtaken = unsent.get(ticket.id, [])
        for message in overtaken:
            set_status(message, "dropped", now, source="decision", detail="superseded")
        apologize = _may_apologize(ticket, now, overtaken)
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
        message = record_for(session, svc, fanout, queue, draft, decision, now)
        if message.decision == "queued":
            ticket.last_apology_at = now if apologize else ticket.last_apology_at
            told(ticket, now)
        messages.append(message)
    return messages


def _may_apologize(ticket: Ticket, now: datetime, overtaken: list[Message]) -> bool:
    """At most one apology per ticket per hour; an apology that never went does not count."""
    last = ticket.last_apology_at
    if last is None or now - last >= APOLOGY_INTERVAL:
        return True
    return any(m.created_at >= last for m in overtaken)


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
