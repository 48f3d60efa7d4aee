"""The dashboard's rollup: texts counted per hour and queue, kept up to date from the messages.

A text's counters depend on its current status, which moves on after the text is decided (sent,
delivered, failed...). Every move appends a row to `message_statuses`, so the hours whose texts
moved since the last fold are found there, and each such hour is counted again from its
messages, whole. Counting an hour is idempotent, so the fold looks back a margin before its
last run: a transaction that committed late is still seen, at the cost of counting again an
hour or two that did not change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from notifier.clock import Clock
from notifier.db import Database
from notifier.models import Message, StatusStep
from notifier.models_console import MessageRollup, RollupState
from notifier.texts import catalog

HOUR = timedelta(hours=1)
# Longer than any transaction that writes messages: changes committed this late are still seen.
MARGIN = timedelta(minutes=10)
STATE_ID = 1
READ_BATCH = 5000
# Upper bounds, in seconds, of the buckets of "decided to sent"; the last bucket is "longer".
LATENCY_BOUNDS = (1, 2, 3, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)
# What became of a text, by its status: the six parts of each day's bar.
OUTCOME = {
    "pending": "waiting",
    "sending": "waiting",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "blocked": "blocked",
    "skipped": "skipped",
    "dropped": "skipped",
    "cancelled": "skipped",
}
OUTCOMES = ("delivered", "sent", "failed", "blocked", "skipped", "waiting")
# Every counter of an hour and queue: the columns of `message_rollup` that hold counts.
COUNTED = (
    "decided",
    *OUTCOMES,
    "went",
    "segments",
    "delay_notices",
    "apologies",
    "peak_deferred",
)


@dataclass
class Tally:
    """The counts of one hour and queue."""

    hour: datetime
    queue_id: str
    counts: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    latency: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, n: int = 1) -> None:
        """Count `n` more of `name`."""
        self.counts[name] = self.counts.get(name, 0) + n

    def row(self) -> dict[str, Any]:
        """The rollup row."""
        return {
            "hour": self.hour,
            "queue_id": self.queue_id,
            **{name: self.counts.get(name, 0) for name in COUNTED},
            "failures": self.failures,
            "latency": self.latency,
        }


def refresh(db: Database, clock: Clock) -> None:
    """Count again every hour whose texts changed since the last refresh."""
    now = clock.now()
    with db.session() as session:
        state = session.execute(
            select(RollupState).where(RollupState.id == STATE_ID).with_for_update()
        ).scalar_one()
        for start, end in _changed(session, state.folded_until):
            fold(session, start, end)
        state.folded_until = now


def _changed(session: Session, folded_until: datetime | None) -> list[tuple[datetime, datetime]]:
    """The runs of hours to count again: all of them the first time, else those that moved."""
    if folded_until is None:
        first, last = session.execute(
            select(func.min(Message.created_at), func.max(Message.created_at))
        ).one()
        return [] if first is None else [(hour_of(first), hour_of(last) + HOUR)]
    moved = select(StatusStep.message_id).where(StatusStep.at >= folded_until - MARGIN)
    created = session.scalars(select(Message.created_at).where(Message.id.in_(moved)))
    return runs({hour_of(at) for at in created})


def hour_of(at: datetime) -> datetime:
    """The start of the hour `at` falls in."""
    return at.replace(minute=0, second=0, microsecond=0)


def runs(hours: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    """Hours joined into [start, end) runs of consecutive hours."""
    found: list[tuple[datetime, datetime]] = []
    for hour in sorted(hours):
        if found and found[-1][1] == hour:
            found[-1] = (found[-1][0], hour + HOUR)
        else:
            found.append((hour, hour + HOUR))
    return found


def fold(session: Session, start: datetime, end: datetime) -> None:
    """Count the texts decided in [start, end) again, replacing those hours' rows."""
    session.execute(
        delete(MessageRollup).where(MessageRollup.hour >= start, MessageRollup.hour < end)
    )
    query = (
        select(
            Message.created_at,
            Message.queue_id,
            Message.kind,
            Message.decision,
            Message.reason,
            Message.status,
            Message.error_code,
            Message.segments,
            Message.provider_sid.is_not(None).label("went"),
            Message.sent_at,
            Message.locale,
            case((Message.kind == "delayed", Message.body), else_=None).label("delay_body"),
        )
        .where(Message.created_at >= start, Message.created_at < end)
        .execution_options(yield_per=READ_BATCH)
    )
    tallies: dict[tuple[datetime, str], Tally] = {}
    for row in session.execute(query):
        key = (hour_of(row.created_at), row.queue_id or "")
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = Tally(*key)
        _count(tally, row)
    if tallies:
        session.execute(insert(MessageRollup), [t.row() for t in tallies.values()])


def _count(tally: Tally, text: Any) -> None:
    """Count one text (a row of the query in `fold`) into its hour."""
    tally.add("decided")
    outcome = OUTCOME.get(text.status, "waiting")
    tally.add(outcome)
    if outcome == "failed":
        code = str(text.error_code) if text.error_code is not None else "none"
        tally.failures[code] = tally.failures.get(code, 0) + 1
    if text.went:
        tally.add("went")
        tally.add("segments", text.segments)
    if text.sent_at is not None and text.decision == "queued":
        # Scheduled texts wait on purpose (quiet hours); only texts meant to go at once count.
        bucket = str(latency_bucket((text.sent_at - text.created_at).total_seconds()))
        tally.latency[bucket] = tally.latency.get(bucket, 0) + 1
    if text.kind == "delayed" and text.went:
        tally.add("delay_notices")
        if text.delay_body is not None and is_apology(text.delay_body, text.locale):
            tally.add("apologies")
    if text.kind == "peak_alert" and text.decision == "scheduled" and text.reason == "quiet_hours":
        tally.add("peak_deferred")


def is_apology(body: str, locale: str) -> bool:
    """Whether a delay notice apologizes, by the apology words its language's catalog lists."""
    words = catalog.APOLOGY_WORDS.get(locale, catalog.APOLOGY_WORDS["en"])
    lowered = body.lower()
    return any(word in lowered for word in words)


def latency_bucket(seconds: float) -> int:
    """The index of the bucket a delay falls in (len(LATENCY_BOUNDS) for "longer")."""
    for index, bound in enumerate(LATENCY_BOUNDS):
        if seconds <= bound:
            return index
    return len(LATENCY_BOUNDS)
