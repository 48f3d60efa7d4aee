"""Checking the consent ledger against its tree and its signed checkpoints, and naming what broke.

The checker recomputes every leaf from the record it stands for, folds them into the tree as
the sequencer did, and at each checkpoint's size (those kept in the database and those kept
in the file outside it) holds the recomputed root against the signed one. Matching every
checkpoint's root to the same recomputed tree is what makes consecutive checkpoints
consistent, and it is a stronger check than a consistency proof, which would trust the stored
nodes. It reads each stream once, in order, and keeps only the tree's right edge in memory.

Each finding (`Finding`) names, in plain words, the first bad record or leaf it can.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from consent.checkpoints import Checkpoint, is_signed_by
from consent.findings import Finding, LogReport, Problem
from consent.ledger import StoredRecord, record_leaf, stored_hash_holds
from consent.merkle import Node, extend, fold

# The file is written right after the database commits, and caught up on the next run.
FILE_GRACE = timedelta(minutes=2)


@dataclass(frozen=True)
class Leaf:
    """One stored leaf, and the record it stands for (None when the table no longer has it)."""

    index: int
    seq: int
    hash: str
    record: StoredRecord | None


@dataclass(frozen=True)
class Kept:
    """A checkpoint and where it was kept: "database" or "file"."""

    place: str
    checkpoint: Checkpoint


@dataclass(frozen=True)
class LogInput:
    """Everything the checker reads; each stream in order (leaves by index, checkpoints by size)."""

    leaves: Iterable[Leaf]
    database: Iterable[Checkpoint]
    file: Iterable[Checkpoint]
    waiting: Iterable[tuple[StoredRecord, bool]]  # not in the tree; True if queued for it
    lost_from_queue: Iterable[int]  # seqs queued for the tree whose record is gone
    state: tuple[int, str] | None  # the sequencer's (size, root), if it has run
    edge_root: str | None = None  # the root the stored right-edge nodes give; None if missing


def check_log(key: bytes, data: LogInput, now: datetime) -> LogReport:
    """Recompute the tree from the records and hold it against every checkpoint."""
    audit = _Audit(key)
    kept = heapq.merge(
        audit.ordered("database", data.database),
        audit.ordered("file", data.file),
        key=lambda k: k.checkpoint.tree_size,
    )
    pending = next(kept, None)
    for leaf in data.leaves:
        pending = audit.checkpoints_at_size(pending, kept)
        audit.leaf(leaf)
    pending = audit.checkpoints_at_size(pending, kept)
    while pending is not None:
        audit.beyond_tree(pending)
        pending = next(kept, None)
    audit.finish(data, now)
    return LogReport(audit.size, fold([n.hash for n in audit.edge]).hex(), audit.first())


class _Audit:
    """The running state of one check."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.edge: list[Node] = []
        self.size = 0
        self.problems: dict[Finding, Problem] = {}  # the first of each kind
        self.first_missing: Leaf | None = None
        # Per place, the first leaf after the last checkpoint whose root matched.
        self.after_good: dict[str, Leaf | None] = {"database": None, "file": None}
        self.newest: dict[str, Checkpoint] = {}

    def first(self) -> Problem | None:
        """The problem about the earliest leaf (then the earliest found)."""
        if not self.problems:
            return None
        return min(self.problems.values(), key=lambda p: (p.leaf is None, p.leaf or 0))

    def leaf(self, leaf: Leaf) -> None:
        """Fold one stored leaf in, recomputed from its record."""
        if leaf.index != self.size:
            self._found(Finding.TREE_DAMAGED, f"The tree has no leaf {self.size}.", leaf=self.size)
        for place, after in self.after_good.items():
            self.after_good[place] = after or leaf
        record = leaf.record
        if record is None:
            self.first_missing = self.first_missing or leaf
            digest = bytes.fromhex(leaf.hash)
        else:
            self._deleted_before(record)
            digest = record_leaf(record.fields)
            if digest.hex() != leaf.hash or not stored_hash_holds(record, digest):
                self._changed(record, leaf.index)
        self.edge, _ = extend(self.edge, [digest])
        self.size += 1

    def ordered(self, place: str, checkpoints: Iterable[Checkpoint]) -> Iterator[Kept]:
        """The checkpoints of one place, rejecting one that counts fewer records than before."""
        last = 0
        for checkpoint in checkpoints:
            if checkpoint.tree_size < last:
                self._found(
                    Finding.HISTORY_REWRITTEN,
                    f"The ledger was started over: the checkpoints kept in the {place} count"
                    f" {last} records, then {checkpoint.tree_size}.",
                    leaf=0,
                )
                continue
            last = checkpoint.tree_size
            self.newest[place] = checkpoint
            yield Kept(place, checkpoint)

    def checkpoints_at_size(self, pending: Kept | None, kept: Iterator[Kept]) -> Kept | None:
        """Check every checkpoint of the current size; answer the next one not yet due."""
        while pending is not None and pending.checkpoint.tree_size <= self.size:
            self._checkpoint(pending)
            pending = next(kept, None)
        return pending

    def _checkpoint(self, kept: Kept) -> None:
        checkpoint, place = kept.checkpoint, kept.place
        when = f"signed {checkpoint.signed_at.isoformat()}, kept in the {place}"
        if not is_signed_by(self.key, checkpoint):
            self._found(
                Finding.CHECKPOINT_FORGED,
                f"The checkpoint for {checkpoint.tree_size} records ({when}) carries a"
                " signature this service did not make.",
            )
            return  # what it claims says nothing about the history
        if checkpoint.root == fold([n.hash for n in self.edge]).hex():
            self.after_good[place] = None
            return
        if self._leaf_trouble():
            return  # a changed or lost leaf before this point explains the other root
        start = self.after_good[place]
        where = f" from record #{start.seq} on" if start is not None else ""
        self._found(
            Finding.HISTORY_REWRITTEN,
            f"The ledger was rewritten{where}: its first {checkpoint.tree_size} records no"
            f" longer give the root of the checkpoint {when}, though each still matches the"
            " leaf stored for it.",
            record_id=start.record.record_id if start and start.record else None,
            seq=start.seq if start else None,
            leaf=start.index if start else 0,
        )

    def beyond_tree(self, kept: Kept) -> None:
        """A checkpoint counting more records than the tree holds: the newest were deleted."""
        checkpoint = kept.checkpoint
        if not is_signed_by(self.key, checkpoint):
            self._checkpoint(kept)  # named as forged, and claims nothing
            return
        self._found(
            Finding.NEWEST_DELETED,
            f"The newest records were deleted: the checkpoint signed"
            f" {checkpoint.signed_at.isoformat()}, kept in the {kept.place}, counts"
            f" {checkpoint.tree_size} records, but the tree holds {self.size}.",
            leaf=self.size,
        )

    def finish(self, data: LogInput, now: datetime) -> None:
        """The checks that come after the last leaf."""
        if self.first_missing is not None:
            missing = self.first_missing
            self._found(
                Finding.NEWEST_DELETED,
                f"The newest records were deleted, from record #{missing.seq} on: the tree holds"
                f" them from leaf {missing.index}, but the table no longer has them.",
                seq=missing.seq,
                leaf=missing.index,
            )
        for record, queued in data.waiting:
            self._waiting(record, queued)
        for seq in data.lost_from_queue:
            self._found(
                Finding.RECORD_DELETED,
                f"Record #{seq} was deleted before it was folded into the tree.",
                seq=seq,
            )
        self._state(data.state, data.edge_root)
        self._kept_outside(now)

    def _waiting(self, record: StoredRecord, queued: bool) -> None:
        if not stored_hash_holds(record, record_leaf(record.fields)):
            self._changed(record, None)
        elif not queued:
            self._found(
                Finding.RECORD_ADDED,
                f"Record {record.record_id} (#{record.seq}) was added behind the service's"
                " back: it is neither in the tree nor waiting to be folded in.",
                record_id=record.record_id,
                seq=record.seq,
            )

    def _state(self, state: tuple[int, str] | None, edge_root: str | None) -> None:
        root = fold([n.hash for n in self.edge]).hex()
        if (state or (0, root)) != (self.size, root):
            size = state[0] if state else 0
            self._found(
                Finding.TREE_DAMAGED,
                f"The sequencer's state ({size} records) does not match the tree's"
                f" {self.size} leaves.",
            )
        elif edge_root != root:
            # The next fold and every proof build on these nodes.
            self._found(
                Finding.TREE_DAMAGED,
                "The tree's stored nodes are missing or do not give its root: proofs and the"
                " next fold would be wrong.",
            )

    def _kept_outside(self, now: datetime) -> None:
        newest, outside = self.newest.get("database"), self.newest.get("file")
        if newest is None or newest.signed_at > now - FILE_GRACE:
            return
        if outside is None or outside.tree_size < newest.tree_size:
            self._found(
                Finding.NOT_KEPT_OUTSIDE,
                f"The database's newest checkpoint ({newest.tree_size} records, signed"
                f" {newest.signed_at.isoformat()}) is missing from the checkpoint file.",
            )

    def _deleted_before(self, record: StoredRecord) -> None:
        """A record present after a missing one: that one was deleted from the middle."""
        missing = self.first_missing
        if missing is None:
            return
        self._found(
            Finding.RECORD_DELETED,
            f"Record #{missing.seq} was deleted: the tree holds it as leaf {missing.index},"
            " but the table no longer has it.",
            seq=missing.seq,
            leaf=missing.index,
        )
        self.first_missing = None

    def _changed(self, record: StoredRecord, leaf: int | None) -> None:
        self._found(
            Finding.RECORD_CHANGED,
            f"Record {record.record_id} (#{record.seq}) was changed after it was logged: its"
            " contents no longer match the hash kept for it.",
            record_id=record.record_id,
            seq=record.seq,
            leaf=leaf,
        )

    def _leaf_trouble(self) -> bool:
        located = (Finding.RECORD_CHANGED, Finding.RECORD_DELETED, Finding.TREE_DAMAGED)
        return any(self.problems.get(f) is not None for f in located)

    def _found(
        self,
        finding: Finding,
        text: str,
        *,
        record_id: str | None = None,
        seq: int | None = None,
        leaf: int | None = None,
    ) -> None:
        if finding not in self.problems:
            self.problems[finding] = Problem(finding, text, record_id, seq, leaf)
