"""The bodies of `PUT /v1/queues/{queue_id}` and its answer: a queue's settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from notifier.constrained import LocalTime
from notifier.schemas import (
    Day,
    Locale,
    Sender,
    ShortText,
    Strict,
    TimeZoneName,
    WebhookUrl,
)


class PeakHours(Strict):
    """A recurring busy window in the queue's local time."""

    days: list[Day] = Field(
        min_length=1, description="Days of the week it recurs on", examples=[["sat", "sun"]]
    )
    start: LocalTime = Field(description="Local start time (inclusive)", examples=["12:00"])
    end: LocalTime = Field(
        description="Local end time (exclusive), after `start`", examples=["14:00"]
    )

    @model_validator(mode="after")
    def _ordered(self) -> PeakHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class QueueSettings(Strict):
    """`PUT /v1/queues/{queue_id}`: a queue's settings."""

    name: ShortText = Field(
        description="The queue's name, shown to staff", examples=["Kaubamaja service desk"]
    )
    timezone: TimeZoneName = Field(
        description="IANA time zone: local times in texts, and the region of local numbers",
        examples=["Europe/Tallinn"],
    )
    locale: Locale = Field(
        default="en",
        description="Language of the texts when the ticket names none (en, es, zh, et)",
        examples=["et"],
    )
    brand: Annotated[str, Field(min_length=1, max_length=40)] | None = Field(
        default=None, description="Who the texts are from (default: `name`)", examples=["Kaubamaja"]
    )
    contact: Annotated[str, Field(min_length=1, max_length=80)] | None = Field(
        default=None,
        description="Named in HELP answers (default: the service's SUPPORT_CONTACT)",
        examples=["kaubamaja.ee/abi or +372 600 0000"],
    )
    sender: Sender | None = Field(
        default=None,
        description="E.164 number or Twilio Messaging Service SID the texts go from"
        " (default: the service's sender)",
        examples=["+37256000000"],
    )
    notify_at_positions: list[Annotated[int, Field(ge=1, le=10_000)]] = Field(
        default_factory=lambda: [10, 5, 2],
        max_length=20,
        description="Places in line that, once reached, are worth a text",
        examples=[[10, 5, 2]],
    )
    eta_change_minutes: int = Field(
        default=10,
        ge=1,
        le=24 * 60,
        description="A new estimate moving the call time by at least this much is texted",
        examples=[10],
    )
    hold_minutes: int = Field(
        default=5,
        ge=1,
        le=24 * 60,
        description="How long a called customer's place is held (said in the text)",
        examples=[5],
    )
    peak_hours: list[PeakHours] = Field(
        default_factory=list,
        max_length=50,
        description="Recurring busy windows: warned about ahead, and named on joining",
        examples=[[{"days": ["sat", "sun"], "start": "12:00", "end": "14:00"}]],
    )
    peak_alert_lead_minutes: int = Field(
        default=120,
        ge=0,
        le=7 * 24 * 60,
        description="How long before a peak window its warning is sent",
        examples=[120],
    )
    reply_webhook_url: WebhookUrl | None = Field(
        default=None,
        description="Where customers' texts the service does not answer itself are forwarded"
        " (signed: see the `replyForwarded` webhook)",
        examples=["https://booking.example.com/hooks/sms-replies"],
    )


class QueueOut(QueueSettings):
    """A queue as stored."""

    model_config = ConfigDict(extra="ignore", strict=False)

    id: str = Field(description="The queue's id, as in the path", examples=["kaubamaja-desk"])
    # As stored: a name taken before the rule of places held still reads back.
    timezone: str = Field(description="IANA time zone", examples=["Europe/Tallinn"])
    created_at: datetime = Field(description="When the queue was first put")
    updated_at: datetime = Field(description="When its settings last changed")
