from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from consent.quiet_hours import is_allowed, next_allowed, rule_name

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")

FLORIDA = "+13055550142"  # America/New_York
NEW_YORK_CITY = "+12125550142"  # America/New_York, default window
ALABAMA = "+12055550142"  # America/Chicago
SPAIN = "+34600000000"  # Europe/Madrid and Atlantic/Canary, an hour apart
ESTONIA = "+37256000000"
TOLL_FREE = "+18005550142"  # every NANP zone, Guam to Adak

WEDNESDAY = datetime(2026, 11, 18)  # the day after is an ordinary Thursday, not Thanksgiving
SATURDAY = datetime(2026, 11, 28)
SUNDAY = datetime(2026, 11, 29)

# phone, first allowed local time and its zone, first local time no longer allowed and its zone.
# A state that spans two zones opens when its westernmost zone opens and closes when its
# easternmost zone closes: the strictest window holds wherever in the state the owner is.
WINDOWS = [
    (NEW_YORK_CITY, "America/New_York", time(8), "America/New_York", time(21)),
    ("+13055550142", "America/Chicago", time(8), "America/New_York", time(20)),  # FL
    ("+14055550142", "America/Chicago", time(8), "America/Chicago", time(20)),  # OK
    ("+14105550142", "America/New_York", time(8), "America/New_York", time(20)),  # MD
    ("+16175550142", "America/New_York", time(8), "America/New_York", time(20)),  # MA
    ("+15045550142", "America/Chicago", time(8), "America/Chicago", time(20)),  # LA
    (ALABAMA, "America/Chicago", time(8), "America/Chicago", time(20)),  # AL
    ("+16015550142", "America/Chicago", time(8), "America/Chicago", time(20)),  # MS
    ("+12035550142", "America/New_York", time(9), "America/New_York", time(20)),  # CT
    ("+17025550142", "America/Los_Angeles", time(9), "America/Denver", time(20)),  # NV
    ("+13135550142", "America/Chicago", time(9), "America/New_York", time(21)),  # MI
    ("+16125550142", "America/Chicago", time(9), "America/Chicago", time(21)),  # MN
    ("+15055550142", "America/Denver", time(9), "America/Denver", time(21)),  # NM
    ("+15025550142", "America/Chicago", time(10), "America/New_York", time(21)),  # KY
    ("+12065550142", "America/Los_Angeles", time(8), "America/Los_Angeles", time(20)),  # WA
    ("+12155550142", "America/New_York", time(8), "America/New_York", time(21)),  # PA
    (ESTONIA, "Europe/Bucharest", time(8), "Europe/Bucharest", time(21)),
]
NO_SUNDAY_STATES = ["+12055550142", "+15045550142", "+16015550142"]  # AL, LA, MS


def local(day: datetime, at: time, zone: str | ZoneInfo) -> datetime:
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return datetime.combine(day.date(), at, tzinfo=tz)


def brute_force_next_allowed(phone: str, at: datetime) -> datetime:
    """The oracle: walk forward a minute at a time (all windows open on the minute)."""
    moment = at
    while not is_allowed(phone, moment):
        moment = (moment + timedelta(minutes=1)).replace(second=0, microsecond=0)
    return moment


@pytest.mark.parametrize(("phone", "open_zone", "opens", "close_zone", "closes"), WINDOWS)
def test_window_opens_and_closes_at_the_state_times(
    phone: str, open_zone: str, opens: time, close_zone: str, closes: time
) -> None:
    opening = local(WEDNESDAY, opens, open_zone)
    closing = local(WEDNESDAY, closes, close_zone)

    assert not is_allowed(phone, opening - timedelta(seconds=1))
    assert is_allowed(phone, opening)
    assert is_allowed(phone, closing - timedelta(seconds=1))
    assert not is_allowed(phone, closing)


@pytest.mark.parametrize(("phone", "open_zone", "opens", "close_zone", "closes"), WINDOWS)
def test_after_closing_the_next_moment_is_the_next_mornings_opening(
    phone: str, open_zone: str, opens: time, close_zone: str, closes: time
) -> None:
    after_closing = local(WEDNESDAY, closes, close_zone) + timedelta(minutes=30)

    next_morning = local(WEDNESDAY + timedelta(days=1), opens, open_zone)
    assert next_allowed(phone, after_closing) == next_morning


def test_florida_at_2030_waits_until_0800_central_next_day() -> None:
    at = local(WEDNESDAY, time(20, 30), NEW_YORK)

    result = next_allowed(FLORIDA, at)

    # The panhandle is on Central time: 08:00 there is the first moment all of Florida allows.
    assert result == local(WEDNESDAY + timedelta(days=1), time(8), CHICAGO)
    assert result.tzinfo is UTC


def test_allowed_moment_is_returned_unchanged() -> None:
    at = local(WEDNESDAY, time(12), NEW_YORK).astimezone(UTC)

    assert next_allowed(FLORIDA, at) is at


def test_before_opening_waits_until_opening_the_same_day() -> None:
    at = local(WEDNESDAY, time(6, 15), NEW_YORK)

    assert next_allowed(FLORIDA, at) == local(WEDNESDAY, time(8), CHICAGO)


@pytest.mark.parametrize("phone", NO_SUNDAY_STATES)
def test_no_texts_on_sunday_in_alabama_louisiana_mississippi(phone: str) -> None:
    assert not is_allowed(phone, local(SUNDAY, time(12), CHICAGO))
    assert is_allowed(phone, local(SATURDAY, time(12), CHICAGO))


@pytest.mark.parametrize("phone", NO_SUNDAY_STATES)
def test_saturday_evening_waits_until_monday_morning(phone: str) -> None:
    at = local(SATURDAY, time(20, 30), CHICAGO)

    assert next_allowed(phone, at) == local(SUNDAY + timedelta(days=1), time(8), CHICAGO)


def test_sunday_is_an_ordinary_day_in_florida() -> None:
    assert is_allowed(FLORIDA, local(SUNDAY, time(12), NEW_YORK))


def test_spring_forward_opens_at_0800_daylight_time() -> None:
    saturday_evening = local(datetime(2026, 3, 7), time(20, 30), NEW_YORK)

    result = next_allowed(FLORIDA, saturday_evening)

    assert result == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 08:00 CDT, UTC-5
    assert result.astimezone(CHICAGO).time() == time(8)


def test_fall_back_opens_at_0800_standard_time() -> None:
    saturday_evening = local(datetime(2026, 10, 31), time(20, 30), NEW_YORK)

    result = next_allowed(FLORIDA, saturday_evening)

    assert result == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)  # 08:00 CST, UTC-6


def test_window_follows_the_clock_change_in_europe() -> None:
    saturday_night = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # 22:00 EET

    assert next_allowed(ESTONIA, saturday_night) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)


def test_several_zones_allow_only_what_every_zone_allows_in_the_morning() -> None:
    madrid_0830_canary_0730 = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)

    assert not is_allowed(SPAIN, madrid_0830_canary_0730)
    assert next_allowed(SPAIN, madrid_0830_canary_0730) == datetime(2026, 11, 25, 8, tzinfo=UTC)


def test_several_zones_allow_only_what_every_zone_allows_in_the_evening() -> None:
    madrid_2030_canary_1930 = datetime(2026, 11, 25, 19, 30, tzinfo=UTC)
    madrid_2130_canary_2030 = datetime(2026, 11, 25, 20, 30, tzinfo=UTC)

    assert is_allowed(SPAIN, madrid_2030_canary_1930)
    assert not is_allowed(SPAIN, madrid_2130_canary_2030)
    assert next_allowed(SPAIN, madrid_2130_canary_2030) == datetime(2026, 11, 26, 8, tzinfo=UTC)


def test_toll_free_number_spanning_every_nanp_zone_still_gets_a_moment() -> None:
    at = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)

    result = next_allowed(TOLL_FREE, at)

    assert result > at
    assert is_allowed(TOLL_FREE, result)
    assert result - at < timedelta(days=1)


@pytest.mark.parametrize("phone", [FLORIDA, ALABAMA, SPAIN, "+15025550142", TOLL_FREE])
@pytest.mark.parametrize("hours_after", [0, 5, 13, 21, 26, 44, 59, 77, 83, 101])
def test_next_allowed_is_the_earliest_allowed_moment(phone: str, hours_after: int) -> None:
    at = datetime(2026, 3, 6, 0, 7, tzinfo=UTC) + timedelta(hours=hours_after)

    assert next_allowed(phone, at) == brute_force_next_allowed(phone, at)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_allowed(FLORIDA, datetime(2026, 11, 25, 12))
    with pytest.raises(ValueError, match="aware"):
        next_allowed(FLORIDA, datetime(2026, 11, 25, 12))


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        (FLORIDA, "quiet_hours.US-FL"),
        (ALABAMA, "quiet_hours.US-AL"),
        ("+15025550142", "quiet_hours.US-KY"),
        (NEW_YORK_CITY, "quiet_hours.default"),
        (TOLL_FREE, "quiet_hours.default"),
        (ESTONIA, "quiet_hours.default"),
    ],
)
def test_rule_name_names_the_window_applied(phone: str, expected: str) -> None:
    assert rule_name(phone) == expected
