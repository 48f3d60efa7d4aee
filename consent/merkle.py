"""RFC 6962 Merkle trees over hashes: folding leaves in, the nodes proofs need, checking proofs.

The tree is the one Certificate Transparency uses (RFC 6962 §2.1, restated in RFC 9162 §2.1):
a leaf is SHA-256(0x00 || data), an inner node SHA-256(0x01 || left || right), and a tree of n
leaves splits at the largest power of two below n. Only hashes pass through this module.

A node is named by `(level, index)`: the perfect subtree over leaves
[index * 2**level, (index + 1) * 2**level). Those nodes never change once complete, so storage
keeps them as they are made; any root or proof is then a fold of O(log n) stored nodes, and
appending a batch of b leaves to a tree of n costs O(b + log n) hashes.

pymerkle (7.0.0) was weighed for this and does not serve: its trees recompute every subtree
from the leaves on each cold start (a proof in a fresh process reads all n leaves), its
consistency proofs are not in RFC 9162's shape (for sizes 2 and 3 it gives two hashes, the RFC
one), and it is GPL-3.0-or-later. The tests check these functions against it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
Key = tuple[int, int]


def leaf_hash(data: bytes) -> bytes:
    """The hash of a leaf holding `data`."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node over two children."""
    return hashlib.sha256(b"\x01" + left + right).digest()


@dataclass(frozen=True)
class Node:
    """A complete (perfect) subtree and its hash."""

    level: int
    index: int
    hash: bytes

    @property
    def key(self) -> Key:
        """Where the node sits: (level, index)."""
        return (self.level, self.index)


def subtrees(start: int, end: int) -> list[Key]:
    """The largest perfect subtrees that cover the leaves [start, end), left to right."""
    keys: list[Key] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while start + (1 << level) > end:
            level -= 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def fold(hashes: Sequence[bytes]) -> bytes:
    """The root over perfect subtrees given left to right, each smaller than the one before."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


def range_root(start: int, end: int, nodes: Mapping[Key, bytes]) -> bytes:
    """The hash of the subtree over [start, end) (as RFC 6962 splits it), from stored nodes."""
    return fold([nodes[key] for key in subtrees(start, end)])


def extend(edge: Sequence[Node], leaves: Iterable[bytes]) -> tuple[list[Node], list[Node]]:
    """Append leaves to the tree whose right edge is `edge`: the new edge, and every new node.

    The edge is the tree's largest perfect subtrees, left to right (`subtrees(0, size)`).
    """
    frontier = list(edge)
    size = sum(1 << node.level for node in frontier)
    made: list[Node] = []
    for position, digest in enumerate(leaves, start=size):
        node = Node(0, position, digest)
        made.append(node)
        while frontier and frontier[-1].level == node.level:
            left = frontier.pop()
            node = Node(node.level + 1, left.index >> 1, node_hash(left.hash, node.hash))
            made.append(node)
        frontier.append(node)
    return frontier, made


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes prove leaf `index` in a tree of `size` (RFC 9162 PATH).

    In proof order: the sibling nearest the leaf first.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        split = start + _largest_power_below(end - start)
        if index < split:
            ranges.append((split, end))
            end = split
        else:
            ranges.append((start, split))
            start = split
    return ranges[::-1]


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes prove a tree of `first` a prefix of one of `second`.

    RFC 9162 SUBPROOF, in proof order; empty when either tree is empty or they are the same.
    """
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    if first in (0, second):
        return []
    siblings: list[tuple[int, int]] = []
    start, end, whole = 0, second, True
    while first != end:
        split = start + _largest_power_below(end - start)
        if first <= split:
            siblings.append((split, end))
            end = split
        else:
            siblings.append((start, split))
            start, whole = split, False
    base = [] if whole else [(start, end)]
    return base + siblings[::-1]


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """Whether `path` proves `leaf` at `index` in the tree of `size` with `root` (RFC 9162)."""
    if not 0 <= index < size:
        return False
    fn, sn, digest = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            digest = node_hash(digest, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and digest == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """Whether `path` proves the tree (first, first_root) a prefix of (second, second_root)."""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        return not path
    if not path:
        return False
    hashes = [first_root, *path] if first & (first - 1) == 0 else list(path)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = hashes[0]
    for sibling in hashes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(sibling, fr), node_hash(sibling, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


def _largest_power_below(n: int) -> int:
    """The largest power of two strictly less than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)
