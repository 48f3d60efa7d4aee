"""The bodies of `POST /v1/events` and its answer: they validate events and make /openapi.json."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from notifier.constrained import Instant, PastInstant
from notifier.schemas import ConsentIn, Identifier, Locale, PhoneText, Strict


class Envelope(Strict):
    """Fields every event carries."""

    id: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="Your own id for the event: the same id from the same key is a duplicate",
        examples=["evt-8812"],
    )
    occurred_at: PastInstant = Field(
        description="When it happened, with its offset; times in texts count from it when past",
        examples=["2026-11-28T11:05:00+02:00"],
    )
    queue_id: Identifier = Field(
        description="The queue, as put with PUT /v1/queues/{queue_id}", examples=["kaubamaja-desk"]
    )


class JoinedTicket(Strict):
    """The ticket in `ticket.joined`."""

    id: Identifier = Field(description="Your ticket number (reused once closed)", examples=["A17"])
    phone: PhoneText = Field(
        description="The customer's number in any common format; without a country code it is"
        " read in the region of the queue's time zone",
        examples=["(305) 555-0142"],
    )
    locale: Locale | None = Field(
        default=None, description="The customer's language (default: the queue's)", examples=["es"]
    )
    position: int = Field(ge=1, le=1_000_000, description="Place in line, 1 is next", examples=[4])
    eta_minutes: int | None = Field(
        default=None,
        ge=0,
        le=7 * 24 * 60,
        description="Estimated wait until called; gives the come-back time",
        examples=[25],
    )


class TicketJoined(Envelope):
    """A customer joined a queue."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "evt-8812",
                    "type": "ticket.joined",
                    "occurred_at": "2026-11-28T11:05:00-05:00",
                    "queue_id": "desk",
                    "ticket": {
                        "id": "A17",
                        "phone": "(305) 555-0142",
                        "position": 4,
                        "eta_minutes": 25,
                    },
                    "consent": {
                        "purposes": ["queue_updates"],
                        "action": "grant",
                        "method": "kiosk",
                        "captured_at": "2026-11-28T11:04:51-05:00",
                        "disclosure": {
                            "text": "Text me about my place in line.",
                            "version": "kiosk-3",
                        },
                    },
                }
            ]
        }
    )

    type: Literal["ticket.joined"] = Field(description="The event type", examples=["ticket.joined"])
    ticket: JoinedTicket = Field(description="The new ticket")
    consent: ConsentIn | None = Field(
        default=None, description="The opt-in (or opt-out) captured as the customer joined"
    )


class TicketRef(Strict):
    """A ticket named by id, with what changed."""

    id: Identifier = Field(description="Your ticket number", examples=["A17"])
    position: int | None = Field(
        default=None, ge=1, le=1_000_000, description="The new place in line", examples=[2]
    )
    eta_minutes: int | None = Field(
        default=None, ge=0, le=7 * 24 * 60, description="The new estimated wait", examples=[8]
    )


class TicketUpdated(Envelope):
    """A ticket moved in line or its estimate changed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "evt-8813",
                    "type": "ticket.updated",
                    "occurred_at": "2026-11-28T11:20:00-05:00",
                    "queue_id": "desk",
                    "ticket": {"id": "A17", "position": 2, "eta_minutes": 8},
                }
            ]
        }
    )

    type: Literal["ticket.updated"] = Field(
        description="The event type", examples=["ticket.updated"]
    )
    ticket: TicketRef = Field(description="The ticket and what changed")


class CalledTicket(Strict):
    """The ticket in `ticket.called`."""

    id: Identifier = Field(description="Your ticket number", examples=["A17"])
    counter: Annotated[str, Field(min_length=1, max_length=60)] | None = Field(
        default=None, description="Where to go", examples=["desk 3"]
    )


class TicketCalled(Envelope):
    """It is the customer's turn."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "evt-8814",
                    "type": "ticket.called",
                    "occurred_at": "2026-11-28T11:28:00-05:00",
                    "queue_id": "desk",
                    "ticket": {"id": "A17", "counter": "desk 3"},
                }
            ]
        }
    )

    type: Literal["ticket.called"] = Field(description="The event type", examples=["ticket.called"])
    ticket: CalledTicket = Field(description="The ticket called, and where to")


class ClosedTicket(Strict):
    """The ticket in `ticket.closed`."""

    id: Identifier = Field(description="Your ticket number", examples=["A17"])
    reason: Literal["served", "cancelled", "no_show"] = Field(
        description="Why it left the queue", examples=["served"]
    )


class TicketClosed(Envelope):
    """The ticket left the queue; pending texts for it are cancelled."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "evt-8815",
                    "type": "ticket.closed",
                    "occurred_at": "2026-11-28T11:40:00-05:00",
                    "queue_id": "desk",
                    "ticket": {"id": "A17", "reason": "served"},
                }
            ]
        }
    )

    type: Literal["ticket.closed"] = Field(description="The event type", examples=["ticket.closed"])
    ticket: ClosedTicket = Field(description="The ticket that left, and why")


class QueueDelayed(Envelope):
    """The whole queue runs late."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "evt-8816",
                    "type": "queue.delayed",
                    "occurred_at": "2026-11-28T11:30:00-05:00",
                    "queue_id": "desk",
                    "delay_minutes": 20,
                    "reason": "a system outage at the desk",
                    "action": "a second desk is opening",
                    "compensation": "your next visit skips the line",
                }
            ]
        }
    )

    type: Literal["queue.delayed"] = Field(description="The event type", examples=["queue.delayed"])
    delay_minutes: int = Field(
        ge=1, le=24 * 60, description="How much later every waiting ticket is", examples=[20]
    )
    reason: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Why, for the record (not blamed on anyone in the text)"
    )
    action: Annotated[str, Field(min_length=1, max_length=120)] | None = Field(
        default=None,
        description="What is being done about it",
        examples=["a second desk is opening"],
    )
    compensation: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None,
        description="What you offer for the wait",
        examples=["your next visit skips the line"],
    )


class ForecastWindow(Strict):
    """A coming busy window."""

    start: Instant = Field(
        description="When it starts, with its offset", examples=["2026-11-29T12:00:00-05:00"]
    )
    end: Instant = Field(
        description="When it ends, after `start`", examples=["2026-11-29T14:00:00-05:00"]
    )

    @model_validator(mode="after")
    def _ordered(self) -> ForecastWindow:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class QueuePeakForecast(Envelope):
    """Busy windows are coming: warn the subscribers of `peak_alerts` ahead of each."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "evt-8817",
                    "type": "queue.peak_forecast",
                    "occurred_at": "2026-11-28T18:00:00-05:00",
                    "queue_id": "desk",
                    "windows": [
                        {"start": "2026-11-29T12:00:00-05:00", "end": "2026-11-29T14:00:00-05:00"}
                    ],
                    "note": "holiday sale",
                }
            ]
        }
    )

    type: Literal["queue.peak_forecast"] = Field(
        description="The event type", examples=["queue.peak_forecast"]
    )
    windows: list[ForecastWindow] = Field(
        min_length=1, max_length=20, description="The busy windows coming"
    )
    note: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None,
        description="Why it will be busy, said in the warning",
        examples=["holiday sale"],
    )


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
