"""Delay notices: one queue-wide delay decided for every waiting ticket, front of the line first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.orm import Session, lazyload

from consent.policy import Outcome
from consent.records import ConsentFact
from notifier.compliance import ledger
from notifier.db import update_rows
from notifier.events.recipients import BATCH, keep, row_for
from notifier.events.tickets import changed, draft_for, told
from notifier.models import Fanout, Message, Queue, Ticket
from notifier.sending import lifecycle
from notifier.sending.decide import consent_decision
from notifier.sending.lifecycle import MessageStatus, Priority, Source, TicketState
from notifier.texts import compose
from notifier.texts.compose import DelayNotice
from notifier.work import UnitOfWork, Work

APOLOGY_INTERVAL = timedelta(hours=1)
SUPERSEDED = "superseded"


def fan_out(unit: UnitOfWork, fanout_id: str) -> int:
    """Decide the delay notice of every waiting ticket, one batch per unit of work."""
    total, after = 0, (0, "")
    with unit() as work:
        run = _start(work.session, fanout_id)
    while True:
        with unit() as work:
            batch = _waiting_after(work.session, fanout_id, after)
            if not batch:
                return total
            total += len(_decide_batch(work, run, batch))
        after = (batch[-1].position or 0, batch[-1].id)


@dataclass(frozen=True)
class _Run:
    """What one run of a delay fan-out reads once, at its start, and keeps between batches.

    Looked up for each batch's tickets instead, this would cost more with every text the
    fan-out adds wherever the planner's statistics are stale (they call a table empty until
    it is analyzed again).
    """

    fanout_id: str
    # The tickets this fan-out has decided: before a crash, then in this run.
    decided: set[str]


def _start(session: Session, fanout_id: str) -> _Run:
    decided = session.scalars(select(Message.ticket_pk).where(Message.fanout_id == fanout_id))
    return _Run(fanout_id, {t for t in decided if t is not None})


def _waiting_after(session: Session, fanout_id: str, after: tuple[int, str]) -> list[Ticket]:
    """The next waiting tickets, front of the line first: they have waited longest."""
    fanout = session.get_one(Fanout, fanout_id)
    return list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.queue_id == fanout.queue_id,
                Ticket.state == TicketState.WAITING,
                tuple_(Ticket.position, Ticket.id) > after,
            )
            .order_by(Ticket.position, Ticket.id)
            .limit(BATCH)
            .options(lazyload(Ticket.queue))  # the batch reads its queue once
            # Held until the batch commits: another fan-out of the queue, or an event about
            # one of these tickets, waits rather than writing over what this batch writes.
            # (SQLite's writers take turns whole transactions at a time.)
            .with_for_update(of=Ticket)
        )
    )


@dataclass(frozen=True)
class _Batch:
    """What deciding one batch of delay notices reads once for all its tickets."""

    fanout: Fanout
    queue: Queue
    notice: DelayNotice
    facts: dict[str, list[ConsentFact]]
    unreachable: set[str]
    unsent: dict[str, list[Message]]


def _decide_batch(work: Work, run: _Run, tickets: list[Ticket]) -> list[dict[str, Any]]:
    session = work.session
    fanout = session.get_one(Fanout, run.fanout_id)
    todo = [t for t in tickets if t.id not in run.decided]
    # The tickets are changed while deciding and written back in one statement (`_save`), not
    # one each; the fan-out is only read. Out of the session at once: one by one, each ticket
    # would cost a walk of its relationships.
    session.expunge_all()
    subjects = [t.subject for t in todo]
    params = fanout.params
    batch = _Batch(
        fanout,
        session.get_one(Queue, fanout.queue_id),
        DelayNotice(params["delay_minutes"], params.get("action"), params.get("compensation")),
        ledger.facts_of_many(session, subjects),
        ledger.unreachable_among(session, subjects),
        _unsent_delays(session, run, todo),
    )
    rows = [_decide_one(work, batch, ticket) for ticket in todo]
    _save(session, todo)
    keep(work, rows)
    run.decided.update(t.id for t in todo)
    return rows


# What deciding a delay notice changes on a ticket.
_CHANGED = (
    "eta_minutes",
    "version",
    "updated_at",
    "notified_position",
    "notified_call_at",
    "last_apology_at",
)


def _save(session: Session, tickets: list[Ticket]) -> None:
    """Write back what deciding changed on `tickets`, all in one go."""
    rows = [{"id": t.id, **{name: getattr(t, name) for name in _CHANGED}} for t in tickets]
    update_rows(session, Ticket, rows)


def _decide_one(work: Work, batch: _Batch, ticket: Ticket) -> dict[str, Any]:
    """One ticket's delay notice: the newer time, an apology at most hourly."""
    # A delay notice not yet sent is overtaken by this one, which carries the newer time.
    overtaken = batch.unsent.get(ticket.id, [])
    for message in overtaken:
        lifecycle.transition(
            message, MessageStatus.DROPPED, work.now, source=Source.DECISION, detail=SUPERSEDED
        )
    apologize = _may_apologize(ticket, work.now, overtaken)
    if ticket.eta_minutes is not None:
        ticket.eta_minutes += batch.notice.minutes
    changed(ticket, work.now)
    body = compose.delayed(batch.queue, ticket, work.now, batch.notice, apologize)
    draft = draft_for(batch.queue, ticket, "delayed", body, Priority.BULK)
    decision = consent_decision(
        work.session,
        draft,
        work.now,
        facts=batch.facts[ticket.subject],
        unreachable=ticket.subject in batch.unreachable,
    )
    row = row_for(work, batch.fanout, batch.queue, draft, decision)
    if row["decision"] == Outcome.QUEUED:
        ticket.last_apology_at = work.now if apologize else ticket.last_apology_at
        told(ticket, work.now)
    return row


def _may_apologize(ticket: Ticket, now: datetime, overtaken: list[Message]) -> bool:
    """At most one apology per ticket per hour; an apology that never went does not count."""
    last = ticket.last_apology_at
    if last is None or now - last >= APOLOGY_INTERVAL:
        return True
    return any(m.created_at >= last for m in overtaken)


def _unsent_delays(session: Session, run: _Run, tickets: list[Ticket]) -> dict[str, list[Message]]:
    """The delay notices of `tickets` that other fan-outs decided and are still pending now:
    this one overtakes them, even those another fan-out of the queue decided since this one
    started."""
    if not tickets:
        return {}
    params = {"tickets": [t.id for t in tickets], "fanout_id": run.fanout_id}
    pending = session.scalars(_UNSENT, params)
    found: dict[str, list[Message]] = {}
    for message in pending:
        found.setdefault(message.ticket_pk or "", []).append(message)
    return found


# Built once: every batch asks it.
_UNSENT = select(Message).where(
    Message.ticket_pk.in_(bindparam("tickets", expanding=True)),
    Message.status == MessageStatus.PENDING,
    Message.kind == "delayed",
    Message.fanout_id != bindparam("fanout_id"),
)
