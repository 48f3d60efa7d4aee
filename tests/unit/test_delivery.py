"""Delivery statuses only move forward, whatever order Twilio's callbacks arrive in."""

from __future__ import annotations

import pytest

from notifier.sending.callbacks import moves_forward, parse_error_code


@pytest.mark.parametrize(
    ("current", "reported", "moves"),
    [
        ("sent", "delivered", True),
        ("sending", "sent", True),
        ("delivered", "read", True),
        ("sent", "undelivered", True),
        ("delivered", "sent", False),
        ("delivered", "failed", False),
        ("undelivered", "delivered", False),
        ("sent", "queued", False),
        ("sent", "sending", False),  # Twilio's "sending" is not our claim
        ("pending", "sending", False),
        ("sent", "sent", False),
        ("blocked", "delivered", False),
        ("sent", "no-such-status", False),
    ],
)
def test_a_status_moves_only_forward(current: str, reported: str, moves: bool) -> None:
    assert moves_forward(current, reported) is moves


@pytest.mark.parametrize(
    ("raw", "code"), [("21610", 21610), (" 30003 ", 30003), ("", None), (None, None), ("x", None)]
)
def test_error_codes_are_read_as_numbers_or_none(raw: str | None, code: int | None) -> None:
    assert parse_error_code(raw) == code
