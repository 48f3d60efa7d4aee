"""Quiet hours by state statute: every zone of the state, Texas and Washington, state holidays."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from consent.calling_hours import is_legal_holiday
from consent.jurisdiction import local_time_zones, time_zones
from consent.quiet_hours import is_allowed, next_allowed, rule_name

EASTERN = ZoneInfo("America/New_York")
CENTRAL = ZoneInfo("America/Chicago")
MOUNTAIN = ZoneInfo("America/Denver")
PACIFIC = ZoneInfo("America/Los_Angeles")

ORLANDO = "+16895550142"  # 689: an Orlando overlay, which phonenumbers files under Central
PANHANDLE_OVERLAY = "+14485550142"  # 448: overlays 850, which spans Eastern and Central
KENTUCKY_OVERLAY = "+13645550142"  # 364: overlays 270, western Kentucky on Central time
SAN_ANTONIO = "+12105550142"
EL_PASO = "+19155550142"  # Mountain time
SEATTLE = "+12065550142"
PHILADELPHIA = "+12155550142"
BIRMINGHAM = "+12055550142"

SUNDAY = date(2026, 11, 22)
THANKSGIVING = date(2026, 11, 26)


def at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def test_the_library_alone_puts_orlando_in_central_time() -> None:
    # Why the fix is needed: without it, Orlando's evening would read an hour early.
    assert time_zones(ORLANDO) == ("America/Chicago",)


@pytest.mark.parametrize(
    ("phone", "zones"),
    [
        (ORLANDO, {"America/New_York", "America/Chicago"}),
        (PANHANDLE_OVERLAY, {"America/New_York", "America/Chicago"}),
        (SAN_ANTONIO, {"America/Chicago", "America/Denver"}),
        (SEATTLE, {"America/Los_Angeles"}),
    ],
)
def test_a_us_number_counts_every_zone_its_state_spans(phone: str, zones: set[str]) -> None:
    assert zones <= set(local_time_zones(phone))


def test_the_kentucky_overlay_counts_central_time_too() -> None:
    assert {"America/New_York", "America/Chicago"} <= set(local_time_zones(KENTUCKY_OVERLAY))


def test_orlando_at_half_past_eight_in_the_evening_is_deferred_to_the_morning() -> None:
    evening = at(date(2026, 11, 18), 20, 30, EASTERN)  # 19:30 Central: the library would send

    assert not is_allowed(ORLANDO, evening)
    assert next_allowed(ORLANDO, evening) == at(date(2026, 11, 19), 8, 0, CENTRAL)


def test_the_panhandle_overlay_waits_for_eight_in_central_time() -> None:
    early = at(date(2026, 11, 18), 8, 30, EASTERN)  # 07:30 Central

    assert not is_allowed(PANHANDLE_OVERLAY, early)
    assert next_allowed(PANHANDLE_OVERLAY, early) == at(date(2026, 11, 18), 8, 0, CENTRAL)


def test_texas_on_a_sunday_morning_waits_until_noon_mountain_time() -> None:
    sunday_morning = at(SUNDAY, 10, 0, CENTRAL)

    assert not is_allowed(SAN_ANTONIO, sunday_morning)
    # El Paso is on Mountain time, so all of Texas allows texts from noon there.
    assert next_allowed(SAN_ANTONIO, sunday_morning) == at(SUNDAY, 12, 0, MOUNTAIN)
    assert rule_name(SAN_ANTONIO) == "quiet_hours.US-TX"


def test_texas_on_a_saturday_opens_at_nine() -> None:
    saturday = date(2026, 11, 21)

    assert not is_allowed(EL_PASO, at(saturday, 8, 59, CENTRAL))
    assert next_allowed(EL_PASO, at(saturday, 8, 0, CENTRAL)) == at(saturday, 9, 0, MOUNTAIN)


def test_texas_closes_at_nine_in_the_evening_central_time() -> None:
    monday = date(2026, 11, 23)

    assert is_allowed(EL_PASO, at(monday, 20, 59, CENTRAL))
    assert not is_allowed(EL_PASO, at(monday, 21, 0, CENTRAL))


def test_washington_closes_at_eight_in_the_evening() -> None:
    monday = date(2026, 11, 23)

    assert is_allowed(SEATTLE, at(monday, 19, 59, PACIFIC))
    assert not is_allowed(SEATTLE, at(monday, 20, 0, PACIFIC))
    assert next_allowed(SEATTLE, at(monday, 20, 0, PACIFIC)) == at(
        date(2026, 11, 24), 8, 0, PACIFIC
    )
    assert rule_name(SEATTLE) == "quiet_hours.US-WA"


def test_a_pennsylvania_state_holiday_defers_to_the_next_day() -> None:
    thanksgiving_noon = at(THANKSGIVING, 12, 0, EASTERN)

    assert not is_allowed(PHILADELPHIA, thanksgiving_noon)
    # The Friday after Thanksgiving is a Pennsylvania state holiday as well.
    assert next_allowed(PHILADELPHIA, thanksgiving_noon) == at(date(2026, 11, 28), 8, 0, EASTERN)
    assert rule_name(PHILADELPHIA) == "quiet_hours.US-PA"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 6, 14), "Flag Day"),
        (date(2026, 11, 3), "Election Day"),
    ],
)
def test_pennsylvania_keeps_the_holidays_its_own_code_names(day: date, name: str) -> None:
    assert is_legal_holiday("PA", day), name


def test_an_ordinary_pennsylvania_weekday_is_open() -> None:
    assert is_allowed(PHILADELPHIA, at(date(2026, 11, 25), 12, 0, EASTERN))


def test_a_state_without_a_holiday_rule_texts_on_thanksgiving() -> None:
    assert is_allowed("+12125550142", at(THANKSGIVING, 12, 0, EASTERN))


def test_alabama_skips_its_own_holidays_and_the_sunday_after() -> None:
    confederate_memorial_day = date(2026, 4, 27)  # a Monday

    saturday_evening = at(date(2026, 4, 25), 20, 30, CENTRAL)
    assert not is_allowed(BIRMINGHAM, at(confederate_memorial_day, 12, 0, CENTRAL))
    assert next_allowed(BIRMINGHAM, saturday_evening) == at(date(2026, 4, 28), 8, 0, CENTRAL)


def test_next_allowed_answers_in_utc() -> None:
    assert next_allowed(PHILADELPHIA, at(THANKSGIVING, 12, 0, EASTERN)).tzinfo is UTC
