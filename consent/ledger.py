"""The consent ledger's hash chain: canonical encoding, link hashes and verification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

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


def chain_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    """The hash of a record chained after the record whose hash is `prev_hash`."""
    return hashlib.sha256(prev_hash.encode("utf-8") + b"\n" + canonical(fields)).hexdigest()


@dataclass(frozen=True)
class ChainLink:
    """One stored record as the chain sees it: its fields and the hashes stored with it."""

    seq: int
    record_id: str
    fields: Mapping[str, object]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying the chain, naming the first record that does not match."""

    ok: bool
    records: int
    head: str
    first_bad_record: str | None
    first_bad_seq: int | None


def verify_chain(links: Iterable[ChainLink]) -> ChainReport:
    """Recompute the chain over links in seq order and name the first link that breaks it."""
    head, records, previous_seq = GENESIS, 0, None
    bad: ChainLink | None = None
    for link in links:
        records += 1
        if bad is not None:
            continue  # keep counting, so that `records` is the whole ledger
        in_order = previous_seq is None or link.seq > previous_seq
        if in_order and link.prev_hash == head and chain_hash(head, link.fields) == link.hash:
            head, previous_seq = link.hash, link.seq
        else:
            bad = link
    if bad is None:
        return ChainReport(True, records, head, None, None)
    return ChainReport(False, records, head, bad.record_id, bad.seq)


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
