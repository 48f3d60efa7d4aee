"""How stored rows are shown to compliance staff and to data subjects: one shape everywhere.

The audit exports and a subject's export use the same models, so a message or a ticket reads
the same whichever door it is fetched through.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from notifier.models import ConsentRecord, InboundReply, Message, MessageStatus, Ticket
from notifier.schemas import ConsentRecordOut, PurposeStateOut


class Out(BaseModel):
    """A row as shown: read from the ORM object's attributes."""

    model_config = ConfigDict(from_attributes=True)


class StatusStepOut(Out):
    """One step of a text's delivery history."""

    status: str
    error_code: int | None
    detail: str | None
    source: str
    at: datetime


class ReliedOnOut(Out):
    """The consent record a text's decision relied on."""

    id: str
    seq: int
    action: str
    method: str
    captured_at: datetime | None
    recorded_at: datetime


class MessageOut(BaseModel):
    """One text decided: to whom, why, what it said, what the rules said, what became of it."""

    id: str
    created_at: datetime
    queue_id: str | None
    ticket_id: str | None
    recipient: str | None
    subject: str
    sender: str | None
    purpose: str
    kind: str
    locale: str
    body: str | None
    segments: int
    encoding: str
    priority: str
    decision: str
    reason: str | None
    rule: str
    consent_record_id: str | None
    consent_record: ReliedOnOut | None
    send_at: datetime | None
    status: str
    provider_sid: str | None
    error_code: int | None
    sent_at: datetime | None
    history: list[StatusStepOut]


class TicketOut(Out):
    """A ticket as held about a number."""

    id: str
    queue_id: str
    ticket_id: str
    phone: str | None
    locale: str | None
    position: int | None
    eta_minutes: int | None
    counter: str | None
    state: str
    close_reason: str | None
    joined_at: datetime
    updated_at: datetime


class InboundOut(Out):
    """A text the customer sent us."""

    id: str
    provider_sid: str | None
    phone: str | None
    to: str
    body: str | None
    kind: str
    received_at: datetime


class SuppressionOut(Out):
    """The carrier said the number cannot be texted."""

    reason: str
    error_code: int | None
    created_at: datetime


class SubjectExport(BaseModel):
    """`GET /v1/subjects/{phone}`: everything held about one number (GDPR Arts. 15, 20)."""

    phone: str | None
    subject: str
    jurisdiction: str
    exported_at: datetime
    consent: dict[str, PurposeStateOut]
    suppression: SuppressionOut | None
    consent_records: list[ConsentRecordOut]
    tickets: list[TicketOut]
    messages: list[MessageOut]
    inbound_replies: list[InboundOut]


class ErasureOut(BaseModel):
    """`DELETE /v1/subjects/{phone}`: what erasure removed, and what it kept and why."""

    subject: str
    erased_at: datetime
    revocation_record_id: str | None
    texts_cancelled: int
    messages_scrubbed: int
    tickets_deleted: int
    inbound_scrubbed: int
    kept: str


class VerifyOut(BaseModel):
    """`GET /v1/audit/verify`: whether the hash chain still holds, and where it breaks."""

    ok: bool
    records: int
    head: str
    first_bad_record: str | None = None
    first_bad_seq: int | None = None
    problem: str | None = None


def message_out(message: Message, relied_on: ConsentRecord | None) -> MessageOut:
    """A message row, its consent record and its history as shown."""
    return MessageOut(
        id=message.id,
        created_at=message.created_at,
        queue_id=message.queue_id,
        ticket_id=message.ticket_ref,
        recipient=message.phone,
        subject=message.subject,
        sender=message.sender,
        purpose=message.purpose,
        kind=message.kind,
        locale=message.locale,
        body=message.body,
        segments=message.segments,
        encoding=message.encoding,
        priority=message.priority,
        decision=message.decision,
        reason=message.reason,
        rule=message.rule,
        consent_record_id=message.consent_record_id,
        consent_record=ReliedOnOut.model_validate(relied_on) if relied_on else None,
        send_at=message.send_at,
        status=message.status,
        provider_sid=message.provider_sid,
        error_code=message.error_code,
        sent_at=message.sent_at,
        history=[step_out(step) for step in message.history],
    )


def step_out(step: MessageStatus) -> StatusStepOut:
    """One history step as shown."""
    return StatusStepOut.model_validate(step)


def ticket_out(ticket: Ticket) -> TicketOut:
    """A ticket row as shown."""
    return TicketOut.model_validate(ticket)


def inbound_out(row: InboundReply) -> InboundOut:
    """An inbound text as shown."""
    return InboundOut.model_validate(row)


def flat(model: BaseModel) -> dict[str, Any]:
    """A model as JSON-ready values: nested parts stay nested (CSV writes them as JSON)."""
    return model.model_dump(mode="json")


def consent_record_out(row: ConsentRecord, phone: str | None) -> ConsentRecordOut:
    """A ledger row as the API shows it."""
    disclosure = None
    if row.disclosure_text is not None:
        disclosure = {
            "text": row.disclosure_text,
            "version": row.disclosure_version,
            "language": row.disclosure_language,
        }
    return ConsentRecordOut(
        id=row.id,
        seq=row.seq,
        phone=phone,
        subject=row.subject,
        purposes=row.purposes,  # type: ignore[arg-type]
        action=row.action,  # type: ignore[arg-type]
        method=row.method,  # type: ignore[arg-type]
        disclosure=disclosure,
        captured_at=row.captured_at,
        recorded_at=row.recorded_at,
        evidence=row.evidence,
        source=row.source,
        jurisdiction=row.jurisdiction,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
