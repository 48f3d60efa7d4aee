"""What each text says for a given queue and ticket: the bridge from rows to `texts`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from notifier.models import Queue, Ticket
from notifier.senders import takes_replies
from notifier.texts import catalog, peaks
from notifier.texts.waits import PeakWindow, come_back_at, quieter_time


@dataclass(frozen=True)
class DelayNotice:
    """What a `queue.delayed` event says."""

    minutes: int
    action: str | None
    compensation: str | None


def brand(queue: Queue) -> catalog.Brand:
    """How the queue signs its catalog."""
    return _brand(queue.brand or queue.name, queue.contact, queue.timezone, queue.sender)


# A fan-out signs thousands of texts alike: the brand is made once, not once per text.
@lru_cache(maxsize=256)
def _brand(name: str, contact: str | None, timezone: str, sender: str | None) -> catalog.Brand:
    return catalog.Brand(
        name=name, contact=contact, tz=ZoneInfo(timezone), replies=takes_replies(sender)
    )


def locale(queue: Queue, ticket: Ticket | None = None) -> str:
    """The ticket's language, else the queue's, else English."""
    return catalog.pick_locale(ticket.locale if ticket else None, queue.locale)


def come_back(queue: Queue, ticket: Ticket, now: datetime) -> datetime | None:
    """When the customer should be back, in the queue's time zone; None without an ETA."""
    if ticket.eta_minutes is None:
        return None
    return come_back_at(now.astimezone(ZoneInfo(queue.timezone)), ticket.eta_minutes)


def joined(queue: Queue, ticket: Ticket, now: datetime) -> str:
    """The acknowledgment of a new ticket."""
    back = come_back(queue, ticket, now)
    peak = peaks.window_at(queue, back) if back else None
    return catalog.joined(
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


def position_update(queue: Queue, ticket: Ticket, now: datetime) -> str:
    """A ticket's new place and come-back time."""
    return catalog.position_update(
        locale(queue, ticket),
        brand(queue),
        ticket=ticket.ticket_id,
        position=ticket.position or 1,
        eta_minutes=ticket.eta_minutes,
        come_back=come_back(queue, ticket, now),
        first=False,
    )


def called(queue: Queue, ticket: Ticket) -> str:
    """It's your turn: where to go, how long the place is held."""
    return catalog.called(
        locale(queue, ticket),
        brand(queue),
        ticket=ticket.ticket_id,
        counter=ticket.counter,
        hold_minutes=queue.hold_minutes,
        first=False,
    )


def delayed(
    queue: Queue, ticket: Ticket, now: datetime, delay: DelayNotice, apologize: bool
) -> str:
    """A delay notice for one ticket."""
    return catalog.delayed(
        locale(queue, ticket),
        brand(queue),
        ticket=ticket.ticket_id,
        delay_minutes=delay.minutes,
        come_back=come_back(queue, ticket, now),
        action=delay.action,
        compensation=delay.compensation,
        apologize=apologize,
        first=False,
    )


def peak_alert(queue: Queue, locale: str, window: PeakWindow, note: str | None) -> str:
    """A warning ahead of a busy window, in `locale`, with the quieter time to come instead."""
    return catalog.peak_alert(
        locale,
        brand(queue),
        window=window,
        quieter=quieter_time(window),
        note=note,
        first=True,  # every peak-hour warning says how to opt out, not only the first text
    )
