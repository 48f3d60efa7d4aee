"""the consent ledger becomes a Merkle tree with signed checkpoints

Records are numbered by a sequence (PostgreSQL) and queued for the sequencer instead of being
chained under one lock. Every existing record is queued in its order, so the first sequencer
run makes them the tree's first leaves; each keeps its chain hashes (`prev_hash`, `hash`),
which the audit still checks. `ledger_head` goes: the tree's state is in `ledger_tree`. The
append-only triggers stay.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import notifier.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # SHA-256("")
APPEND_ONLY = "consent ledger is append-only"


def upgrade() -> None:
    _create_tree_tables()
    op.execute(f"INSERT INTO ledger_tree (id, size, root) VALUES (1, 0, '{EMPTY_ROOT}')")
    _set_prev_hash_nullable(True)
    if _postgres():
        op.execute("CREATE SEQUENCE consent_records_seq OWNED BY consent_records.seq")
        op.execute(
            "SELECT setval('consent_records_seq',"
            " COALESCE((SELECT max(seq) FROM consent_records), 0) + 1, false)"
        )
    op.execute("INSERT INTO ledger_pending (seq) SELECT seq FROM consent_records")
    op.drop_table("ledger_head")


def downgrade() -> None:
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    seq, head = _chain_the_tree_records()
    op.execute(f"INSERT INTO ledger_head (id, seq, hash) VALUES (1, {seq}, '{head}')")
    if _postgres():
        op.execute("DROP SEQUENCE consent_records_seq")
    _set_prev_hash_nullable(False)
    for table in ("ledger_checkpoints", "ledger_tree", "ledger_nodes", "ledger_leaves"):
        op.drop_table(table)
    op.drop_table("ledger_pending")


def _create_tree_tables() -> None:
    op.create_table(
        "ledger_pending",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_table(
        "ledger_leaves",
        sa.Column("leaf_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index"),
        sa.UniqueConstraint("seq"),
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    op.create_table(
        "ledger_tree",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("tree_size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("signed_at", notifier.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("tree_size"),
    )


def _set_prev_hash_nullable(nullable: bool) -> None:
    """Records appended under the tree have no `prev_hash`."""
    if _postgres():
        op.alter_column("consent_records", "prev_hash", nullable=nullable)
        return
    # SQLite rebuilds the table to change a column, and the rebuild drops its triggers.
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS consent_records_no_{verb}")
    with op.batch_alter_table("consent_records") as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=nullable)
    _sqlite_triggers()


def _sqlite_triggers() -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER consent_records_no_{verb.lower()} BEFORE {verb} "
            f"ON consent_records BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def _chain_the_tree_records() -> tuple[int, str]:
    """Going back: chain the records appended under the tree after the last chained one."""
    from consent.ledger import chain_hash
    from notifier.compliance.ledger import hashed_fields

    bind = op.get_bind()
    records = _records_table()
    rows = bind.execute(sa.select(records).order_by(records.c.seq)).all()
    head, seq = GENESIS, 0
    changes = []
    for row in rows:
        if row.prev_hash is None:
            digest = chain_hash(head, hashed_fields(row))  # type: ignore[arg-type]
            changes.append({"id": row.id, "prev": head, "hash": digest})
            head = digest
        else:
            head = row.hash
        seq = row.seq
    if changes:
        _lower_guard()
        bind.execute(
            sa.text("UPDATE consent_records SET prev_hash = :prev, hash = :hash WHERE id = :id"),
            changes,
        )
        _raise_guard()
    return seq, head


def _records_table() -> sa.Table:
    utc = notifier.db.UTCDateTime(timezone=True)
    return sa.Table(
        "consent_records",
        sa.MetaData(),
        *(sa.Column(name, sa.String()) for name in ("id", "subject", "action", "method")),
        *(sa.Column(name, sa.Text()) for name in ("disclosure_text", "disclosure_version")),
        *(sa.Column(name, sa.String()) for name in ("disclosure_language", "source")),
        sa.Column("jurisdiction", sa.String()),
        sa.Column("seq", sa.Integer()),
        sa.Column("purposes", sa.JSON()),
        sa.Column("evidence", sa.JSON()),
        sa.Column("captured_at", utc),
        sa.Column("recorded_at", utc),
        sa.Column("prev_hash", sa.String()),
        sa.Column("hash", sa.String()),
    )


def _lower_guard() -> None:
    if _postgres():
        op.execute("ALTER TABLE consent_records DISABLE TRIGGER consent_records_append_only")
    else:
        op.execute("DROP TRIGGER consent_records_no_update")


def _raise_guard() -> None:
    if _postgres():
        op.execute("ALTER TABLE consent_records ENABLE TRIGGER consent_records_append_only")
    else:
        op.execute(
            "CREATE TRIGGER consent_records_no_update BEFORE UPDATE "
            f"ON consent_records BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
