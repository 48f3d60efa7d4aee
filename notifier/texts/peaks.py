"""A queue's recurring peak hours, as concrete windows in time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from notifier.models import Queue
from notifier.texts.waits import PeakWindow, peak_containing

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def windows_on(queue: Queue, day: date) -> list[PeakWindow]:
    """The queue's peak windows on one local calendar day, in order."""
    tz = ZoneInfo(queue.timezone)
    found = []
    for hours in queue.peak_hours:
        if DAYS[day.weekday()] in hours["days"]:
            start = datetime.combine(day, time.fromisoformat(hours["start"]), tz)
            end = datetime.combine(day, time.fromisoformat(hours["end"]), tz)
            found.append(PeakWindow(start, end))
    return sorted(found, key=lambda w: w.start)


def windows_between(queue: Queue, start: datetime, end: datetime) -> Iterator[PeakWindow]:
    """Every peak window that begins in [start, end)."""
    tz = ZoneInfo(queue.timezone)
    day = start.astimezone(tz).date()
    while datetime.combine(day, time.min, tz) < end:
        for window in windows_on(queue, day):
            if start <= window.start < end:
                yield window
        day += timedelta(days=1)


def window_at(queue: Queue, at: datetime) -> PeakWindow | None:
    """The peak window that `at` falls in, if any."""
    local = at.astimezone(ZoneInfo(queue.timezone))
    return peak_containing(at, windows_on(queue, local.date()))
