"""An opt-out's confirmation goes within five minutes of the reply, or not at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from consent.confirmation import window_passed

REPLIED = datetime(2026, 11, 28, 16, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "passed"),
    [
        (timedelta(0), False),
        (timedelta(minutes=4, seconds=59), False),
        (timedelta(minutes=5), False),  # "within five minutes" includes the fifth
        (timedelta(minutes=5, seconds=1), True),
        (timedelta(hours=2), True),
    ],
)
def test_the_window_is_five_minutes_from_the_reply(after: timedelta, passed: bool) -> None:
    assert window_passed(REPLIED, REPLIED + after) is passed
