"""The bodies of `POST /v1/events` and its answer: they validate events and make /openapi.json."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from notifier.constrained import Instant, PastInstant
from notifier.schemas import ConsentIn, Decision, Identifier, Locale, PhoneText, Strict


class Envelope(Strict):
    """Fields every event carries."""

    id: Annotated[str, Field(min_length=1, max_length=200)]
    occurred_at: PastInstant
    queue_id: Identifier


class JoinedTicket(Strict):
    """The ticket in `ticket.joined`."""

    id: Identifier
    phone: PhoneText
    locale: Locale | None = None
    position: int = Field(ge=1, le=1_000_000)
    eta_minutes: int | None = Field(default=None, ge=0, le=7 * 24 * 60)


class TicketJoined(Envelope):
    """A customer joined a queue."""

    type: Literal["ticket.joined"]
    ticket: JoinedTicket
    consent: ConsentIn | None = None


class NotificationOut(BaseModel):
    """The decision about one text an event causes."""

    id: str
    ticket_id: str | None
    kind: str
    decision: Decision
    reason: str | None = None
    send_at: datetime | None = None


class EventAccepted(BaseModel):
    """The answer to an accepted event (202), or to its duplicate (200)."""

    event_id: str
    duplicate: bool
    notifications: list[NotificationOut] | None = None
    recipients: int | None = None


class TicketRef(Strict):
    """A ticket named by id, with what changed."""

    id: Identifier
    position: int | None = Field(default=None, ge=1, le=1_000_000)
    eta_minutes: int | None = Field(default=None, ge=0, le=7 * 24 * 60)


class TicketUpdated(Envelope):
    """A ticket moved in line or its estimate changed."""

    type: Literal["ticket.updated"]
    ticket: TicketRef


class CalledTicket(Strict):
    """The ticket in `ticket.called`."""

    id: Identifier
    counter: Annotated[str, Field(min_length=1, max_length=60)] | None = None


class TicketCalled(Envelope):
    """It is the customer's turn."""

    type: Literal["ticket.called"]
    ticket: CalledTicket


class ClosedTicket(Strict):
    """The ticket in `ticket.closed`."""

    id: Identifier
    reason: Literal["served", "cancelled", "no_show"]


class TicketClosed(Envelope):
    """The ticket left the queue; pending texts for it are cancelled."""

    type: Literal["ticket.closed"]
    ticket: ClosedTicket


class QueueDelayed(Envelope):
    """The whole queue runs late."""

    type: Literal["queue.delayed"]
    delay_minutes: int = Field(ge=1, le=24 * 60)
    reason: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    action: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    compensation: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class ForecastWindow(Strict):
    """A coming busy window."""

    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _ordered(self) -> ForecastWindow:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class QueuePeakForecast(Envelope):
    """Busy windows are coming: warn the subscribers of `peak_alerts` ahead of each."""

    type: Literal["queue.peak_forecast"]
    windows: list[ForecastWindow] = Field(min_length=1, max_length=20)
    note: Annotated[str, Field(min_length=1, max_length=100)] | None = None


EventIn = Annotated[
    TicketJoined | TicketUpdated | TicketCalled | TicketClosed | QueueDelayed | QueuePeakForecast,
    Field(discriminator="type"),
]
EVENT_TYPES = (
    "ticket.joined",
    "ticket.updated",
    "ticket.called",
    "ticket.closed",
    "queue.delayed",
    "queue.peak_forecast",
)
