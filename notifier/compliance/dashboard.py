"""How the programme is doing over a period: the dashboard's figures, read from the rollup.

Days are the viewer's days: the rollup's hours are summed into the day, in the viewer's time
zone, in which each hour begins (in a zone half an hour off UTC, an hour's texts count on the
day that hour began). Opt-outs are read from the ledger, which is indexed by time; a STOP is
about a number, not about one queue, so they are counted for the whole programme.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notifier.clock import Clock
from notifier.compliance import rollup
from notifier.db import Database
from notifier.models import ConsentRecord, Queue
from notifier.models_console import MessageRollup

DEFAULT_DAYS = 7
MAX_DAYS = 92
TOP_REPLIES = 10
BY_TEXT = ("sms_keyword", "sms_free_text")


@dataclass(frozen=True)
class Period:
    """The days shown, from `first` to `last` inclusive, in the viewer's zone; maybe one queue."""

    first: date
    last: date
    tz: ZoneInfo
    queue_id: str | None = None

    @property
    def since(self) -> datetime:
        """The first moment of the first day, in UTC."""
        return datetime.combine(self.first, time(), self.tz).astimezone(UTC)

    @property
    def until(self) -> datetime:
        """The first moment after the last day, in UTC."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.tz).astimezone(UTC)

    @property
    def days(self) -> list[date]:
        """Every day of the period."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def default_period(now: datetime, tz: ZoneInfo, queue_id: str | None = None) -> Period:
    """The last seven days, today included."""
    today = now.astimezone(tz).date()
    return Period(today - timedelta(days=DEFAULT_DAYS - 1), today, tz, queue_id)


@dataclass(frozen=True)
class Latency:
    """A time from decision to sending, as the bucket bound it is within (or over)."""

    seconds: int
    over: bool


@dataclass(frozen=True)
class Figures:
    """Everything the dashboard shows for one period."""

    period: Period
    days: list[tuple[date, dict[str, int]]]
    totals: dict[str, int]
    failures: list[tuple[str, int]]
    latency_median: Latency | None
    latency_p90: Latency | None
    opt_outs: int
    carrier_opt_outs: int
    opt_out_replies: list[tuple[str, int]]
    per_queue: list[tuple[str, dict[str, int]]]

    @property
    def delivery_rate(self) -> float | None:
        """Delivered, of the texts whose delivery is known (delivered or failed)."""
        delivered = self.totals.get("delivered", 0)
        known = delivered + self.totals.get("failed", 0)
        return delivered / known if known else None

    @property
    def opt_out_rate(self) -> float | None:
        """Opt-outs by reply, per text that went out (the whole programme's texts)."""
        went = self.totals.get("all_went", 0)
        return self.opt_outs / went if went else None


def queues(db: Database) -> list[tuple[str, str]]:
    """Every queue's id and name, for choosing one."""
    with db.session() as session:
        return [(q.id, q.name) for q in session.execute(select(Queue.id, Queue.name))]


def figures(db: Database, clock: Clock, period: Period) -> Figures:
    """Bring the rollup up to date, then add up the period."""
    rollup.refresh(db, clock)
    with db.session() as session:
        rows = list(session.scalars(_rows(period, period.queue_id)))
        everyone = rows if period.queue_id is None else list(session.scalars(_rows(period, None)))
        by_text, carrier, replies = _opt_outs(session, period)
        names = {queue_id: name for queue_id, name in session.execute(select(Queue.id, Queue.name))}
    days = {day: Counter[str]() for day in period.days}
    totals, failures, latency = Counter[str](), Counter[str](), Counter[int]()
    per_queue: dict[str, Counter[str]] = {}
    for row in rows:
        counts = _counts(row)
        day = row.hour.astimezone(period.tz).date()
        if day in days:
            days[day].update(counts)
        totals.update(counts)
        failures.update(row.failures)
        latency.update({int(k): v for k, v in row.latency.items()})
        per_queue.setdefault(row.queue_id, Counter()).update(counts)
    totals["all_went"] = sum(row.went for row in everyone)
    return Figures(
        period=period,
        days=[(day, dict(counts)) for day, counts in days.items()],
        totals=dict(totals),
        failures=failures.most_common(),
        latency_median=_quantile(latency, 0.5),
        latency_p90=_quantile(latency, 0.9),
        opt_outs=by_text,
        carrier_opt_outs=carrier,
        opt_out_replies=replies,
        per_queue=[
            (names.get(queue_id, queue_id or "(no queue)"), dict(counts))
            for queue_id, counts in sorted(per_queue.items())
        ],
    )


def _rows(period: Period, queue_id: str | None) -> Any:
    query = select(MessageRollup).where(
        MessageRollup.hour >= rollup.hour_of(period.since), MessageRollup.hour < period.until
    )
    return query if queue_id is None else query.where(MessageRollup.queue_id == queue_id)


def _counts(row: MessageRollup) -> dict[str, int]:
    return {name: getattr(row, name) for name in rollup.COUNTED}


def _opt_outs(session: Session, period: Period) -> tuple[int, int, list[tuple[str, int]]]:
    """Opt-outs by reply and by the carrier in the period, and the replies that made them."""
    body = ConsentRecord.evidence["body"].as_string()
    found = session.execute(
        select(ConsentRecord.method, body, func.count())
        .where(
            ConsentRecord.recorded_at >= period.since,
            ConsentRecord.recorded_at < period.until,
            ConsentRecord.action == "revoke",
            ConsentRecord.method.in_((*BY_TEXT, "carrier")),
        )
        .group_by(ConsentRecord.method, body)
    ).all()
    replies: Counter[str] = Counter()
    for method, words, count in found:
        if method in BY_TEXT:
            replies[(words or "").strip()] += count
    carrier = sum(count for method, _, count in found if method == "carrier")
    return sum(replies.values()), carrier, replies.most_common(TOP_REPLIES)


def _quantile(buckets: Counter[int], q: float) -> Latency | None:
    """The bucket a quantile falls in, as its bound."""
    total = sum(buckets.values())
    if not total:
        return None
    seen = 0
    for index in sorted(buckets):
        seen += buckets[index]
        if seen >= q * total:
            break
    bounds = rollup.LATENCY_BOUNDS
    if index >= len(bounds):
        return Latency(bounds[-1], over=True)
    return Latency(bounds[index], over=False)
