"""The request and response bodies of the API: they validate requests and make /openapi.json."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    model_validator,
)

Purpose = Literal["queue_updates", "peak_alerts"]
ProducerMethod = Literal["web_form", "kiosk", "paper", "verbal", "api"]
Method = Literal[
    "web_form",
    "kiosk",
    "paper",
    "verbal",
    "api",
    "sms_keyword",
    "sms_free_text",
    "carrier",
    "erasure",
]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Decision = Literal["queued", "scheduled", "blocked", "skipped"]

Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:~-]+$")]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Locale = Annotated[
    str, Field(min_length=2, max_length=16, pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$")
]


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Tallinn"
        ) from None
    return name


def _sender(value: str) -> str:
    if value.startswith("MG") and len(value) == 34:
        return value
    if value.startswith("+") and value[1:].isdigit() and 8 <= len(value) <= 16:
        return value
    raise ValueError("must be an E.164 number (+37256000000) or a Messaging Service SID (MG...)")


TimeZoneName = Annotated[str, AfterValidator(_known_timezone)]
Sender = Annotated[str, AfterValidator(_sender)]


class Strict(BaseModel):
    """A request body: unknown fields are errors, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", strict=True)


class PeakHours(Strict):
    """A recurring busy window in the queue's local time."""

    days: list[Day] = Field(min_length=1)
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> PeakHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class QueueSettings(Strict):
    """`PUT /v1/queues/{queue_id}`: a queue's settings."""

    name: ShortText
    timezone: TimeZoneName
    locale: Locale = "en"
    brand: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    contact: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    sender: Sender | None = None
    notify_at_positions: list[Annotated[int, Field(ge=1, le=10_000)]] = Field(
        default_factory=lambda: [10, 5, 2], max_length=20
    )
    eta_change_minutes: int = Field(default=10, ge=1, le=24 * 60)
    hold_minutes: int = Field(default=5, ge=1, le=24 * 60)
    peak_hours: list[PeakHours] = Field(default_factory=list, max_length=50)
    peak_alert_lead_minutes: int = Field(default=120, ge=0, le=7 * 24 * 60)
    reply_webhook_url: HttpUrl | None = None


class QueueOut(QueueSettings):
    """A queue as stored."""

    model_config = ConfigDict(extra="ignore", strict=False)

    id: str
    created_at: datetime
    updated_at: datetime


class Disclosure(Strict):
    """What the customer was shown when they agreed."""

    text: Annotated[str, Field(min_length=1, max_length=2000)]
    version: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    language: Locale | None = None


class Evidence(BaseModel):
    """How the consent was captured: free-form, kept as given."""

    model_config = ConfigDict(extra="allow", strict=True)

    ip: Annotated[str, Field(max_length=100)] | None = None
    user_agent: Annotated[str, Field(max_length=500)] | None = None
    location: Annotated[str, Field(max_length=200)] | None = None
    staff_id: Annotated[str, Field(max_length=100)] | None = None


class ConsentIn(Strict):
    """An opt-in or opt-out the producer captured (in `ticket.joined`, without `phone`)."""

    purposes: list[Purpose] = Field(min_length=1)
    action: Literal["grant", "revoke"]
    method: ProducerMethod
    captured_at: AwareDatetime | None = None
    disclosure: Disclosure | None = None
    evidence: Evidence = Field(default_factory=Evidence)


class ConsentRequest(ConsentIn):
    """`POST /v1/consents`: one record for the ledger."""

    phone: Annotated[str, Field(min_length=3, max_length=40)]
    queue_id: Identifier | None = None


class ConsentRecordOut(BaseModel):
    """One ledger record."""

    id: str
    seq: int
    phone: str | None
    subject: str
    purposes: list[Purpose]
    action: Literal["grant", "revoke"]
    method: Method
    disclosure: dict[str, Any] | None
    captured_at: datetime | None
    recorded_at: datetime
    evidence: dict[str, Any]
    source: str
    jurisdiction: str
    prev_hash: str
    hash: str


class PurposeStateOut(BaseModel):
    """The current state of one purpose for a number."""

    status: Literal["granted", "revoked", "none"]
    since: datetime | None
    record_id: str | None


class ConsentStatusOut(BaseModel):
    """`GET /v1/consents/{phone}`: state per purpose and the full history."""

    phone: str
    jurisdiction: str
    suppressed: bool
    purposes: dict[str, PurposeStateOut]
    history: list[ConsentRecordOut]


class Health(BaseModel):
    """Liveness and readiness answers."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)


class Problem(BaseModel):
    """An error (RFC 9457 problem details)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] = Field(default_factory=list)
