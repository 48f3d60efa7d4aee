"""Free-text opt-outs ("please stop", "take me off your list"), read by `consent.replies`.

Kept for callers of `opt_out_language`; the reading itself lives in the reader.
"""

from __future__ import annotations

from consent.replies import Verdict, read


def opt_out_language(body: str) -> str | None:
    """The language of a free-text reply that asks to stop (or might), or None if it does not."""
    reading = read(body)
    if reading.verdict is Verdict.NOT_OPT_OUT:
        return None
    return reading.language or "en"
