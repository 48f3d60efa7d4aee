"""the compliance console: staff accounts, the staff-access log, ledger checks, the rollup

The lead re-chains this revision behind the other 0002 when merging.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import notifier.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_checks",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("job_id", sa.String(length=60), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("started_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=True),
        sa.Column("head", sa.String(length=64), nullable=True),
        sa.Column("first_bad_record", sa.String(length=40), nullable=True),
        sa.Column("first_bad_seq", sa.Integer(), nullable=True),
        sa.Column("problem", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_checks", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_checks_state", ["state", "requested_at"], unique=False)

    op.create_table(
        "message_rollup",
        sa.Column("hour", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("queue_id", sa.String(length=64), nullable=False),
        sa.Column("decided", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("went", sa.Integer(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("delay_notices", sa.Integer(), nullable=False),
        sa.Column("apologies", sa.Integer(), nullable=False),
        sa.Column("peak_deferred", sa.Integer(), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("latency", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "queue_id"),
    )
    op.create_table(
        "rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("folded_until", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "staff_access",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("staff", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_access", schema=None) as batch_op:
        batch_op.create_index("ix_staff_access_at", ["at"], unique=False)
        batch_op.create_index("ix_staff_access_subject", ["subject", "at"], unique=False)

    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("failed_signins", sa.Integer(), nullable=False),
        sa.Column("locked_until", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_signin_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_index("ix_consent_records_recorded", "consent_records", ["recorded_at"])
    op.create_index("ix_message_statuses_at", "message_statuses", ["at"])
    op.create_index("ix_messages_created", "messages", ["created_at", "id"])
    # One row says how far the dashboard's rollup has read; none has been read yet.
    op.bulk_insert(sa.table("rollup_state", sa.column("id", sa.Integer())), [{"id": 1}])


def downgrade() -> None:
    op.drop_index("ix_messages_created", table_name="messages")
    op.drop_index("ix_message_statuses_at", table_name="message_statuses")
    op.drop_index("ix_consent_records_recorded", table_name="consent_records")
    op.drop_table("staff_accounts")
    with op.batch_alter_table("staff_access", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_access_subject")
        batch_op.drop_index("ix_staff_access_at")

    op.drop_table("staff_access")
    op.drop_table("rollup_state")
    op.drop_table("message_rollup")
    with op.batch_alter_table("ledger_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_checks_state")

    op.drop_table("ledger_checks")
