"""Come-back times and peak windows: the time maths behind what the texts promise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Customers are asked back a little before their expected call, so a queue that moves faster
# than forecast does not call them while they are still on their way.
COME_BACK_MARGIN = timedelta(minutes=5)

# Come-back times are rounded to this step so that they read like times people say ("14:35").
_STEP = timedelta(minutes=5)
_MINUTE = timedelta(minutes=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def come_back_at(now: datetime, eta_minutes: int, margin: timedelta = COME_BACK_MARGIN) -> datetime:
    """The time to ask a customer back by: expected call minus margin, floored to 5 minutes."""
    _require_aware(now, "now")
    # Work in UTC: adding minutes to a zoned datetime is wall-clock arithmetic in Python and
    # would be off by an hour across a DST change. Every zone in use today is offset from UTC
    # by whole quarter hours, so a UTC multiple of 5 minutes is one on the local clock too.
    start = now.astimezone(UTC)
    target = _floor(start + timedelta(minutes=eta_minutes) - margin, _STEP)
    if target < start:
        # Never a time already gone: "come back by" the next whole minute, i.e. come now.
        target = _ceil(start, _MINUTE)
    return target.astimezone(now.tzinfo)


@dataclass(frozen=True)
class PeakWindow:
    """A forecast busy period, from `start` (inclusive) to `end` (exclusive)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "start")
        _require_aware(self.end, "end")
        if self.end.astimezone(UTC) <= self.start.astimezone(UTC):
            raise ValueError("a peak window must end after it starts")


def peak_containing(at: datetime, windows: Sequence[PeakWindow]) -> PeakWindow | None:
    """The first of `windows` that `at` falls in, or None."""
    _require_aware(at, "at")
    # Compared in UTC: two datetimes sharing a tzinfo compare by wall clock, which is
    # ambiguous in the hour that repeats when clocks go back.
    moment = at.astimezone(UTC)
    for window in windows:
        if window.start.astimezone(UTC) <= moment < window.end.astimezone(UTC):
            return window
    return None


def quieter_time(window: PeakWindow) -> datetime:
    """A quieter time to suggest instead of `window`: its end, the one time we can vouch for."""
    return window.end


def _floor(moment: datetime, step: timedelta) -> datetime:
    """`moment` (in UTC) rounded down to a multiple of `step`."""
    return moment - (moment - _EPOCH) % step


def _ceil(moment: datetime, step: timedelta) -> datetime:
    """`moment` (in UTC) rounded up to a multiple of `step`; already round stays as it is."""
    floored = _floor(moment, step)
    return floored if floored == moment else floored + step


def _require_aware(moment: datetime, name: str) -> None:
    """Refuse naive datetimes: a time without a zone cannot be shown in the queue's zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
