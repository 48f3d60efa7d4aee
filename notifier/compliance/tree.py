"""The consent ledger's Merkle tree as stored: its nodes, folding records in, and proofs.

Every complete subtree is stored once, as it is completed: the leaves in `ledger_leaves`
(with the record each stands for), the nodes above them in `ledger_nodes`. None changes
afterwards, so a root or a proof is a fold of the O(log n) stored nodes it needs, read in one
query, and a batch of b records costs O(b + log n) hashes and inserts (`consent.merkle`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from consent.ledger import record_leaf
from consent.merkle import (
    Key,
    Node,
    consistency_ranges,
    extend,
    fold,
    inclusion_ranges,
    range_root,
    subtrees,
)
from notifier.compliance.ledger import hashed_fields
from notifier.errors import NotifierError
from notifier.models import ConsentRecord
from notifier.models_ledger import LedgerLeaf, LedgerNode


class TreeDamagedError(NotifierError):
    """The stored tree lacks a node it should hold; `/v1/audit/verify` says what happened."""

    status = 500
    slug = "ledger-tree-damaged"
    title = "The ledger's stored tree is damaged"


def stored_nodes(session: Session, keys: Iterable[Key]) -> dict[Key, bytes]:
    """The stored hashes of these nodes (level 0: the leaves)."""
    wanted = set(keys)
    leaves = [index for level, index in wanted if level == 0]
    found: dict[Key, bytes] = {}
    if leaves:
        hashes = session.execute(
            select(LedgerLeaf.leaf_index, LedgerLeaf.hash).where(LedgerLeaf.leaf_index.in_(leaves))
        )
        found.update({(0, index): bytes.fromhex(digest) for index, digest in hashes})
    by_level: dict[int, list[int]] = {}
    for level, index in wanted:
        if level > 0:
            by_level.setdefault(level, []).append(index)
    if by_level:
        rows = session.execute(
            select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).where(
                or_(
                    *(
                        and_(LedgerNode.level == level, LedgerNode.idx.in_(indexes))
                        for level, indexes in by_level.items()
                    )
                )
            )
        )
        found.update({(level, index): bytes.fromhex(digest) for level, index, digest in rows})
    if missing := wanted - found.keys():
        level, index = min(missing)
        raise TreeDamagedError(f"the stored tree has no node at level {level}, index {index}")
    return found


def fold_in(session: Session, size: int, records: Sequence[ConsentRecord]) -> tuple[int, str]:
    """Add `records` as the next leaves of the tree of `size`; answer the new size and root."""
    keys = subtrees(0, size)
    known = stored_nodes(session, keys)
    edge = [Node(level, index, known[(level, index)]) for level, index in keys]
    leaves = [record_leaf(hashed_fields(row)) for row in records]
    edge, made = extend(edge, leaves)
    session.execute(
        insert(LedgerLeaf),
        [
            {"leaf_index": size + n, "seq": row.seq, "hash": digest.hex()}
            for n, (row, digest) in enumerate(zip(records, leaves, strict=True))
        ],
    )
    inner = [{"level": n.level, "idx": n.index, "hash": n.hash.hex()} for n in made if n.level]
    if inner:
        session.execute(insert(LedgerNode), inner)
    return size + len(records), fold([node.hash for node in edge]).hex()


def inclusion_path(session: Session, index: int, size: int) -> list[bytes]:
    """The audit path of leaf `index` in the tree of `size` (RFC 9162 §2.1.3.1)."""
    return _path(session, inclusion_ranges(index, size))


def consistency_path(session: Session, first: int, second: int) -> list[bytes]:
    """The proof that the tree of `first` is a prefix of the tree of `second` (§2.1.4.1)."""
    return _path(session, consistency_ranges(first, second))


def _path(session: Session, ranges: list[tuple[int, int]]) -> list[bytes]:
    known = stored_nodes(session, [key for start, end in ranges for key in subtrees(start, end)])
    return [range_root(start, end, known) for start, end in ranges]
