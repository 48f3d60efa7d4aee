"""The request and response bodies of the API: they validate requests and make /openapi.json."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    UrlConstraints,
    WithJsonSchema,
    model_validator,
)

from notifier.constrained import PastInstant, ZoneName
from notifier.senders import is_alphanumeric

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


def _sender(value: str) -> str:
    if value.startswith("MG") and len(value) == 34:
        return value
    if value.startswith("+") and value[1:].isdigit() and 8 <= len(value) <= 16:
        return value
    if is_alphanumeric(value):
        return value
    raise ValueError(
        "must be an E.164 number (+37256000000), a Messaging Service SID (MG...)"
        " or an alphanumeric sender id (at most 11 letters, digits and spaces)"
    )


TimeZoneName = ZoneName
# A number as a producer or a customer wrote it; parsed (phonenumbers) where it is used.
PhoneText = Annotated[str, Field(min_length=3, max_length=40)]
WebhookUrl = Annotated[HttpUrl, UrlConstraints(max_length=500)]
Sender = Annotated[str, AfterValidator(_sender)]
MAX_EVIDENCE_TEXT = 500
MAX_EVIDENCE_INT = 2**53  # an integer JSON carries exactly everywhere


def _evidence_value(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) <= MAX_EVIDENCE_INT:
        return value
    if isinstance(value, str) and len(value) <= MAX_EVIDENCE_TEXT:
        return value
    raise ValueError(
        f"must be text (up to {MAX_EVIDENCE_TEXT} characters), an integer, a boolean or null"
    )


# Evidence of the producer's own: a few named values, kept as given (and hashed into the ledger).
EvidenceValue = Annotated[
    Any,
    AfterValidator(_evidence_value),
    WithJsonSchema(
        {"type": ["string", "integer", "boolean", "null"], "maxLength": MAX_EVIDENCE_TEXT}
    ),
]
EVIDENCE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_EVIDENCE_FIELDS = 20


class Strict(BaseModel):
    """A request body: unknown fields are errors, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Disclosure(Strict):
    """What the customer was shown when they agreed."""

    text: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        description="The exact words the customer agreed to",
        examples=["Text me about my place in line. Msg&data rates may apply. Reply STOP to end."],
    )
    version: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="Your version of that wording", examples=["kiosk-3"]
    )
    language: Locale | None = Field(
        default=None, description="The language it was shown in", examples=["en"]
    )


class Evidence(BaseModel):
    """How the consent was captured: the named fields, and up to 20 more of the producer's own."""

    model_config = ConfigDict(
        extra="allow",
        strict=True,
        json_schema_extra={
            "maxProperties": 4 + MAX_EVIDENCE_FIELDS,
            "propertyNames": {"pattern": f"^{EVIDENCE_NAME.pattern}$"},
        },
    )
    __pydantic_extra__: dict[str, EvidenceValue] = Field(init=False)

    ip: Annotated[str, Field(max_length=100)] | None = Field(
        default=None, description="The customer's IP address (web forms)", examples=["203.0.113.9"]
    )
    user_agent: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="The customer's browser (web forms)", examples=["Mozilla/5.0"]
    )
    location: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="Where it was captured (kiosk, desk)", examples=["desk-2"]
    )
    staff_id: Annotated[str, Field(max_length=100)] | None = Field(
        default=None, description="Who captured it (paper, verbal)", examples=["s-17"]
    )

    @model_validator(mode="after")
    def _few_and_named(self) -> Evidence:
        extra = self.__pydantic_extra__ or {}
        if len(extra) > MAX_EVIDENCE_FIELDS:
            raise ValueError(f"at most {MAX_EVIDENCE_FIELDS} fields of your own")
        for name in extra:
            if not EVIDENCE_NAME.fullmatch(name):
                raise ValueError(f"{name[:64]!r} is not a field name: use letters, digits, _ . -")
        return self


class ConsentIn(Strict):
    """An opt-in or opt-out the producer captured (in `ticket.joined`, without `phone`)."""

    purposes: list[Purpose] = Field(
        min_length=1,
        description="`queue_updates` (texts about the customer's own ticket) and/or"
        " `peak_alerts` (busy-hour warnings)",
        examples=[["queue_updates", "peak_alerts"]],
    )
    action: Literal["grant", "revoke"] = Field(
        description="An opt-in or an opt-out", examples=["grant"]
    )
    method: ProducerMethod = Field(description="How it was captured", examples=["kiosk"])
    captured_at: PastInstant | None = Field(
        default=None,
        description="When the customer agreed; required for EU/EEA/UK numbers and peak_alerts",
        examples=["2026-11-28T11:04:51+02:00"],
    )
    disclosure: Disclosure | None = Field(
        default=None,
        description="What the customer was shown; required for EU/EEA/UK numbers and peak_alerts",
    )
    evidence: Evidence = Field(
        default_factory=Evidence,
        description="How it was captured: any further fields are kept as given",
        examples=[{"location": "desk-2", "staff_id": "s-17"}],
    )


class ConsentRequest(ConsentIn):
    """`POST /v1/consents`: one record for the ledger."""

    phone: PhoneText = Field(
        description="The number, in any common format; with no country code, `queue_id` is needed",
        examples=["+1 305 555 0142"],
    )
    queue_id: Identifier | None = Field(
        default=None,
        description="A queue whose region a number without a country code is read in",
        examples=["kaubamaja-desk"],
    )


class ConsentRecordOut(BaseModel):
    """One ledger record."""

    id: str = Field(description="The record's id", examples=["cr_3f2a9c0d1e8b4a7f9e6d5c4b3a291807"])
    seq: int = Field(description="Its place in the ledger, from 1", examples=[1234])
    phone: str | None = Field(
        description="The number in E.164; null once the number was erased",
        examples=["+13055550142"],
    )
    subject: str = Field(description="The number's keyed pseudonym (kept after erasure)")
    purposes: list[Purpose] = Field(
        description="What it grants or revokes", examples=[["queue_updates"]]
    )
    action: Literal["grant", "revoke"] = Field(description="Opt-in or opt-out", examples=["grant"])
    method: Method = Field(
        description="How it was captured; `sms_*`, `carrier` and `erasure` are the service's own",
        examples=["kiosk"],
    )
    disclosure: dict[str, Any] | None = Field(
        description="What the customer was shown: text, version, language",
        examples=[{"text": "Text me about my place in line.", "version": "kiosk-3"}],
    )
    captured_at: datetime | None = Field(description="When the customer agreed or refused")
    recorded_at: datetime = Field(description="When the service appended the record")
    evidence: dict[str, Any] = Field(
        description="How it was captured, as given; for replies, the text and Twilio's id",
        examples=[{"location": "desk-2"}],
    )
    source: str = Field(
        description="Who appended it: `key:<API key name>` or `sms:<MessageSid>`",
        examples=["key:booking-system"],
    )
    jurisdiction: str = Field(description="Whose rules apply to the number", examples=["US-FL"])
    prev_hash: str | None = Field(description="The hash of the record before it (SHA-256, hex)")
    hash: str = Field(description="This record's chain hash (SHA-256, hex)")


class PurposeStateOut(BaseModel):
    """The current state of one purpose for a number."""

    status: Literal["granted", "revoked", "none"] = Field(
        description="Whether texts for this purpose may go", examples=["granted"]
    )
    since: datetime | None = Field(description="When the record that decided it was appended")
    record_id: str | None = Field(description="That record's id")


class ConsentStatusOut(BaseModel):
    """`GET /v1/consents/{phone}`: state per purpose and the full history."""

    phone: str = Field(description="The number in E.164", examples=["+13055550142"])
    jurisdiction: str = Field(description="Whose rules apply to the number", examples=["US-FL"])
    suppressed: bool = Field(
        description="True while nothing at all may be texted to the number: it opted out by"
        " text (STOP, or any words read as stop) and has not opted back in, it was erased, or"
        " the carrier said it cannot be reached",
        examples=[False],
    )
    purposes: dict[str, PurposeStateOut] = Field(description="The current state per purpose")
    history: list[ConsentRecordOut] = Field(description="Every record about it, oldest first")


class Health(BaseModel):
    """Liveness and readiness answers."""

    status: Literal["ok", "unavailable"] = Field(description="The verdict", examples=["ok"])
    checks: dict[str, str] = Field(
        default_factory=dict,
        description="Each dependency: `ok` or the error that came back",
        examples=[{"database": "ok", "redis": "ok"}],
    )


class Problem(BaseModel):
    """An error (RFC 9457 problem details)."""

    type: str = Field(
        description="A URI naming the kind of problem",
        examples=["https://notifier.dev/problems/validation"],
    )
    title: str = Field(description="The kind, in words", examples=["Validation failed"])
    status: int = Field(description="The HTTP status", examples=[422])
    detail: str = Field(
        description="What went wrong here", examples=["ticket.phone: is not a valid phone number"]
    )
    errors: list[dict[str, str]] = Field(
        default_factory=list,
        description="Each invalid field by its dotted path, and why",
        examples=[[{"field": "ticket.phone", "message": "is not a valid phone number"}]],
    )
