"""Queue-wide events: a delay for everyone waiting, peak-hour warnings for subscribers.

The request only records a fan-out; a job decides each recipient in batches (`workers.fanout`),
so a queue of ten thousand costs the API one insert, not ten thousand decisions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notifier.events import peaks
from notifier.events.accept import Context, handles
from notifier.events.schemas import QueueDelayed, QueuePeakForecast
from notifier.models import ConsentRecord, Fanout, Queue, Ticket, new_id


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
        state="pending",
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
                Ticket.queue_id == queue_id, Ticket.state == "waiting"
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


@handles("queue.delayed")
def delayed(ctx: Context, event: QueueDelayed) -> None:
    """Every waiting ticket gets a delay notice, decided by a fan-out job."""
    params = {
        "delay_minutes": event.delay_minutes,
        "action": event.action,
        "compensation": event.compensation,
    }
    fanout = add_fanout(
        ctx.session, ctx.queue, "delay", f"delay:{ctx.event_pk}", params, ctx.now, ctx.event_pk
    )
    assert fanout is not None  # the key is new with every event
    ctx.fanouts.append(fanout)
    ctx.recipients = waiting_count(ctx.session, ctx.queue.id)


@handles("queue.peak_forecast")
def peak_forecast(ctx: Context, event: QueuePeakForecast) -> None:
    """Warn peak-alert subscribers ahead of each forecast window (once per window)."""
    for window in event.windows:
        params = {
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
            "note": event.note,
        }
        key = peak_key(ctx.queue.id, window.start)
        fanout = add_fanout(ctx.session, ctx.queue, "peak", key, params, ctx.now, ctx.event_pk)
        if fanout is not None:
            ctx.fanouts.append(fanout)
    ctx.recipients = peak_candidates(ctx.session, ctx.queue.id)


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
