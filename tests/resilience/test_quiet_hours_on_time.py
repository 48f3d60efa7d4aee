"""A peak-hour warning held by quiet hours goes out when they end, within two seconds.

Quiet hours end at 8:00 at the customer's, whatever the machine's clock says, so the whole
service is moved to a few seconds before the next 8:00 in New York: the app in this process
by its clock, the worker process (and RQ's scheduler, forked from it) by libfaketime, which
moves the time every function of the C library reports. Both move by the same whole number of
seconds and keep ticking, so the scheduler's whole seconds meet the service's as they would.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from libfaketime import get_reload_information

from notifier.services import Services
from tests.conftest import Api, LiveServer
from tests.e2e.test_peaks import forecast, subscribe
from tests.fakes.twilio import FakeTwilio
from tests.resilience.conftest import service_env
from tests.resilience.test_on_time import assert_on_time, recorded
from tests.servers import ServiceProcess, eventually

NEW_YORK = ZoneInfo("America/New_York")
PHONE = "+12125550123"  # New York: texts that can wait go from 8:00 to 21:00
# How long before 8:00 the test starts: the worker starts, the customer subscribes.
LEAD = timedelta(seconds=15)


class ShiftedClock:
    """The machine's clock moved by a whole number of seconds, still ticking."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        """The current moment, moved."""
        return datetime.now(UTC) + self.offset


def next_eight_am(after: datetime) -> datetime:
    """The first 8:00 in New York after `after` (aware UTC)."""
    day = after.astimezone(NEW_YORK).date()
    for days in range(2):
        opening = datetime.combine(day + timedelta(days=days), time(8), tzinfo=NEW_YORK)
        if opening > after:
            return opening.astimezone(UTC)
    raise AssertionError("no 8:00 within two days")


@pytest.fixture
def clock() -> ShiftedClock:
    """The service's clock, standing `LEAD` before the next 8:00 in New York."""
    real = datetime.now(UTC)
    offset = next_eight_am(real + LEAD + timedelta(minutes=1)) - LEAD - real
    return ShiftedClock(timedelta(seconds=round(offset.total_seconds())))


def faketime(clock: ShiftedClock) -> dict[str, str]:
    """The environment that moves a process's clock as far as `clock` is moved."""
    _, preload = get_reload_information()
    libraries = [preload["LD_LIBRARY_PATH"], *filter(None, [os.environ.get("LD_LIBRARY_PATH")])]
    return {
        **preload,
        "LD_LIBRARY_PATH": ":".join(libraries),
        "FAKETIME": f"{clock.offset.total_seconds():+.0f}",
    }


def test_a_warning_held_by_quiet_hours_goes_within_two_seconds_of_their_end(
    api: Api,
    svc: Services,
    clock: ShiftedClock,
    live: LiveServer,
    overrides: dict[str, Any],
    fake_twilio: FakeTwilio,
    processes: Callable[[str, dict[str, str]], ServiceProcess],
) -> None:
    eight = next_eight_am(clock.now())
    processes("worker", service_env(overrides, live, **faketime(clock)))
    api.put_queue("desk", peak_alert_lead_minutes=120)
    subscribe(api, PHONE, clock.now())
    eventually(lambda: recorded(svc, fake_twilio, 1), "the worker sends the welcome", 60)
    assert clock.now() < eight - timedelta(seconds=2), "the worker started too late to test"

    # Busy from 9:00: the warning is due at 7:00, now, in quiet hours; it waits for 8:00.
    forecast(api, "f-1", (eight + timedelta(hours=1), eight + timedelta(hours=2)))
    texts = eventually(lambda: recorded(svc, fake_twilio, 2), "the warning is sent", 60)

    [warning] = [t for t in texts if t.kind == "peak_alert"]
    assert warning.send_at == eight
    assert "quiet_hours" in warning.steps, warning
    assert_on_time(warning)
