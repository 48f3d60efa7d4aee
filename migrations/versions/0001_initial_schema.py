"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import notifier.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "consent_records",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("disclosure_text", sa.Text(), nullable=True),
        sa.Column("disclosure_version", sa.String(length=100), nullable=True),
        sa.Column("disclosure_language", sa.String(length=16), nullable=True),
        sa.Column("captured_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.create_index("ix_consent_records_subject", ["subject", "seq"], unique=False)

    op.create_table(
        "inbound_replies",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("provider_sid", sa.String(length=40), nullable=True),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("to", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("received_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_sid"),
    )
    with op.batch_alter_table("inbound_replies", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_subject", ["subject", "received_at"], unique=False)

    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "queues",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("sender", sa.String(length=40), nullable=True),
        sa.Column("notify_at_positions", sa.JSON(), nullable=False),
        sa.Column("eta_change_minutes", sa.Integer(), nullable=False),
        sa.Column("hold_minutes", sa.Integer(), nullable=False),
        sa.Column("peak_hours", sa.JSON(), nullable=False),
        sa.Column("peak_alert_lead_minutes", sa.Integer(), nullable=False),
        sa.Column("reply_webhook_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "subjects",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("created_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym"),
        sa.UniqueConstraint("phone"),
    )
    op.create_table(
        "suppressions",
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("created_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("api_key_id", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("queue_id", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("api_key_id", "event_id"),
        sa.UniqueConstraint("api_key_id", "idempotency_key"),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("queue_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("eta_minutes", sa.Integer(), nullable=True),
        sa.Column("counter", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("close_reason", sa.String(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("notified_position", sa.Integer(), nullable=True),
        sa.Column("notified_call_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("joined_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_event_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_apology_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["queue_id"],
            ["queues.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_subject", ["subject"], unique=False)
        batch_op.create_index(
            "ix_tickets_ticket_id", ["queue_id", "ticket_id", "state"], unique=False
        )
        batch_op.create_index("ix_tickets_waiting", ["queue_id", "state", "position"], unique=False)

    op.create_table(
        "fanouts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("queue_id", sa.String(length=64), nullable=False),
        sa.Column("event_pk", sa.String(length=40), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=60), nullable=True),
        sa.Column("enqueued_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["event_pk"], ["events.id"]),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("fanouts", schema=None) as batch_op:
        batch_op.create_index("ix_fanouts_state", ["state", "enqueued_at"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("event_pk", sa.String(length=40), nullable=True),
        sa.Column("fanout_id", sa.String(length=40), nullable=True),
        sa.Column("queue_id", sa.String(length=64), nullable=True),
        sa.Column("ticket_pk", sa.String(length=40), nullable=True),
        sa.Column("ticket_version", sa.Integer(), nullable=True),
        sa.Column("ticket_ref", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=40), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("encoding", sa.String(length=8), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("consent_record_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(length=200), nullable=True),
        sa.Column("send_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("provider_sid", sa.String(length=40), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("enqueued_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("job_id", sa.String(length=60), nullable=True),
        sa.Column("claimed_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", notifier.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["fanout_id"], ["fanouts.id"]),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["events.id"],
        ),
        sa.ForeignKeyConstraint(["ticket_pk"], ["tickets.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_due", ["status", "enqueued_at"], unique=False)
        batch_op.create_index("ix_messages_fanout", ["fanout_id", "subject"], unique=False)
        batch_op.create_index("ix_messages_provider_sid", ["provider_sid"], unique=False)
        batch_op.create_index("ix_messages_subject", ["subject", "created_at"], unique=False)
        batch_op.create_index("ix_messages_ticket", ["ticket_pk", "status"], unique=False)

    op.create_table(
        "message_statuses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )

    _seed_ledger_head()
    _forbid_ledger_changes()


def downgrade() -> None:
    _allow_ledger_changes()
    op.drop_table("message_statuses")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_ticket")
        batch_op.drop_index("ix_messages_fanout")
        batch_op.drop_index("ix_messages_subject")
        batch_op.drop_index("ix_messages_provider_sid")
        batch_op.drop_index("ix_messages_due")

    op.drop_table("messages")
    with op.batch_alter_table("fanouts", schema=None) as batch_op:
        batch_op.drop_index("ix_fanouts_state")

    op.drop_table("fanouts")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_waiting")
        batch_op.drop_index("ix_tickets_subject")
        batch_op.drop_index("ix_tickets_ticket_id")

    op.drop_table("tickets")
    op.drop_table("events")
    op.drop_table("suppressions")
    op.drop_table("subjects")
    op.drop_table("queues")
    op.drop_table("ledger_head")
    with op.batch_alter_table("inbound_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_subject")

    op.drop_table("inbound_replies")
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_records_subject")

    op.drop_table("consent_records")
    op.drop_table("api_keys")


GENESIS = "0" * 64
APPEND_ONLY = "consent ledger is append-only"


def _seed_ledger_head() -> None:
    op.execute(f"INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '{GENESIS}')")


def _forbid_ledger_changes() -> None:
    """Make the database itself refuse UPDATE and DELETE on the ledger."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER consent_records_no_{verb.lower()} BEFORE {verb} "
                f"ON consent_records BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION consent_records_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER consent_records_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON consent_records FOR EACH STATEMENT EXECUTE FUNCTION consent_records_append_only()"
    )


def _allow_ledger_changes() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS consent_records_no_update")
        op.execute("DROP TRIGGER IF EXISTS consent_records_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS consent_records_append_only ON consent_records")
    op.execute("DROP FUNCTION IF EXISTS consent_records_append_only()")
