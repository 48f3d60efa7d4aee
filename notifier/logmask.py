"""Phone numbers never reach a log in full: every record is masked to the last 4 digits.

Our own code logs numbers through `phones.mask` already; this is the net under everything
else: a library's message, an access log line with a number in its URL, an exception text.

A number can stand in a log line however a URL or a person wrote it: `+1/305/555/0142`,
percent-encoded digits or plus (`%2B1%33...`), Unicode hyphens, full-width or Arabic-Indic
digits, vanity letters (`+1-305-JKL-0142`), in a path or a query string. So the line is first
normalised (percent-decoded, NFKC: full-width forms and odd pluses to plain ones, the letters of
a dialled word to keypad digits), each character remembering where it stood; then phonenumbers'
`PhoneNumberMatcher` finds the numbers in it, and each is masked where it stood in the line.
A number without its country prefix is read as North American, as callers here write them.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import phonenumbers

KEPT_DIGITS = 4
MIN_DIGITS = 7
REGION = "US"
# A run of percent-encoded bytes ("%2B", "%EF%BC%8B"), decoded together as UTF-8.
_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# Letters dialled as digits: a word after a group of digits, as in 1-800-FLOWERS or 305-JKL-0142.
_VANITY = re.compile(r"(?<=[0-9]{3}[-./])[A-Za-z]{3,7}(?![A-Za-z])")
# A number inside an identifier (msg_0123456789abcdef) is a piece of the identifier.
_WORD = re.compile(r"[A-Za-z0-9_]")
_DECIMAL = re.compile(r"[0-9][.,]")

# One character of the normalised line, and the span of the original line it came from.
Piece = tuple[str, int, int]


def mask_text(text: str) -> str:
    """`text` with every phone number in it masked but for its last 4 digits."""
    if not any(c.isdigit() or c == "%" for c in text):
        return text  # most lines: nothing that could be or hide a number
    pieces = _normalised(text)
    line = "".join(c for c, _, _ in pieces)
    masked, end = [], 0
    for start, stop, digits in _numbers(line):
        first, last = pieces[start][1], pieces[stop - 1][2]
        if first < end:
            continue
        masked += [text[end:first], "*" * (len(digits) - KEPT_DIGITS) + digits[-KEPT_DIGITS:]]
        end = last
    return "".join([*masked, text[end:]]) if masked else text


def _normalised(text: str) -> list[Piece]:
    """The line percent-decoded and NFKC-normalised, with vanity letters as digits."""
    decoded: list[Piece] = []
    at = 0
    for run in _PERCENT_RUN.finditer(text):
        decoded += [(c, i, i + 1) for i, c in enumerate(text[at : run.start()], at)]
        decoded += [(c, run.start(), run.end()) for c in unquote(run.group(0))]
        at = run.end()
    decoded += [(c, i, i + 1) for i, c in enumerate(text[at:], at)]
    pieces = [(n, s, e) for c, s, e in decoded for n in unicodedata.normalize("NFKC", c)]
    for i in range(1, len(pieces)):
        if pieces[i][0] == "+" and pieces[i - 1][0].isdigit():
            # A number has no plus after a digit: this one is a space, as query strings write it.
            pieces[i] = (" ", pieces[i][1], pieces[i][2])
    line = "".join(c for c, _, _ in pieces)
    for word in _VANITY.finditer(line):
        dialled = phonenumbers.convert_alpha_characters_in_number(word.group(0))
        for offset, digit in enumerate(dialled):
            _, s, e = pieces[word.start() + offset]
            pieces[word.start() + offset] = (digit, s, e)
    return pieces


def _numbers(line: str) -> Iterator[tuple[int, int, str]]:
    """Where the numbers of `line` stand, and their digits (country code included)."""
    for match in phonenumbers.PhoneNumberMatcher(
        line, REGION, leniency=phonenumbers.Leniency.POSSIBLE
    ):
        start, stop = match.start, match.end
        if _inside_word(line, start, stop):
            continue
        number = match.number
        # With its country prefix it is a number; without, only if it is one of the region's
        # (so "200 12784", a status and a size in an access log, stays as it is).
        prefixed = match.raw_string.lstrip("(").startswith("+")
        if not prefixed and not phonenumbers.is_valid_number(number):
            continue
        digits = str(number.country_code) + phonenumbers.national_significant_number(number)
        if len(digits) >= MIN_DIGITS:
            yield start, stop, digits


def _inside_word(line: str, start: int, stop: int) -> bool:
    """Whether the digits at `start:stop` are part of an identifier or a decimal fraction."""
    before, after = line[max(start - 2, 0) : start], line[stop : stop + 1]
    return bool(
        _WORD.fullmatch(before[-1:]) or _WORD.fullmatch(after) or _DECIMAL.fullmatch(before)
    )


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
