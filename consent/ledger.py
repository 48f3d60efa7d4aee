"""The consent ledger's record hashes: canonical encoding, the tree leaf, the chain before it.

A record is hashed over its canonical JSON (sorted keys, compact, UTF-8). Since the ledger
became a Merkle tree, a record's leaf is `leaf_hash(canonical(fields))` and its stored `hash`
is that leaf in hex. Records appended before then were chained one to the next (`prev_hash`,
`hash = chain_hash(prev_hash, fields)`); they keep those hashes and became the tree's first
leaves, so both are checked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from consent.merkle import leaf_hash

GENESIS: str = "0" * 64


def canonical(fields: Mapping[str, object]) -> bytes:
    """Deterministic JSON of a record's fields: the bytes its hash is computed over."""
    text = json.dumps(
        dict(fields),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_encode,
    )
    return text.encode("utf-8")


def record_leaf(fields: Mapping[str, object]) -> bytes:
    """The tree leaf of a record with these fields."""
    return leaf_hash(canonical(fields))


def chain_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    """The hash of a record chained after the record whose hash is `prev_hash` (before the tree)."""
    return hashlib.sha256(prev_hash.encode("utf-8") + b"\n" + canonical(fields)).hexdigest()


@dataclass(frozen=True)
class StoredRecord:
    """A record as the table holds it: its hashed fields and the hashes stored with it."""

    record_id: str
    seq: int
    fields: Mapping[str, object]
    prev_hash: str | None
    hash: str


def stored_hash_holds(record: StoredRecord, leaf: bytes) -> bool:
    """Whether the record's own stored hash still matches its fields (its chain hash if chained)."""
    if record.prev_hash is None:
        return record.hash == leaf.hex()
    return record.hash == chain_hash(record.prev_hash, record.fields)


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        # Naive datetimes are read as UTC: the database stores UTC, and some drivers (SQLite)
        # hand it back without a zone. The hash must not change on the way through storage.
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.replace(tzinfo=None).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=lambda item: canonical({"": item}))
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot hash a {type(value).__name__} into the ledger")
