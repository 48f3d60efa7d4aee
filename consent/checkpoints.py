"""Signed checkpoints of the consent ledger's tree: what is signed, how, and how it is checked.

A checkpoint says "the first `tree_size` records give this root, as of this time". Its signed
text is four lines, in the spirit of the transparency logs' checkpoint notes:

    notifier consent ledger
    <tree size>
    <root, hex>
    <time, RFC 3339 UTC>

The signature is HMAC-SHA256 of that text under a key derived from the service's secret; the
key id (the first 16 hex digits of the key's SHA-256) tells which key signed it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

ORIGIN = "notifier consent ledger"


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the tree's size and root at one moment."""

    tree_size: int
    root: str
    signed_at: datetime
    key_id: str
    signature: str


def note(tree_size: int, root: str, signed_at: datetime) -> bytes:
    """The text a checkpoint's signature covers."""
    at = signed_at.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
    return f"{ORIGIN}\n{tree_size}\n{root}\n{at}\n".encode()


def key_id(key: bytes) -> str:
    """A short public name for a signing key."""
    return hashlib.sha256(key).hexdigest()[:16]


def sign(key: bytes, tree_size: int, root: str, signed_at: datetime) -> Checkpoint:
    """A checkpoint of (tree_size, root) signed now with `key`."""
    mac = hmac.new(key, note(tree_size, root, signed_at), hashlib.sha256).hexdigest()
    return Checkpoint(tree_size, root, signed_at, key_id(key), mac)


def is_signed_by(key: bytes, checkpoint: Checkpoint) -> bool:
    """Whether `key` made this checkpoint's signature over exactly its contents."""
    text = note(checkpoint.tree_size, checkpoint.root, checkpoint.signed_at)
    expected = hmac.new(key, text, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, checkpoint.signature)
