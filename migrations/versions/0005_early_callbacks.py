"""early status callbacks: kept until the worker records their message's provider id

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import notifier.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "early_callbacks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_sid", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("received_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("early_callbacks", schema=None) as batch_op:
        batch_op.create_index("ix_early_callbacks_sid", ["message_sid", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("early_callbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_early_callbacks_sid")
    op.drop_table("early_callbacks")
