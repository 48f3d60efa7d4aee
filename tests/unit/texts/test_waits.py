"""Come-back times: expected call minus a margin, floored to 5 minutes, never in the past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifier.texts.waits import (
    COME_BACK_MARGIN,
    PeakWindow,
    come_back_at,
    peak_containing,
    quieter_time,
)

TALLINN = ZoneInfo("Europe/Tallinn")


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 28, hour, minute, second, tzinfo=TALLINN)


def test_default_margin_is_five_minutes() -> None:
    assert timedelta(minutes=5) == COME_BACK_MARGIN


@pytest.mark.parametrize(
    ("now", "eta", "expected"),
    [
        (at(10, 5), 30, at(10, 30)),  # 10:35 - 5 min
        (at(10, 5), 33, at(10, 30)),  # 10:33 rounds down
        (at(10, 5), 39, at(10, 35)),  # 10:39 rounds down
        (at(10, 7, 30), 20, at(10, 20)),  # seconds do not push it up
        (at(11, 5), 240, at(15, 0)),
    ],
)
def test_come_back_is_expected_call_minus_margin_rounded_down_to_5_minutes(
    now: datetime, eta: int, expected: datetime
) -> None:
    assert come_back_at(now, eta) == expected


def test_come_back_that_would_be_in_the_past_is_the_next_whole_minute() -> None:
    assert come_back_at(at(10, 7, 30), 3) == at(10, 8)
    assert come_back_at(at(10, 7, 30), 0) == at(10, 8)


def test_come_back_now_on_a_whole_minute_is_now() -> None:
    assert come_back_at(at(10, 7), 6) == at(10, 7)


@pytest.mark.parametrize("eta", range(0, 60))
def test_come_back_is_never_before_now(eta: int) -> None:
    now = at(10, 7, 30)
    assert come_back_at(now, eta) >= now


def test_custom_margin() -> None:
    assert come_back_at(at(10, 0), 30, margin=timedelta(minutes=10)) == at(10, 20)
    assert come_back_at(at(10, 0), 30, margin=timedelta(0)) == at(10, 30)


def test_come_back_keeps_the_time_zone_of_now() -> None:
    result = come_back_at(at(10, 5), 30)
    assert result.tzinfo is TALLINN
    utc = come_back_at(datetime(2026, 11, 28, 8, 5, tzinfo=UTC), 30)
    assert utc.tzinfo is UTC
    assert utc == at(10, 30)


def test_come_back_counts_real_minutes_across_a_dst_change() -> None:
    # Clocks in Tallinn go back from 04:00 to 03:00 on 25 October 2026.
    now = datetime(2026, 10, 25, 3, 50, tzinfo=TALLINN)  # EEST, the first 03:50
    result = come_back_at(now, 65)
    assert result.astimezone(UTC) - now.astimezone(UTC) == timedelta(minutes=60)
    assert (result.hour, result.minute, result.fold) == (3, 50, 1)


def test_come_back_is_round_on_the_local_clock_of_a_quarter_hour_zone() -> None:
    now = datetime(2026, 11, 28, 10, 2, tzinfo=ZoneInfo("Asia/Kathmandu"))  # UTC+05:45
    assert come_back_at(now, 47).minute == 40


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        come_back_at(datetime(2026, 11, 28, 10, 0), 30)


def test_peak_window_start_is_inside_and_end_is_not() -> None:
    window = PeakWindow(at(12, 0), at(14, 0))
    windows = [PeakWindow(at(9, 0), at(10, 0)), window]
    assert peak_containing(at(12, 0), windows) is window
    assert peak_containing(at(13, 59), windows) is window
    assert peak_containing(at(14, 0), windows) is None
    assert peak_containing(at(11, 59), windows) is None
    assert peak_containing(at(12, 30), []) is None


def test_peak_containing_compares_instants_across_zones() -> None:
    window = PeakWindow(at(12, 0), at(14, 0))
    assert peak_containing(datetime(2026, 11, 28, 10, 30, tzinfo=UTC), [window]) is window


def test_quieter_time_is_the_end_of_the_window() -> None:
    assert quieter_time(PeakWindow(at(12, 0), at(14, 0))) == at(14, 0)


def test_peak_window_must_be_aware_and_forward() -> None:
    with pytest.raises(ValueError):
        PeakWindow(at(14, 0), at(12, 0))
    with pytest.raises(ValueError):
        PeakWindow(datetime(2026, 11, 28, 12, 0), at(14, 0))
