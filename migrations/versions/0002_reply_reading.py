"""how each reply was read: its verdict, the rule and the words that decided it

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Replies received before the reader existed were never read this way: they stay NULL.
    with op.batch_alter_table("inbound_replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verdict", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("rule", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("words", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_replies", schema=None) as batch_op:
        batch_op.drop_column("words")
        batch_op.drop_column("rule")
        batch_op.drop_column("verdict")
