"""The tables. UTC in the database; local time only in the texts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    Sequence,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from notifier.db import Base


def new_id(prefix: str) -> str:
    """A random id that says what it names, e.g. `msg_3f2a...`."""
    return f"{prefix}_{uuid.uuid4().hex}"


class ApiKey(Base):
    """A producer's or operator's key; only its hash is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Queue(Base):
    """A waiting line and how its customers are texted."""

    __tablename__ = "queues"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16))
    brand: Mapped[str | None] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(200))
    sender: Mapped[str | None] = mapped_column(String(40))
    notify_at_positions: Mapped[list[int]] = mapped_column(JSON)
    eta_change_minutes: Mapped[int]
    hold_minutes: Mapped[int]
    peak_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    peak_alert_lead_minutes: Mapped[int]
    reply_webhook_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Ticket(Base):
    """A customer's place in a queue; `version` grows with every change."""

    __tablename__ = "tickets"
    # Producers reuse ticket ids ("A17" every day), so a ticket id names the open ticket only.
    __table_args__ = (
        Index("ix_tickets_ticket_id", "queue_id", "ticket_id", "state"),
        Index("ix_tickets_waiting", "queue_id", "state", "position"),
        Index("ix_tickets_subject", "subject"),
        # A peak fan-out pages through a queue's customers by number.
        Index("ix_tickets_queue_subject", "queue_id", "subject"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    queue_id: Mapped[str] = mapped_column(ForeignKey("queues.id"))
    ticket_id: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[int | None]
    eta_minutes: Mapped[int | None]
    counter: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16))
    close_reason: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # What the customer was last told, so that updates text only what matters to them.
    notified_position: Mapped[int | None]
    notified_call_at: Mapped[datetime | None]
    joined_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_event_at: Mapped[datetime]
    last_apology_at: Mapped[datetime | None]

    queue: Mapped[Queue] = relationship(lazy="joined")


class Event(Base):
    """An accepted event and the answer it got, so a duplicate gets the same answer."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("api_key_id", "event_id"),
        UniqueConstraint("api_key_id", "idempotency_key"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    api_key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"))
    event_id: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40))
    queue_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)


class Message(Base):
    """One text decided: what it says, why it may or may not go, and what became of it."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_due", "status", "enqueued_at"),
        Index("ix_messages_ticket", "ticket_pk", "status"),
        Index("ix_messages_subject", "subject", "created_at"),
        Index("ix_messages_provider_sid", "provider_sid"),
        Index("ix_messages_fanout", "fanout_id", "subject"),
        # Which tickets of a batch a delay fan-out has decided already (it may run twice).
        Index("ix_messages_fanout_ticket", "fanout_id", "ticket_pk"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_pk: Mapped[str | None] = mapped_column(ForeignKey("events.id"))
    fanout_id: Mapped[str | None] = mapped_column(ForeignKey("fanouts.id"))
    queue_id: Mapped[str | None] = mapped_column(String(64))
    ticket_pk: Mapped[str | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    ticket_version: Mapped[int | None]
    ticket_ref: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str | None] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))
    locale: Mapped[str] = mapped_column(String(16))
    body: Mapped[str | None] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(String(8))
    segments: Mapped[int]
    priority: Mapped[str] = mapped_column(String(10))
    decision: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(60))
    consent_record_id: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    # As long as a history step's detail: a provider's refusal is kept in full on both.
    status_reason: Mapped[str | None] = mapped_column(String(200))
    send_at: Mapped[datetime | None]
    provider_sid: Mapped[str | None] = mapped_column(String(40))
    error_code: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    enqueued_at: Mapped[datetime | None]
    job_id: Mapped[str | None] = mapped_column(String(60))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    history: Mapped[list[StatusStep]] = relationship(
        order_by="StatusStep.id", cascade="all, delete-orphan", lazy="selectin"
    )


class Fanout(Base):
    """A queue-wide job (delay notices, peak-hour warnings) that decides texts for many."""

    __tablename__ = "fanouts"
    __table_args__ = (Index("ix_fanouts_state", "state", "enqueued_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    queue_id: Mapped[str] = mapped_column(ForeignKey("queues.id"))
    event_pk: Mapped[str | None] = mapped_column(ForeignKey("events.id"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(12))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[str | None] = mapped_column(String(60))
    enqueued_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class StatusStep(Base):
    """One step in a message's life: decided, sent, delivered, failed..."""

    __tablename__ = "message_statuses"
    # A message's history is loaded with it (`Message.history`): without this, a full scan.
    __table_args__ = (Index("ix_message_statuses_message", "message_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[int | None]
    detail: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]


class EarlyCallback(Base):
    """A status callback that came before the worker recorded its message's provider id."""

    __tablename__ = "early_callbacks"
    __table_args__ = (Index("ix_early_callbacks_sid", "message_sid", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_sid: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[int | None]
    received_at: Mapped[datetime]


class Subject(Base):
    """A phone number beside its keyed pseudonym, kept apart so erasure can remove it."""

    __tablename__ = "subjects"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime]


class Suppression(Base):
    """A number that must not be texted (unreachable), by pseudonym; survives erasure."""

    __tablename__ = "suppressions"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40))
    error_code: Mapped[int | None]
    created_at: Mapped[datetime]


# Numbers the ledger's records without a lock (PostgreSQL; SQLite has one writer at a time).
CONSENT_SEQ = Sequence("consent_records_seq")


class ConsentRecord(Base):
    """One entry of the append-only consent ledger, a leaf of its Merkle tree once sequenced."""

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consent_records_subject", "subject", "seq"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, CONSENT_SEQ, unique=True)
    subject: Mapped[str] = mapped_column(String(64))
    purposes: Mapped[list[str]] = mapped_column(JSON)
    action: Mapped[str] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(20))
    disclosure_text: Mapped[str | None] = mapped_column(Text)
    disclosure_version: Mapped[str | None] = mapped_column(String(100))
    disclosure_language: Mapped[str | None] = mapped_column(String(16))
    captured_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime]
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(100))
    jurisdiction: Mapped[str] = mapped_column(String(8))
    # Set only on records chained one to the next before the ledger became a tree.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class InboundReply(Base):
    """A text a customer sent us, kept to answer calmly and at most so often."""

    __tablename__ = "inbound_replies"
    __table_args__ = (Index("ix_inbound_subject", "subject", "received_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    provider_sid: Mapped[str | None] = mapped_column(String(40), unique=True)
    subject: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    to: Mapped[str] = mapped_column(String(40))
    body: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(12))
    received_at: Mapped[datetime]
    # How the reply was read, so staff can see why: opt_out, not_opt_out or unclear, the
    # reader's rule and the words that decided it (NULL for replies kept from before).
    verdict: Mapped[str | None] = mapped_column(String(12))
    rule: Mapped[str | None] = mapped_column(String(32))
    words: Mapped[list[str] | None] = mapped_column(JSON)
