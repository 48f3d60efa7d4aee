"""An independent reference for the ledger's tree: pymerkle's RFC 6962 tree over given leaves.

pymerkle computes roots and inclusion paths its own way (from the leaves, with no stored
nodes). Its consistency proofs are not in RFC 9162's shape, so the expected consistency proof
is RFC 9162 §2.1.4.1's definition, word for word, with every subtree hash from pymerkle.
"""

from __future__ import annotations

from collections.abc import Sequence

from pymerkle import BaseMerkleTree


class LeafTree(BaseMerkleTree):  # type: ignore[misc]
    """A pymerkle tree over leaf hashes computed elsewhere (its storage interface)."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = list(leaves)
        super().__init__("sha256", disable_cache=True)

    def _encode_entry(self, data: bytes) -> bytes:
        return data

    def _store_leaf(self, data: bytes, digest: bytes) -> int:
        self.leaves.append(digest)
        return len(self.leaves)

    def _get_leaf(self, index: int) -> bytes:
        return self.leaves[index - 1]

    def _get_leaves(self, offset: int, width: int) -> list[bytes]:
        return self.leaves[offset : offset + width]

    def _get_size(self) -> int:
        return len(self.leaves)

    def root(self, size: int | None = None) -> bytes:
        """The root of the first `size` leaves."""
        return bytes(self.get_root(size))

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf `index` (from 0), nearest sibling first."""
        return list(self.prove_inclusion(index + 1, size).path[1:])

    def consistency(self, first: int, second: int) -> list[bytes]:
        """RFC 9162 PROOF(first, D[0:second])."""
        return [] if first in (0, second) else self._subproof(first, 0, second, True)

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self._mth(start, end)]
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            return self._subproof(m, start, start + k, whole) + [self._mth(start + k, end)]
        return self._subproof(m - k, start + k, end, False) + [self._mth(start, start + k)]

    def _mth(self, start: int, end: int) -> bytes:
        return LeafTree(self.leaves[start:end]).root()
