"""What a check of the consent ledger found: the kinds of damage, and the report."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Finding(StrEnum):
    """What kind of damage was found."""

    # A record no longer hashes to its leaf (or to its own stored hash).
    RECORD_CHANGED = "record_changed"
    # The tree (or the sequencer's queue) holds a record the table lost.
    RECORD_DELETED = "record_deleted"
    # The newest records are gone (from the table, or with their leaves) while counted.
    NEWEST_DELETED = "newest_records_deleted"
    # Each record matches its stored leaf, yet they no longer give a signed root.
    HISTORY_REWRITTEN = "history_rewritten"
    # A record is neither in the tree nor waiting for it: written behind the service's back.
    RECORD_ADDED = "record_added"
    # A checkpoint's signature was not made with this service's key.
    CHECKPOINT_FORGED = "checkpoint_forged"
    # The stored tree lost a leaf, or disagrees with the sequencer's state.
    TREE_DAMAGED = "tree_damaged"
    # The database's newest checkpoint never reached the file outside it.
    NOT_KEPT_OUTSIDE = "checkpoint_not_kept_outside"


@dataclass(frozen=True)
class Problem:
    """One finding, with the first record (or leaf) it concerns."""

    finding: Finding
    text: str
    record_id: str | None = None
    seq: int | None = None
    leaf: int | None = None


@dataclass(frozen=True)
class LogReport:
    """The outcome: the recomputed tree, and the first problem if any."""

    tree_size: int
    root: str
    problem: Problem | None

    @property
    def ok(self) -> bool:
        """Whether nothing was found."""
        return self.problem is None
