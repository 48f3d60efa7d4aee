"""Numbers in log records are masked to their last 4 digits; other numbers are left alone."""

from __future__ import annotations

import logging
import sys

import pytest

from notifier.logmask import PhoneMaskFilter, mask_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("sent to +13055550142", "sent to *******0142"),
        ("GET /v1/subjects/%2B13055550142 HTTP/1.1", "GET /v1/subjects/*******0142 HTTP/1.1"),
        ("GET /v1/consents/+1%20(305)%20555-0142", "GET /v1/consents/*******0142"),
        ("call (305) 555-0142 now", "call *******0142 now"),
        ("+372 5123 4567", "*******4567"),
        ("number 3055550142.", "number *******0142."),
        ("+86 138 0013 8000", "*********8000"),
        ("GET /v1/subjects/+1/305/555/0142 HTTP/1.1", "GET /v1/subjects/*******0142 HTTP/1.1"),
        ("GET /v1/subjects/%2B1%33%30%35%35%35%35%30%31%34%32", "GET /v1/subjects/*******0142"),
        ("GET /v1/subjects/+1\u2011305\u2011555\u20110142", "GET /v1/subjects/*******0142"),
        (
            "/v1/subjects/\uff0b\uff11\uff13\uff10\uff15\uff15\uff15\uff15\uff10\uff11\uff14\uff12",
            "/v1/subjects/*******0142",
        ),
        ("GET /v1/subjects/%EF%BC%8B%EF%BC%9130555%EF%BC%950142", "GET /v1/subjects/*******0142"),
        (
            "to +\u0661\u0663\u0660\u0665\u0665\u0665\u0665\u0660\u0661\u0664\u0662",
            "to *******0142",
        ),
        ("GET /v1/subjects/+1-305-JKL-0142 HTTP/1.1", "GET /v1/subjects/*******0142 HTTP/1.1"),
        (
            "GET /v1/audit/messages?phone=%2B1+305+555+0142&format=csv",
            "GET /v1/audit/messages?phone=*******0142&format=csv",
        ),
        ("?phone=+1(305)555-0142&until=x", "?phone=*******0142&until=x"),
    ],
)
def test_phone_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "msg_0123456789abcdef0123456789abcdef",
        "127.0.0.1 - - [22/Nov/2026 22:36:20]",
        "client 192.168.100.200",
        "at 2026-11-28 16:05:00",
        "relayed 1000 texts in 12 s, HTTP 503",
        "SMfac4315b0c86a3d0bab6a0b1aff28ca9",
        "in_b1e16fe9f81a46ceb61378f1091201c9 took 0.0123456789 s",
        '127.0.0.1 - - [29/Nov/2026:12:47:57 +0000] "PUT /v1/queues/desk HTTP/1.1" 201 512',
        "GET /v1/consents HTTP/1.1",
        '"GET /v1/queues/desk HTTP/1.1" 200 12784 "-"',
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_the_filter_masks_arguments_and_exceptions() -> None:
    try:
        raise ValueError("bad number +13055550142")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "to %s", ("+13055550142",), exc_info=sys.exc_info()
        )

    assert PhoneMaskFilter().filter(record)

    assert record.getMessage() == "to *******0142"
    assert record.exc_text is not None and "3055550142" not in record.exc_text
    assert "*******0142" in logging.Formatter().format(record)
