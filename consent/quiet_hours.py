"""Quiet hours: when a text that can wait may be sent, in the recipient's local time.

The window is the number's state's (see `consent.calling_hours`), and it must hold in every
time zone the number may be in (`consent.jurisdiction.local_time_zones`): the strictest wins.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from consent.calling_hours import DEFAULT, STATE_WINDOWS, Window
from consent.jurisdiction import jurisdiction, local_time_zones

# Sundays, holidays and their observed days push the next allowed moment at most four days
# out (a Friday holiday, Saturday, Sunday, a Monday holiday). Every zone set phonenumbers
# knows (even the US toll-free one, Guam to Adak) shares some moment of every day, so ten
# days of openings always hold the answer.
_SEARCH_DAYS = 10


def is_allowed(phone: str, at: datetime) -> bool:
    """True if `at` falls inside the quiet-hours window in every time zone of the number."""
    return _is_allowed(_state(phone), local_time_zones(phone), _utc(at))


def next_allowed(phone: str, at: datetime) -> datetime:
    """`at` if it is allowed, else the earliest allowed moment after it (aware UTC)."""
    return _next_allowed(_state(phone), local_time_zones(phone), _utc(at))


def rule_name(phone: str) -> str:
    """The rule that sets the number's window, e.g. "quiet_hours.US-FL" or "quiet_hours.default"."""
    return _rule_name(_state(phone))


def _state(phone: str) -> str | None:
    where = jurisdiction(phone)
    return where[3:] if where.startswith("US-") else None


def _window(state: str | None) -> Window:
    return STATE_WINDOWS.get(state or "", DEFAULT)


def _rule_name(state: str | None) -> str:
    return f"quiet_hours.US-{state}" if state in STATE_WINDOWS else "quiet_hours.default"


# The answers depend on the number only through its state and its zones, which most numbers
# share: a fan-out asks the same question for each of its recipients, at the same moment, and
# is answered from here after the first.
@lru_cache(maxsize=1024)
def _is_allowed(state: str | None, zones: tuple[str, ...], at: datetime) -> bool:
    window = _window(state)
    return all(_allowed_in(window, state, zone, at) for zone in zones)


@lru_cache(maxsize=1024)
def _next_allowed(state: str | None, zones: tuple[str, ...], at: datetime) -> datetime:
    if _is_allowed(state, zones, at):
        return at
    # The allowed moments are an intersection of per-zone windows, so the earliest one after
    # `at` is the opening of some zone's window: try those openings in order.
    for candidate in _openings(state, zones, at):
        if _is_allowed(state, zones, candidate):
            return candidate
    raise RuntimeError(f"no allowed moment within {_SEARCH_DAYS} days for {_rule_name(state)}")


def _allowed_in(window: Window, state: str | None, zone: str, at: datetime) -> bool:
    local = at.astimezone(_zone(zone))
    hours = window.hours_on(state, local.date())
    return hours is not None and hours[0] <= local.time() < hours[1]


def _openings(state: str | None, zones: tuple[str, ...], at: datetime) -> list[datetime]:
    window = _window(state)
    openings = set()
    for zone in zones:
        tz = _zone(zone)
        first_day = at.astimezone(tz).date()
        for days in range(_SEARCH_DAYS):
            day = first_day + timedelta(days=days)
            hours = window.hours_on(state, day)
            if hours is None:
                continue
            # fold=0 maps an opening that falls in a DST gap to the end of the gap.
            moment = datetime.combine(day, hours[0], tzinfo=tz).astimezone(UTC)
            if moment > at:
                openings.add(moment)
    return sorted(openings)


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("quiet hours need an aware datetime")
    return at.astimezone(UTC)


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
