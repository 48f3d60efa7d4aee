"""Proofs from the consent ledger's tree: a record's inclusion, two checkpoints' consistency.

Both are RFC 9162 proofs (§2.1.3 and §2.1.4) over the RFC 6962 tree, so any transparency-log
verifier checks them: a leaf is SHA-256(0x00 || the record's canonical JSON), hashes are hex,
paths run from the leaf's side up. Each proof is checked here before it is given out.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from consent.ledger import record_leaf
from consent.merkle import verify_consistency, verify_inclusion
from notifier.compliance import checkpoints, tree
from notifier.compliance.checkpoints import Notary
from notifier.compliance.ledger import stored
from notifier.errors import ConflictError, NotFoundError, invalid
from notifier.models import ConsentRecord
from notifier.models_ledger import LedgerCheckpoint, LedgerLeaf

LEAF_RULE = "SHA-256(0x00 || canonical JSON of the record's hashed fields), hex"


class CheckpointOut(BaseModel):
    """A signed statement of the tree's size and root (HMAC-SHA256 over its four-line note)."""

    model_config = ConfigDict(from_attributes=True)

    tree_size: int = Field(description="How many records the tree held when signed")
    root: str = Field(description="The tree's root hash (SHA-256, hex)")
    signed_at: datetime = Field(description="When the checkpoint was signed")
    key_id: str = Field(description="Which key signed it (derived from NOTIFIER_SECRET_KEY)")
    signature: str = Field(description="HMAC-SHA256 over the checkpoint's note, hex")


class InclusionProofOut(BaseModel):
    """`GET /v1/audit/proof/{record_id}`: the record's leaf and its audit path to a root."""

    record_id: str = Field(description="The ledger record proven")
    seq: int = Field(description="Its number in the ledger")
    leaf_index: int = Field(description="The leaf's position in the tree, from 0")
    leaf_hash: str = Field(description=LEAF_RULE)
    tree_size: int = Field(description="The size of the tree the proof is against")
    root: str = Field(description="That tree's root hash (SHA-256, hex)")
    audit_path: list[str] = Field(description="RFC 9162 inclusion path, nearest sibling first")
    checkpoint: CheckpointOut = Field(description="The signed checkpoint of that tree")


class ConsistencyProofOut(BaseModel):
    """`GET /v1/audit/consistency`: proof that the first checkpoint's tree begins the second's."""

    first: CheckpointOut = Field(description="The earlier checkpoint")
    second: CheckpointOut = Field(description="The later checkpoint")
    proof: list[str] = Field(description="RFC 9162 consistency proof")


# The largest tree size asked about: the database keeps sizes as 32-bit integers.
MAX_SIZE = 2**31 - 1


class ConsistencyQuery(BaseModel):
    """Which two checkpoints, by the number of records each covers."""

    model_config = ConfigDict(extra="forbid")

    first: int = Field(
        ge=1, le=MAX_SIZE, description="The earlier checkpoint, by the records it covers"
    )
    second: int = Field(
        ge=1, le=MAX_SIZE, description="The later checkpoint, by the records it covers"
    )


def inclusion(notary: Notary, record_id: str) -> InclusionProofOut:
    """Prove the record is in the tree of the newest checkpoint."""
    with notary.db.session() as session:
        row = session.get(ConsentRecord, record_id)
        if row is None:
            raise NotFoundError("there is no ledger record with this id")
        leaf = session.scalar(select(LedgerLeaf).where(LedgerLeaf.seq == row.seq))
        newest = checkpoints.latest(session)
        if leaf is None or newest is None or newest.tree_size <= leaf.leaf_index:
            raise ConflictError(
                "the record is not in the tree yet: new records are folded in within seconds"
            )
        if record_leaf(stored(row).fields).hex() != leaf.hash:
            raise ConflictError("the record was changed after it was logged; see /v1/audit/verify")
        path = tree.inclusion_path(session, leaf.leaf_index, newest.tree_size)
        answer = InclusionProofOut(
            record_id=row.id,
            seq=row.seq,
            leaf_index=leaf.leaf_index,
            leaf_hash=leaf.hash,
            tree_size=newest.tree_size,
            root=newest.root,
            audit_path=[digest.hex() for digest in path],
            checkpoint=CheckpointOut.model_validate(newest),
        )
    leaf_hash, root = bytes.fromhex(answer.leaf_hash), bytes.fromhex(answer.root)
    if not verify_inclusion(leaf_hash, answer.leaf_index, answer.tree_size, path, root):
        raise tree.TreeDamagedError("the stored tree does not prove this record; verify the ledger")
    return answer


def consistency(notary: Notary, query: ConsistencyQuery) -> ConsistencyProofOut:
    """Prove that the checkpoint of `first` records is a prefix of the one of `second`."""
    if query.second < query.first:
        raise invalid("second", "must be at least first")
    with notary.db.session() as session:
        found = {
            row.tree_size: CheckpointOut.model_validate(row)
            for row in session.scalars(
                select(LedgerCheckpoint).where(
                    LedgerCheckpoint.tree_size.in_([query.first, query.second])
                )
            )
        }
        for name, size in (("first", query.first), ("second", query.second)):
            if size not in found:
                raise NotFoundError(f"there is no checkpoint of {size} records ({name})")
        path = tree.consistency_path(session, query.first, query.second)
    first, second = found[query.first], found[query.second]
    roots = bytes.fromhex(first.root), bytes.fromhex(second.root)
    if not verify_consistency(first.tree_size, second.tree_size, *roots, path):
        raise tree.TreeDamagedError("the stored tree does not join these checkpoints; verify it")
    return ConsistencyProofOut(first=first, second=second, proof=[d.hex() for d in path])
