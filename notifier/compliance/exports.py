"""How stored rows are shown to compliance staff and to data subjects: one shape everywhere.

The audit exports and a subject's export use the same models, so a message or a ticket reads
the same whichever door it is fetched through.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from consent.records import PurposeState
from notifier.models import ConsentRecord, InboundReply, Message, StatusStep, Ticket
from notifier.schemas import ConsentRecordOut, PurposeStateOut


class Out(BaseModel):
    """A row as shown: read from the ORM object's attributes."""

    model_config = ConfigDict(from_attributes=True)


class StatusStepOut(Out):
    """One step of a text's delivery history."""

    status: str = Field(description="The status the text moved to")
    error_code: int | None = Field(description="The provider's error code, if any")
    detail: str | None = Field(description="Why, or the provider's words")
    source: str = Field(
        description="Who recorded the step: decision, worker, callback, reply, erasure"
    )
    at: datetime = Field(description="When")


class ReliedOnOut(Out):
    """The consent record a text's decision relied on."""

    id: str = Field(description="The ledger record's id")
    seq: int = Field(description="Its place in the ledger")
    action: str = Field(description="grant or revoke")
    method: str = Field(description="How it was captured")
    captured_at: datetime | None = Field(description="When the customer agreed")
    recorded_at: datetime = Field(description="When it was appended")


class MessageOut(BaseModel):
    """One text decided: to whom, why, what it said, what the rules said, what became of it."""

    id: str = Field(description="The text's id")
    created_at: datetime = Field(description="When it was decided")
    queue_id: str | None = Field(description="Its queue")
    ticket_id: str | None = Field(description="The producer's ticket number")
    recipient: str | None = Field(
        description="The number in E.164; null once erased or past retention"
    )
    subject: str = Field(description="The number's keyed pseudonym")
    sender: str | None = Field(description="The number or Messaging Service it goes from")
    purpose: str = Field(
        description="queue_updates, peak_alerts or service (answers to the customer)"
    )
    kind: str = Field(
        description="What the text is: joined, position_update, called, delayed, help..."
    )
    locale: str = Field(description="Its language")
    body: str | None = Field(description="What it says; null once erased or past retention")
    segments: int = Field(description="SMS segments it takes")
    encoding: str = Field(description="GSM-7 or UCS-2")
    priority: str = Field(description="urgent, default or bulk")
    decision: str = Field(description="queued, scheduled, blocked or skipped")
    reason: str | None = Field(description="Why it was blocked, deferred or skipped")
    rule: str = Field(description="The rule that decided it")
    consent_record_id: str | None = Field(description="The ledger record the decision relied on")
    consent_record: ReliedOnOut | None = Field(description="That record, in short")
    send_at: datetime | None = Field(description="When a scheduled text goes")
    status: str = Field(description="Where it is now: pending, sending, sent, delivered, failed...")
    provider_sid: str | None = Field(description="Twilio's id for it")
    error_code: int | None = Field(description="The provider's error code, if it failed")
    sent_at: datetime | None = Field(description="When the provider took it")
    history: list[StatusStepOut] = Field(description="Every status it went through, in order")


class TicketOut(Out):
    """A ticket as held about a number."""

    id: str = Field(description="The service's id for the ticket")
    queue_id: str = Field(description="Its queue")
    ticket_id: str = Field(description="The producer's ticket number")
    phone: str | None = Field(description="The number in E.164")
    locale: str | None = Field(description="The customer's language, if given")
    position: int | None = Field(description="Place in line")
    eta_minutes: int | None = Field(description="Estimated wait")
    counter: str | None = Field(description="Where the customer was called to")
    state: str = Field(description="waiting, called or closed")
    close_reason: str | None = Field(description="served, cancelled, no_show or replaced")
    joined_at: datetime = Field(description="When it joined")
    updated_at: datetime = Field(description="When it last changed")


class InboundOut(Out):
    """A text the customer sent us."""

    id: str = Field(description="The service's id for the text")
    provider_sid: str | None = Field(description="Twilio's MessageSid")
    phone: str | None = Field(description="Who wrote, in E.164")
    to: str = Field(description="The number written to")
    body: str | None = Field(description="What they wrote")
    kind: str = Field(description="How it was read: opt_out, opt_in, help, status, other")
    received_at: datetime = Field(description="When it arrived")
    verdict: str | None = Field(description="How it was read: opt_out, not_opt_out or unclear")
    rule: str | None = Field(description="The reader's rule that decided it")
    words: list[str] | None = Field(description="The words that decided it")


class SuppressionOut(Out):
    """The carrier said the number cannot be texted."""

    reason: str = Field(description="Why the number cannot be texted")
    error_code: int | None = Field(description="The carrier's error code")
    created_at: datetime = Field(description="Since when")


class SubjectExport(BaseModel):
    """`GET /v1/subjects/{phone}`: everything held about one number (GDPR Arts. 15, 20)."""

    phone: str | None = Field(description="The number, while any row still holds it")
    subject: str = Field(description="Its keyed pseudonym")
    jurisdiction: str = Field(description="Whose rules apply to it")
    exported_at: datetime = Field(description="When this export was made")
    consent: dict[str, PurposeStateOut] = Field(description="The current state per purpose")
    suppression: SuppressionOut | None = Field(
        description="Whether the carrier said it cannot be texted"
    )
    consent_records: list[ConsentRecordOut] = Field(description="Every ledger record about it")
    tickets: list[TicketOut] = Field(description="Its tickets")
    messages: list[MessageOut] = Field(description="Every text decided for it")
    inbound_replies: list[InboundOut] = Field(description="Every text it sent")


class ErasureOut(BaseModel):
    """`DELETE /v1/subjects/{phone}`: what erasure removed, and what it kept and why."""

    subject: str = Field(description="The erased number's pseudonym")
    erased_at: datetime = Field(description="When")
    revocation_record_id: str | None = Field(
        description="The erasure revocation appended to the ledger, if it ever granted"
    )
    texts_cancelled: int = Field(description="Texts not yet sent that will not go")
    messages_scrubbed: int = Field(description="Texts whose number and body were removed")
    tickets_deleted: int = Field(description="Tickets deleted")
    inbound_scrubbed: int = Field(description="Its texts whose words and number were removed")
    kept: str = Field(description="What was kept, and why")


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


def step_out(step: StatusStep) -> StatusStepOut:
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
    # Validated, not trusted: the stored strings must still be what the contract allows.
    return ConsentRecordOut.model_validate(
        {
            "id": row.id,
            "seq": row.seq,
            "phone": phone,
            "subject": row.subject,
            "purposes": row.purposes,
            "action": row.action,
            "method": row.method,
            "disclosure": disclosure,
            "captured_at": row.captured_at,
            "recorded_at": row.recorded_at,
            "evidence": row.evidence,
            "source": row.source,
            "jurisdiction": row.jurisdiction,
            "prev_hash": row.prev_hash,
            "hash": row.hash,
        }
    )


def purpose_states(state: Mapping[str, PurposeState]) -> dict[str, PurposeStateOut]:
    """Each purpose's consent state as the API shows it."""
    return {
        purpose: PurposeStateOut.model_validate(
            {"status": s.status, "since": s.since, "record_id": s.record_id}
        )
        for purpose, s in state.items()
    }
