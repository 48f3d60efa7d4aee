"""The SMS provider port: what the workers need from whoever carries the texts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Twilio error codes that will not change on retry, and what each one means for the number.
OPTED_OUT = 21610
UNREACHABLE_CODES = frozenset({21211, 21614, 30003, 30005, 30006})


@dataclass(frozen=True)
class OutgoingText:
    """One text as the provider sees it."""

    to: str
    sender: str
    body: str
    status_callback: str | None


@dataclass(frozen=True)
class Receipt:
    """The provider's answer to a send: its id for the text and the status it gave."""

    provider_sid: str
    status: str


class SmsProvider(Protocol):
    """Sends texts; raises `notifier.errors.ProviderError` (transient or not) on failure."""

    name: str

    def send(self, text: OutgoingText) -> Receipt:
        """Hand one text to the provider."""
        ...

    def find_sent(self, to: str, body: str, since: datetime) -> Receipt | None:
        """A text with this body sent to `to` since `since`, if the provider has one."""
        ...
