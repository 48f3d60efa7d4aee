"""The one confirmation of an opt-out: within five minutes of the reply, or not at all.

The FCC's 2024 revocation order (47 CFR 64.1200(a)(12)) lets a sender confirm an opt-out with
one text sent within five minutes of receiving it. A confirmation that could only go later
is itself an unwanted text, so it is dropped instead (COMPLIANCE.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

CONFIRMATION_WINDOW = timedelta(minutes=5)
WINDOW_PASSED = "confirmation_window_passed"


def window_passed(replied_at: datetime, now: datetime) -> bool:
    """Whether the confirmation of a reply received at `replied_at` may no longer go at `now`."""
    return now - replied_at > CONFIRMATION_WINDOW
