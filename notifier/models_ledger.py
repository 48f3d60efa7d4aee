"""The ledger's Merkle tree: the sequencer's queue, leaves, complete subtrees, the tree's head and
its signed checkpoints. The records themselves are `notifier.models.ConsentRecord`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from notifier.db import Base


class LedgerPending(Base):
    """A record appended but not yet in the tree: the sequencer's queue, emptied as it folds."""

    __tablename__ = "ledger_pending"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class LedgerLeaf(Base):
    """A record's place in the Merkle tree, given by the sequencer, and its leaf hash."""

    __tablename__ = "ledger_leaves"

    leaf_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class LedgerNode(Base):
    """A complete subtree above the leaves: level L, index i covers leaves [i*2^L, (i+1)*2^L)."""

    __tablename__ = "ledger_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class LedgerTree(Base):
    """The tree's size and root as the sequencer left them; its row lock lets one fold at once."""

    __tablename__ = "ledger_tree"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int]
    root: Mapped[str] = mapped_column(String(64))


class LedgerCheckpoint(Base):
    """A signed statement of the tree's size and root; a copy is kept in a file outside."""

    __tablename__ = "ledger_checkpoints"

    tree_size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(64))
