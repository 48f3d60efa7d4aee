"""Who texts go out as: a phone number, a Twilio Messaging Service, or an alphanumeric sender id.

A customer can answer a number or a messaging service, but not an alphanumeric sender id
("Acme"): carriers deliver its texts one way only. Texts from such a sender must therefore
say how else to opt out (COMPLIANCE.md).
"""

from __future__ import annotations

import re

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
MESSAGING_SERVICE = re.compile(r"^MG[0-9a-fA-F]{32}$")
# Twilio's rule for alphanumeric sender ids: at most 11 characters, ASCII letters, digits and
# spaces, and at least one letter (an all-digit id would read as a short code).
ALPHANUMERIC = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")


def is_alphanumeric(sender: str) -> bool:
    """Whether `sender` is an alphanumeric sender id."""
    return bool(ALPHANUMERIC.match(sender))


def takes_replies(sender: str | None) -> bool:
    """Whether a customer can answer texts from `sender`; None is the default sender, a number."""
    return sender is None or not is_alphanumeric(sender)
