"""Queue-wide events: a delay for everyone waiting, peak-hour warnings for subscribers.

The request only records a fan-out; a job decides each recipient in batches (`run`), so a
queue of ten thousand costs the API one insert, not ten thousand decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notifier.events import delays, peak_alerts
from notifier.events.origin import Origin
from notifier.events.schemas import QueueDelayed, QueuePeakForecast
from notifier.models import ConsentRecord, Fanout, Queue, Ticket, new_id
from notifier.sending.lifecycle import FanoutState, TicketState
from notifier.texts import peaks
from notifier.work import UnitOfWork, Work


def add_fanout(
    session: Session,
    queue: Queue,
    kind: str,
    key: str,
    params: dict[str, Any],
    now: datetime,
    event_pk: str | None = None,
) -> Fanout | None:
    """Record a fan-out unless one with the same key exists (a window is warned of once)."""
    if session.scalar(select(Fanout.id).where(Fanout.key == key)) is not None:
        return None
    fanout = Fanout(
        id=new_id("fan"),
        key=key,
        kind=kind,
        queue_id=queue.id,
        event_pk=event_pk,
        params=params,
        state=FanoutState.PENDING,
        recipients=0,
        created_at=now,
    )
    try:
        # Two planners (a forecast and the relay, or two relays) may race for one window:
        # the key's unique index settles it, and the loser's transaction carries on.
        with session.begin_nested():
            session.add(fanout)
    except IntegrityError:
        return None
    return fanout


def peak_key(queue_id: str, start: datetime) -> str:
    """The one key of a queue's peak window, whether forecast or recurring."""
    return f"peak:{queue_id}:{start.astimezone(UTC).isoformat()}"


def waiting_count(session: Session, queue_id: str) -> int:
    """How many tickets wait in the queue now."""
    return (
        session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.queue_id == queue_id, Ticket.state == TicketState.WAITING
            )
        )
        or 0
    )


def peak_candidates(session: Session, queue_id: str) -> int:
    """Customers of the queue who have ever granted peak-hour warnings."""
    granted = select(ConsentRecord.subject).where(
        ConsentRecord.action == "grant", cast(ConsentRecord.purposes, String).like("%peak_alerts%")
    )
    return (
        session.scalar(
            select(func.count(func.distinct(Ticket.subject))).where(
                Ticket.queue_id == queue_id, Ticket.subject.in_(granted)
            )
        )
        or 0
    )


def delayed(work: Work, origin: Origin, event: QueueDelayed) -> int:
    """Every waiting ticket gets a delay notice, decided by a fan-out job."""
    params = {
        "delay_minutes": event.delay_minutes,
        "action": event.action,
        "compensation": event.compensation,
    }
    key = f"delay:{origin.event_pk}"
    fanout = add_fanout(work.session, origin.queue, "delay", key, params, work.now, origin.event_pk)
    assert fanout is not None  # the key is new with every event
    work.fanouts.append(fanout.id)
    return waiting_count(work.session, origin.queue.id)


def peak_forecast(work: Work, origin: Origin, event: QueuePeakForecast) -> int:
    """Warn peak-alert subscribers ahead of each forecast window (once per window)."""
    for window in event.windows:
        params = {
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
            "note": event.note,
        }
        key = peak_key(origin.queue.id, window.start)
        fanout = add_fanout(
            work.session, origin.queue, "peak", key, params, work.now, origin.event_pk
        )
        if fanout is not None:
            work.fanouts.append(fanout.id)
    return peak_candidates(work.session, origin.queue.id)


HANDLERS: Mapping[str, Callable[[Work, Origin, Any], int]] = MappingProxyType(
    {"queue.delayed": delayed, "queue.peak_forecast": peak_forecast}
)


def run(unit: UnitOfWork, fanout_id: str) -> int | None:
    """Decide every recipient of a fan-out, batch by batch; None if there was nothing to do.

    Each batch is decided and committed in one unit of work, and its texts enqueued after it.
    Safe to run again after a crash: recipients already decided are passed over.
    """
    with unit() as work:
        fanout = work.session.get(Fanout, fanout_id)
        if fanout is None or fanout.state == FanoutState.DONE:
            return None
        kind = fanout.kind
    decided = (
        delays.fan_out(unit, fanout_id) if kind == "delay" else peak_alerts.fan_out(unit, fanout_id)
    )
    with unit() as work:
        fanout = work.session.get_one(Fanout, fanout_id)
        fanout.state, fanout.done_at = FanoutState.DONE, work.now
        fanout.recipients += decided
    return decided


# Recurring windows are planned this long before their warning is due, so that the
# subscribers decided are those of the moment and the relay (every few seconds) never misses one.
PLAN_AHEAD = timedelta(minutes=10)


def plan_recurring_peaks(session: Session, now: datetime) -> list[Fanout]:
    """Fan-outs for every queue's recurring peak windows whose warning is due soon."""
    planned = []
    for queue in session.scalars(select(Queue)):
        if not queue.peak_hours:
            continue
        lead = timedelta(minutes=queue.peak_alert_lead_minutes)
        for window in peaks.windows_between(queue, now, now + lead + PLAN_AHEAD):
            params = {
                "start": window.start.isoformat(),
                "end": window.end.isoformat(),
                "note": None,
            }
            fanout = add_fanout(
                session, queue, "peak", peak_key(queue.id, window.start), params, now
            )
            if fanout is not None:
                planned.append(fanout)
    return planned
