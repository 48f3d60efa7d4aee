"""Quiet hours: when a text that can wait may be sent, in the recipient's local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from consent.jurisdiction import jurisdiction, time_zones


@dataclass(frozen=True)
class _Window:
    start: time  # first allowed local time
    end: time  # first local time no longer allowed
    sundays: bool = True


_DEFAULT = _Window(time(8), time(21))
_EIGHT_TO_EIGHT = _Window(time(8), time(20))
_EIGHT_TO_EIGHT_NO_SUNDAY = _Window(time(8), time(20), sundays=False)
_STATE_WINDOWS = {
    "FL": _EIGHT_TO_EIGHT, "OK": _EIGHT_TO_EIGHT, "MD": _EIGHT_TO_EIGHT, "MA": _EIGHT_TO_EIGHT,
    "AL": _EIGHT_TO_EIGHT_NO_SUNDAY, "LA": _EIGHT_TO_EIGHT_NO_SUNDAY,
    "MS": _EIGHT_TO_EIGHT_NO_SUNDAY,
    "CT": _Window(time(9), time(20)), "NV": _Window(time(9), time(20)),
    "MI": _Window(time(9), time(21)), "MN": _Window(time(9), time(21)),
    "NM": _Window(time(9), time(21)),
    "KY": _Window(time(10), time(21)),
}  # fmt: skip

# A Sunday ban pushes the next allowed moment at most two days out. Every zone set phonenumbers
# knows (even the US toll-free one, Guam to Adak) shares some moment of every day, so a week
# of openings always holds the answer.
_SEARCH_DAYS = 8


def is_allowed(phone: str, at: datetime) -> bool:
    """True if `at` falls inside the quiet-hours window in every time zone of the number."""
    at = _utc(at)
    window = _window(phone)
    return all(_allowed_in(window, zone, at) for zone in time_zones(phone))


def next_allowed(phone: str, at: datetime) -> datetime:
    """`at` if it is allowed, else the earliest allowed moment after it (aware UTC)."""
    at = _utc(at)
    if is_allowed(phone, at):
        return at
    # The allowed moments are an intersection of per-zone windows, so the earliest one after
    # `at` is the opening of some zone's window: try those openings in order.
    for candidate in _openings(time_zones(phone), _window(phone), at):
        if is_allowed(phone, candidate):
            return candidate
    raise RuntimeError(f"no allowed moment within {_SEARCH_DAYS} days for {rule_name(phone)}")


def rule_name(phone: str) -> str:
    """The rule that sets the number's window, e.g. "quiet_hours.US-FL" or "quiet_hours.default"."""
    where = jurisdiction(phone)
    return f"quiet_hours.{where}" if _state(where) in _STATE_WINDOWS else "quiet_hours.default"


def _window(phone: str) -> _Window:
    return _STATE_WINDOWS.get(_state(jurisdiction(phone)) or "", _DEFAULT)


def _state(where: str) -> str | None:
    return where[3:] if where.startswith("US-") else None


def _allowed_in(window: _Window, zone: str, at: datetime) -> bool:
    local = at.astimezone(_zone(zone))
    if not window.sundays and local.weekday() == 6:
        return False
    return window.start <= local.time() < window.end


def _openings(zones: tuple[str, ...], window: _Window, at: datetime) -> list[datetime]:
    openings = set()
    for zone in zones:
        tz = _zone(zone)
        first_day = at.astimezone(tz).date()
        for days in range(_SEARCH_DAYS):
            # fold=0 maps an opening that falls in a DST gap to the end of the gap.
            local = datetime.combine(first_day + timedelta(days=days), window.start, tzinfo=tz)
            moment = local.astimezone(UTC)
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
