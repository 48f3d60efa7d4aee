"""Phone numbers never reach a log in full: every record is masked to the last 4 digits.

Our own code logs numbers through `phones.mask` already; this is the net under everything
else: a library's message, an access log line with a number in its path, an exception text.
"""

from __future__ import annotations

import logging
import re
from typing import Any

KEPT_DIGITS = 4
MIN_DIGITS = 7
# "+13055550142", "+1 (305) 555-0142", "%2B13055550142" (a URL-encoded "+" in a path).
_INTERNATIONAL = r"(?:\+|%2[Bb])\d(?:\d|[\s().-]|%20|%28|%29)*\d"
# "(305) 555-0142", "305-555-0142", "305 555 0142".
_NATIONAL = r"\(?\b\d{2,4}\)?[\s-]\d{3,4}[\s-]\d{3,4}\b"
# "3055550142" as a whole word (not a piece of an id such as msg_0123456789abcdef).
_BARE = r"(?<![A-Za-z0-9_])\d{9,15}(?![A-Za-z0-9_])"
PHONE_LIKE = re.compile("|".join((_INTERNATIONAL, _NATIONAL, _BARE)))


def _mask_match(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = re.sub(r"\D", "", found.replace("%20", " ").replace("%28", "(").replace("%29", ")"))
    digits = digits.removeprefix("2") if found[:3].upper() == "%2B" else digits
    if len(digits) < MIN_DIGITS:
        return found
    return "*" * (len(digits) - KEPT_DIGITS) + digits[-KEPT_DIGITS:]


def mask_text(text: str) -> str:
    """`text` with every phone-number-like run masked but for its last 4 digits."""
    return PHONE_LIKE.sub(_mask_match, text)


def mask_record(record: logging.LogRecord) -> None:
    """Render the record's message and exception now, masked, so no handler sees them raw."""
    if getattr(record, "_phones_masked", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is the handler's to report, as usual
        return
    record.msg = mask_text(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    record._phones_masked = True


class PhoneMaskFilter(logging.Filter):
    """A filter for any handler: masks each record's numbers, drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place and let it through."""
        mask_record(record)
        return True


_installed = False


def install() -> None:
    """Mask every record this process makes, whichever logger or handler it goes to."""
    global _installed
    if _installed:
        return
    # A handler filter would miss handlers added later (a WSGI server's, a test's capture);
    # the record factory sees every record before any handler does.
    make_record = logging.getLogRecordFactory()

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        mask_record(record)
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True
