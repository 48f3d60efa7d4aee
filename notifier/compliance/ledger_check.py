"""`/v1/audit/verify`: the consent ledger held against its tree and every signed checkpoint.

The check reads a fixed moment while the service goes on writing: first how long the
checkpoint file is (a line reaches the file only after its checkpoint committed), then, in
one statement, how many leaves and checkpoints the database holds. It reads only up to
those, in short keyset batches, and hands the streams to `consent.log_audit`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, get_args

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consent.findings import Finding
from consent.ledger import StoredRecord
from consent.log_audit import Leaf, LogInput, check_log
from consent.merkle import fold, subtrees
from notifier.compliance import checkpoints, tree
from notifier.compliance.checkpoints import Notary
from notifier.compliance.ledger import stored
from notifier.compliance.proofs import CheckpointOut
from notifier.models import ConsentRecord
from notifier.models_ledger import LedgerCheckpoint, LedgerLeaf, LedgerPending, LedgerTree

BATCH = 1000
FindingName = Literal[
    "record_changed",
    "record_deleted",
    "newest_records_deleted",
    "history_rewritten",
    "record_added",
    "checkpoint_forged",
    "tree_damaged",
    "checkpoint_not_kept_outside",
]
assert set(get_args(FindingName)) == {str(f) for f in Finding}  # the schema names every one


class VerifyOut(BaseModel):
    """`GET /v1/audit/verify`: whether the ledger matches its tree and signed checkpoints."""

    ok: bool = Field(description="Whether every record, leaf and checkpoint holds")
    records: int = Field(description="How many records the ledger holds")
    tree_size: int = Field(description="How many of them the tree has folded in")
    waiting: int = Field(description="Records appended but not yet folded in")
    root: str = Field(description="The tree's root hash (SHA-256, hex)")
    checkpoint: CheckpointOut | None = Field(description="The newest signed checkpoint")
    finding: FindingName | None = Field(None, description="What was found, if anything")
    problem: str | None = Field(None, description="The finding in plain words")
    first_bad_record: str | None = Field(None, description="The first record that is wrong")
    first_bad_seq: int | None = Field(None, description="Its number in the ledger")
    first_bad_leaf: int | None = Field(None, description="Its leaf in the tree, from 0")


def verify(notary: Notary) -> VerifyOut:
    """Recompute the tree from the records and hold it against every checkpoint."""
    path = notary.file
    length = checkpoints.file_length(path)
    with notary.db.session() as session:
        records, leaves, signed, state = _moment(session)
        newest = checkpoints.latest(session)
        shown = CheckpointOut.model_validate(newest) if newest is not None else None
        edge_root = _edge_root(session, leaves)
    waiting = _Counted(_waiting(notary))
    report = check_log(
        notary.key,
        LogInput(
            leaves=_leaves(notary, leaves),
            database=checkpoints.in_database(notary.db, signed),
            file=checkpoints.in_file(path, length),
            waiting=waiting,
            lost_from_queue=_lost_from_queue(notary),
            state=state,
            edge_root=edge_root,
        ),
        notary.clock.now(),
    )
    problem = report.problem
    return VerifyOut(
        ok=report.ok,
        records=records,
        tree_size=report.tree_size,
        waiting=waiting.count,
        root=report.root,
        checkpoint=shown,
        finding=problem.finding.value if problem else None,
        problem=problem.text if problem else None,
        first_bad_record=problem.record_id if problem else None,
        first_bad_seq=problem.seq if problem else None,
        first_bad_leaf=problem.leaf if problem else None,
    )


def _moment(session: Session) -> tuple[int, int, int, tuple[int, str] | None]:
    """Records, leaves, the newest checkpoint's size, and the tree's size and root (None before
    the first fold), read at one moment."""
    records, leaves, signed, size, root = session.execute(
        select(
            select(func.count()).select_from(ConsentRecord).scalar_subquery(),
            select(func.coalesce(func.max(LedgerLeaf.leaf_index) + 1, 0)).scalar_subquery(),
            select(func.coalesce(func.max(LedgerCheckpoint.tree_size), 0)).scalar_subquery(),
            select(LedgerTree.size).scalar_subquery(),
            select(LedgerTree.root).scalar_subquery(),
        )
    ).one()
    return records, leaves, signed, (size, root) if size is not None else None


def _edge_root(session: Session, size: int) -> str | None:
    """The root the stored right-edge nodes give (what the next fold builds on)."""
    keys = subtrees(0, size)
    try:
        known = tree.stored_nodes(session, keys)
    except tree.TreeDamagedError:
        return None
    return fold([known[key] for key in keys]).hex()


def _leaves(notary: Notary, count: int) -> Iterator[Leaf]:
    """The first `count` leaves in order, each with its record if the table still has it."""
    last = -1
    while True:
        with notary.db.session() as session:
            rows = session.execute(
                select(LedgerLeaf, ConsentRecord)
                .outerjoin(ConsentRecord, ConsentRecord.seq == LedgerLeaf.seq)
                .where(LedgerLeaf.leaf_index > last, LedgerLeaf.leaf_index < count)
                .order_by(LedgerLeaf.leaf_index)
                .limit(BATCH)
            ).all()
            batch = [
                Leaf(leaf.leaf_index, leaf.seq, leaf.hash, stored(row) if row else None)
                for leaf, row in rows
            ]
        if not batch:
            return
        yield from batch
        last = batch[-1].index


def _waiting(notary: Notary) -> Iterator[tuple[StoredRecord, bool]]:
    """The records not in the tree, and whether each is queued for it."""
    last = 0
    while True:
        with notary.db.session() as session:
            rows = session.execute(
                select(ConsentRecord, LedgerPending.seq)
                .outerjoin(LedgerLeaf, LedgerLeaf.seq == ConsentRecord.seq)
                .outerjoin(LedgerPending, LedgerPending.seq == ConsentRecord.seq)
                .where(LedgerLeaf.seq.is_(None), ConsentRecord.seq > last)
                .order_by(ConsentRecord.seq)
                .limit(BATCH)
            ).all()
            batch = [(stored(row), queued is not None) for row, queued in rows]
        if not batch:
            return
        yield from batch
        last = batch[-1][0].seq


def _lost_from_queue(notary: Notary) -> list[int]:
    """Numbers queued for the tree whose record is gone."""
    with notary.db.session() as session:
        return list(
            session.scalars(
                select(LedgerPending.seq)
                .outerjoin(ConsentRecord, ConsentRecord.seq == LedgerPending.seq)
                .where(ConsentRecord.seq.is_(None))
                .order_by(LedgerPending.seq)
            )
        )


class _Counted:
    """Passes items on and counts them."""

    def __init__(self, items: Iterator[tuple[StoredRecord, bool]]) -> None:
        self.items = items
        self.count = 0

    def __iter__(self) -> Iterator[tuple[StoredRecord, bool]]:
        for item in self.items:
            self.count += 1
            yield item
