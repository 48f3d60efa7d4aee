"""Where the texts an event decides come from: the queue, the event, the producer."""

from __future__ import annotations

from dataclasses import dataclass

from notifier.models import Queue


@dataclass(frozen=True)
class Origin:
    """The event being accepted, as its handler sees it."""

    queue: Queue
    event_pk: str
    # Who sent it, as the consent ledger names a record's source ("key:booking-system").
    source: str
