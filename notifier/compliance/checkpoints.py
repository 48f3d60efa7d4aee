"""The ledger's signed checkpoints: the signing key, the database's rows, the file outside it.

Every checkpoint the sequencer signs is stored in `ledger_checkpoints` and appended, as one
JSON line, to `checkpoints.jsonl` in `LEDGER_CHECKPOINT_DIR` (default: `ledger/` under
`NOTIFIER_VAR_DIR`). Whoever rewrites the database alone cannot rewrite that file, so
`/v1/audit/verify` catches them. Put the directory where the database's users cannot write:
an append-only mount, or storage copied off the machine; every machine that answers
`/v1/audit/verify` must see the same file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.checkpoints import Checkpoint
from notifier.clock import Clock
from notifier.config import Settings
from notifier.db import Database
from notifier.models_ledger import LedgerCheckpoint

FILE_NAME = "checkpoints.jsonl"
BATCH = 1000
_TAIL_BYTES = 4096


def signing_key(secret_key: str) -> bytes:
    """The key that signs checkpoints: derived, so the secret itself signs nothing."""
    return hmac.new(secret_key.encode(), b"notifier ledger checkpoint", hashlib.sha256).digest()


@dataclass(frozen=True)
class Notary:
    """What keeps the ledger's tree: its database, the clock, the checkpoint key and file."""

    db: Database
    clock: Clock
    key: bytes = field(repr=False)
    file: Path

    @classmethod
    def of(cls, settings: Settings, db: Database, clock: Clock) -> Notary:
        """The notary the settings describe."""
        return cls(db, clock, signing_key(settings.secret_key), file_path(settings))


def file_path(settings: Settings) -> Path:
    """The file the checkpoints are kept in outside the database."""
    return settings.checkpoint_dir / FILE_NAME


def to_row(checkpoint: Checkpoint) -> LedgerCheckpoint:
    """A checkpoint as a database row."""
    return LedgerCheckpoint(
        tree_size=checkpoint.tree_size,
        root=checkpoint.root,
        signed_at=checkpoint.signed_at,
        key_id=checkpoint.key_id,
        signature=checkpoint.signature,
    )


def from_row(row: LedgerCheckpoint) -> Checkpoint:
    """A database row as a checkpoint."""
    return Checkpoint(row.tree_size, row.root, row.signed_at, row.key_id, row.signature)


def latest(session: Session) -> LedgerCheckpoint | None:
    """The newest checkpoint in the database."""
    query = select(LedgerCheckpoint).order_by(LedgerCheckpoint.tree_size.desc()).limit(1)
    return session.scalars(query).first()


def in_database(db: Database, upto: int) -> Iterator[Checkpoint]:
    """The database's checkpoints of at most `upto` records, by size, read in batches."""
    last = -1
    while True:
        with db.session() as session:
            rows = session.scalars(
                select(LedgerCheckpoint)
                .where(LedgerCheckpoint.tree_size > last, LedgerCheckpoint.tree_size <= upto)
                .order_by(LedgerCheckpoint.tree_size)
                .limit(BATCH)
            )
            batch = [from_row(row) for row in rows]
        if not batch:
            return
        yield from batch
        last = batch[-1].tree_size


def to_line(checkpoint: Checkpoint) -> str:
    """A checkpoint as one line of the file."""
    fields = {
        "tree_size": checkpoint.tree_size,
        "root": checkpoint.root,
        "signed_at": checkpoint.signed_at.astimezone(UTC).isoformat(),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }
    return json.dumps(fields, sort_keys=True) + "\n"


def from_line(line: str) -> Checkpoint | None:
    """A line of the file as a checkpoint (None if it is not one)."""
    try:
        fields = json.loads(line)
        return Checkpoint(
            int(fields["tree_size"]),
            str(fields["root"]),
            datetime.fromisoformat(fields["signed_at"]),
            str(fields["key_id"]),
            str(fields["signature"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def in_file(path: Path, length: int) -> Iterator[Checkpoint]:
    """The file's checkpoints in its first `length` bytes (what was there when a check began)."""
    if length <= 0:
        return
    size, read = 0, 0
    with path.open("rb") as file:
        for raw in file:  # line by line: the file grows by a line per fold, for years
            read += len(raw)
            if read > length:
                return  # written after the check began
            if not raw.strip():
                continue
            checkpoint = from_line(raw.decode("utf-8", "replace"))
            # A line that is no checkpoint was not signed by the service: the check says so.
            yield checkpoint or Checkpoint(size, "", datetime.min.replace(tzinfo=UTC), "", "")
            size = checkpoint.tree_size if checkpoint else size


def file_length(path: Path) -> int:
    """How many bytes the file holds now (0 if there is none)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def last_in_file(path: Path) -> int:
    """The tree size of the file's last checkpoint (0 if it holds none)."""
    length = file_length(path)
    if not length:
        return 0
    with path.open("rb") as file:
        file.seek(max(0, length - _TAIL_BYTES))
        lines = file.read().splitlines()
    for raw in reversed(lines):
        checkpoint = from_line(raw.decode("utf-8", "replace"))
        if checkpoint is not None:
            return checkpoint.tree_size
    return 0


def append_to_file(path: Path, checkpoints: list[Checkpoint]) -> None:
    """Append checkpoints to the file and make sure they reached the disk."""
    if not checkpoints:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write("".join(to_line(checkpoint) for checkpoint in checkpoints))
        file.flush()
        os.fsync(file.fileno())
