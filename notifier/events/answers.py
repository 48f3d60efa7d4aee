"""The answer to `POST /v1/events`: what was decided for each text, or how many it reaches."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from notifier.schemas import Decision


class NotificationOut(BaseModel):
    """The decision about one text an event causes."""

    id: str = Field(description="The text's id", examples=["msg_3f2a9c0d1e8b4a7f9e6d5c4b3a291807"])
    ticket_id: str | None = Field(description="Your ticket number", examples=["A17"])
    kind: str = Field(
        description="What the text is: joined, position_update, called, delayed, peak_alert...",
        examples=["joined"],
    )
    decision: Decision = Field(
        description="`queued` (goes now), `scheduled` (at `send_at`), `blocked` or `skipped`",
        examples=["queued"],
    )
    reason: str | None = Field(
        default=None,
        description="Why it was blocked, deferred or skipped",
        examples=["no_consent"],
    )
    send_at: datetime | None = Field(default=None, description="When a scheduled text goes")


class EventAccepted(BaseModel):
    """The answer to an accepted event (202), or to its duplicate (200)."""

    event_id: str = Field(description="Your event id", examples=["evt-8812"])
    duplicate: bool = Field(
        description="True when this answers an event already accepted (status 200)",
        examples=[False],
    )
    notifications: list[NotificationOut] | None = Field(
        default=None, description="Ticket events: the decision about each text it causes"
    )
    recipients: int | None = Field(
        default=None,
        description="Queue-wide events: how many are decided for, in the background",
        examples=[37],
    )
