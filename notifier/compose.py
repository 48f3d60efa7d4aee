"""What each text says for a given queue and ticket: the bridge from rows to `texts`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from notifier import peaks, texts
from notifier.models import Queue, Ticket
from notifier.waits import come_back_at, quieter_time


def brand(queue: Queue) -> texts.Brand:
    """How the queue signs its texts."""
    return texts.Brand(
        name=queue.brand or queue.name, contact=queue.contact, tz=ZoneInfo(queue.timezone)
    )


def locale(queue: Queue, ticket: Ticket | None = None) -> str:
    """The ticket's language, else the queue's, else English."""
    return texts.pick_locale(ticket.locale if ticket else None, queue.locale)


def come_back(queue: Queue, ticket: Ticket, now: datetime) -> datetime | None:
    """When the customer should be back, in the queue's time zone; None without an ETA."""
    if ticket.eta_minutes is None:
        return None
    return come_back_at(now.astimezone(ZoneInfo(queue.timezone)), ticket.eta_minutes)


def joined(queue: Queue, ticket: Ticket, now: datetime) -> str:
    """The acknowledgment of a new ticket."""
    back = come_back(queue, ticket, now)
    peak = peaks.window_at(queue, back) if back else None
    return texts.joined(
        locale(queue, ticket),
        brand(queue),
        ticket=ticket.ticket_id,
        position=ticket.position or 1,
        eta_minutes=ticket.eta_minutes,
        come_back=back,
        peak=peak,
        quieter=quieter_time(peak) if peak else None,
        first=True,
    )
