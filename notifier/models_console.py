"""The compliance console's tables: staff accounts, the staff-access log, ledger checks, the
dashboard's rollup, and the indexes its period queries read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from notifier.db import Base
from notifier.models import ConsentRecord, Message, StatusStep


class StaffAccount(Base):
    """A compliance staff member who signs in to the console; only the password's hash is kept."""

    __tablename__ = "staff_accounts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    failed_signins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_signin_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]


class StaffAccess(Base):
    """One entry of the staff-access log: who looked at, downloaded or erased what, and when."""

    __tablename__ = "staff_access"
    __table_args__ = (
        Index("ix_staff_access_at", "at"),
        Index("ix_staff_access_subject", "subject", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    staff: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(64))


class LedgerCheck(Base):
    """One run of the ledger's verification, asked for by a staff member, run by a worker."""

    __tablename__ = "ledger_checks"
    __table_args__ = (Index("ix_ledger_checks_state", "state", "requested_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(10))
    job_id: Mapped[str | None] = mapped_column(String(60))
    total: Mapped[int | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    ok: Mapped[bool | None]
    records: Mapped[int | None]
    head: Mapped[str | None] = mapped_column(String(64))
    first_bad_record: Mapped[str | None] = mapped_column(String(40))
    first_bad_seq: Mapped[int | None]
    problem: Mapped[str | None] = mapped_column(String(200))


class MessageRollup(Base):
    """The texts decided in one hour for one queue, counted for the dashboard."""

    __tablename__ = "message_rollup"

    hour: Mapped[datetime] = mapped_column(primary_key=True)
    # "" for texts no queue owns (answers to a number no queue knows).
    queue_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    decided: Mapped[int]
    waiting: Mapped[int]
    sent: Mapped[int]
    delivered: Mapped[int]
    failed: Mapped[int]
    blocked: Mapped[int]
    skipped: Mapped[int]
    # Accepted by the provider (and so paid for), whatever became of them after.
    went: Mapped[int]
    segments: Mapped[int]
    delay_notices: Mapped[int]
    apologies: Mapped[int]
    peak_deferred: Mapped[int]
    # {error code, or "none": texts that failed with it}
    failures: Mapped[dict[str, Any]] = mapped_column(JSON)
    # {bucket index: texts sent that long after they were decided}
    latency: Mapped[dict[str, Any]] = mapped_column(JSON)


class RollupState(Base):
    """How far the rollup has folded in the messages' changes."""

    __tablename__ = "rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folded_until: Mapped[datetime | None]


# The console's period queries: messages and status changes by time, ledger records by time.
Index("ix_messages_created", Message.created_at, Message.id)
Index("ix_message_statuses_at", StatusStep.at)
Index("ix_consent_records_recorded", ConsentRecord.recorded_at)
