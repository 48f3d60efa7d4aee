"""indexes for fan-outs: recipients decided, subscribers by queue, a text's history

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_fanout_ticket", ["fanout_id", "ticket_pk"], unique=False)
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_queue_subject", ["queue_id", "subject"], unique=False)
    with op.batch_alter_table("message_statuses", schema=None) as batch_op:
        batch_op.create_index("ix_message_statuses_message", ["message_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message_statuses", schema=None) as batch_op:
        batch_op.drop_index("ix_message_statuses_message")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_queue_subject")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_fanout_ticket")
