"""The RFC 6962 tree: roots and proofs from stored nodes match an independent implementation."""

from __future__ import annotations

import hashlib
import random

import pytest

from consent import merkle
from consent.merkle import Node
from tests.merkle_oracle import LeafTree

SIZES = range(1, 40)


def leaves(count: int) -> list[bytes]:
    return [merkle.leaf_hash(f"record {n}".encode()) for n in range(count)]


def grow(hashes: list[bytes], batch_sizes: list[int]) -> tuple[list[Node], dict[merkle.Key, bytes]]:
    """Fold the leaves in batches, keeping every node made, as the database would."""
    edge: list[Node] = []
    stored: dict[merkle.Key, bytes] = {}
    start = 0
    for size in batch_sizes:
        edge, made = merkle.extend(edge, hashes[start : start + size])
        stored.update({node.key: node.hash for node in made})
        start += size
    assert start == len(hashes)
    return edge, stored


def batches(total: int, seed: int) -> list[int]:
    rng, sizes = random.Random(seed), []
    while total > 0:
        sizes.append(min(total, rng.randint(1, 9)))
        total -= sizes[-1]
    return sizes


def test_leaf_and_node_hashes_are_rfc_6962() -> None:
    assert merkle.leaf_hash(b"").hex().startswith("6e340b9cffb37a98")  # SHA-256(0x00)
    assert merkle.node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()
    assert merkle.EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert merkle.fold([]) == merkle.EMPTY_ROOT


@pytest.mark.parametrize("count", SIZES)
def test_roots_after_folding_in_batches_match_pymerkle(count: int) -> None:
    hashes = leaves(count)
    edge, stored = grow(hashes, batches(count, seed=count))
    reference = LeafTree(hashes)

    assert merkle.fold([node.hash for node in edge]) == reference.root()
    assert [node.key for node in edge] == merkle.subtrees(0, count)
    for size in range(1, count + 1):
        assert merkle.range_root(0, size, stored) == reference.root(size)


def test_a_batch_makes_its_leaves_and_at_most_one_node_per_level_above_each() -> None:
    hashes = leaves(1000)
    edge, _ = grow(hashes[:999], [999])

    _, made = merkle.extend(edge, hashes[999:])

    # The 1000th leaf completes subtrees of 2, 4 and 8 leaves (1000 = 0b1111101000).
    assert [(n.level, n.index) for n in made] == [(0, 999), (1, 499), (2, 249), (3, 124)]


@pytest.mark.parametrize("size", SIZES)
def test_inclusion_paths_match_pymerkle_and_verify(size: int) -> None:
    hashes = leaves(size)
    _, stored = grow(hashes, [size])
    reference = LeafTree(hashes)
    root = reference.root()

    for index in range(size):
        path = [merkle.range_root(a, b, stored) for a, b in merkle.inclusion_ranges(index, size)]
        assert path == reference.inclusion(index, size)
        assert merkle.verify_inclusion(hashes[index], index, size, path, root)


@pytest.mark.parametrize("second", SIZES)
def test_consistency_proofs_are_rfc_9162_and_verify(second: int) -> None:
    hashes = leaves(second)
    _, stored = grow(hashes, batches(second, seed=7))
    reference = LeafTree(hashes)

    for first in range(0, second + 1):
        ranges = merkle.consistency_ranges(first, second)
        proof = [merkle.range_root(a, b, stored) for a, b in ranges]
        assert proof == reference.consistency(first, second)
        roots = reference.root(first), reference.root(second)
        assert merkle.verify_consistency(first, second, *roots, proof)


def test_an_inclusion_proof_fails_for_another_leaf_place_size_or_root() -> None:
    hashes = leaves(11)
    _, stored = grow(hashes, [11])
    path = [merkle.range_root(a, b, stored) for a, b in merkle.inclusion_ranges(6, 11)]
    root = merkle.range_root(0, 11, stored)

    assert merkle.verify_inclusion(hashes[6], 6, 11, path, root)
    assert not merkle.verify_inclusion(hashes[5], 6, 11, path, root)
    assert not merkle.verify_inclusion(hashes[6], 7, 11, path, root)
    assert not merkle.verify_inclusion(hashes[6], 6, 8, path, root)  # (the root binds the size)
    assert not merkle.verify_inclusion(hashes[6], 6, 11, path, hashes[0])
    assert not merkle.verify_inclusion(hashes[6], 6, 11, path[:-1], root)
    assert not merkle.verify_inclusion(hashes[6], 11, 11, path, root)


def test_a_consistency_proof_fails_when_any_hash_or_size_is_changed() -> None:
    hashes = leaves(13)
    _, stored = grow(hashes, [13])
    proof = [merkle.range_root(a, b, stored) for a, b in merkle.consistency_ranges(6, 13)]
    old, new = merkle.range_root(0, 6, stored), merkle.range_root(0, 13, stored)
    assert merkle.verify_consistency(6, 13, old, new, proof)

    for n in range(len(proof)):
        bent = list(proof)
        bent[n] = hashlib.sha256(bent[n]).digest()
        assert not merkle.verify_consistency(6, 13, old, new, bent)
    assert not merkle.verify_consistency(5, 13, old, new, proof)
    assert not merkle.verify_consistency(6, 8, old, new, proof)  # sizes bind through the roots
    assert not merkle.verify_consistency(6, 13, new, old, proof)
    assert not merkle.verify_consistency(6, 13, old, new, [])
    # A tree that replaced its first leaves is not consistent with the old one.
    other = [merkle.leaf_hash(b"rewritten")] + hashes[1:]
    _, forged = grow(other, [13])
    proof = [merkle.range_root(a, b, forged) for a, b in merkle.consistency_ranges(6, 13)]
    assert not merkle.verify_consistency(6, 13, old, merkle.range_root(0, 13, forged), proof)


def test_proofs_are_refused_for_places_outside_the_tree() -> None:
    with pytest.raises(ValueError):
        merkle.inclusion_ranges(5, 5)
    with pytest.raises(ValueError):
        merkle.consistency_ranges(6, 5)
