"""Constrained types for request fields whose rule is more than a length, so bad input is a 422.

Each rule lives in its type, once: an instant is one the database can store and compare, a
producer's report is not dated ahead of the clock, a time zone is a place's, a local time has
no offset. The clock is the one the request is validated
against: `notifier.api.routing` passes it as `{"now": ...}` in pydantic's validation context.
(What holds for every string of every request, such as no NUL, is checked there, once.)
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import cache
from importlib.resources import files
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, ValidationInfo

# A producer's clock may run a little ahead of ours; a report dated later is refused.
MAX_AHEAD = timedelta(minutes=5)
# Instants the service stores and compares in UTC: nothing before this, nothing near year 9999.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
# The IANA tables of zones of places (tzdata ships both); links and "Etc/..." are not places.
ZONE_TABLES = ("zone1970.tab", "zone.tab")
MAX_ZONE_NAME = 64


def _storable(value: datetime) -> datetime:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
    return value


def _not_ahead(value: datetime, info: ValidationInfo) -> datetime:
    now = (info.context or {}).get("now")
    if isinstance(now, datetime) and value > now + MAX_AHEAD:
        raise ValueError(f"is in the future (more than {MAX_AHEAD} ahead of {now.isoformat()})")
    return value


# An instant with its offset ("2026-11-28T11:05:00+02:00"), within what can be stored.
Instant = Annotated[AwareDatetime, AfterValidator(_storable)]
# An instant that has happened: a producer's report, a consent's capture.
PastInstant = Annotated[Instant, AfterValidator(_not_ahead)]


def _local(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("must be a local time without an offset (the queue's time zone holds)")
    return value


# A wall-clock time in the queue's own zone: "12:00", never "12:00+02:00".
LocalTime = Annotated[time, AfterValidator(_local)]


@cache
def places() -> frozenset[str]:
    """The IANA time zones of places (Europe/Tallinn, America/New_York), as tzdata lists them."""
    tables = files("tzdata.zoneinfo")
    names: set[str] = set()
    for table in ZONE_TABLES:
        for line in tables.joinpath(table).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                names.add(line.split("\t")[2])
    return frozenset(names)


def _place(name: str) -> str:
    if name not in places():
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Europe/Tallinn")
    return name


# A time zone of a place: not "America", "Etc/UTC", "localtime", "Factory" nor "EST5EDT".
ZoneName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_ZONE_NAME,
        json_schema_extra={"enum": sorted(places()), "examples": ["Europe/Tallinn"]},
    ),
    AfterValidator(_place),
]
