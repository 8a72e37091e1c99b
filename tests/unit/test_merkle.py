"""RFC 9162 trees: our incremental tree against pymerkle (used only here) and the RFC."""

from __future__ import annotations

import random

import pymerkle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.audit.hashing import (
    MerkleFrontier,
    leaf_hash,
    sha256,
    verify_consistency,
    verify_inclusion,
)
from ledger.errors import ValidationError
from ledger.storage import merkle

N = 300
ENTRIES = [f"entry {i}".encode() for i in range(N)]
LEAVES = [leaf_hash(e) for e in ENTRIES]


class MemoryNodes:
    """Every perfect node of a tree, built by the frontier as the recorder builds it."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.store: dict[merkle.Node, bytes] = {}
        frontier = MerkleFrontier()
        for i, leaf in enumerate(leaves):
            self.store[(0, i)] = leaf
            for level, index, h in frontier.append(leaf):
                self.store[(level, index)] = h

    def nodes(self, keys):  # type: ignore[no-untyped-def]
        return {k: self.store[k] for k in keys if k in self.store}


NODES = MemoryNodes(LEAVES)


def pm(entries: list[bytes]) -> pymerkle.InmemoryTree:
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for e in entries:
        tree.append_entry(e)
    return tree


PM = pm(ENTRIES)


def pm_root(size: int) -> bytes:
    return PM.get_root(size) if size else sha256(b"")


def range_root(start: int, end: int) -> bytes:
    """An independent subtree hash: pymerkle's root of a tree of just those entries."""
    return pm(ENTRIES[start:end]).get_root()


def test_roots_match_pymerkle_for_every_size() -> None:
    frontier = MerkleFrontier()
    for size in range(1, N + 1):
        frontier.append(LEAVES[size - 1])
        expected = pm_root(size)
        assert merkle.root(size, NODES) == expected
        assert frontier.root() == expected


def test_empty_tree_root() -> None:
    assert merkle.root(0, NODES) == sha256(b"")


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 64, 65, 127, 255, 300])
def test_inclusion_proofs_match_pymerkle(size: int) -> None:
    root = pm_root(size)
    for index in range(size):
        proof = merkle.inclusion_proof(index, size, NODES)
        assert verify_inclusion(LEAVES[index], index, size, proof, root)
        # pymerkle (1-based) lists the leaf itself first, then the RFC 9162 path.
        theirs = PM.prove_inclusion(index + 1, size).serialize()["path"][1:]
        assert [h.hex() for h in proof] == theirs


def _pairs() -> list[tuple[int, int]]:
    rng = random.Random(9162)
    pairs = [(old, new) for new in range(1, 40) for old in range(0, new + 1)]
    pairs += [tuple(sorted(rng.sample(range(0, N + 1), 2))) for _ in range(400)]  # type: ignore[misc]
    return pairs


@pytest.mark.parametrize(("old", "new"), _pairs())
def test_consistency_proofs_against_independent_subtree_roots(old: int, new: int) -> None:
    proof = merkle.consistency_proof(old, new, NODES)
    assert verify_consistency(old, new, proof, pm_root(old), pm_root(new))
    ranges = merkle.consistency_ranges(old, new)
    assert proof == [range_root(s, e) for s, e in ranges]


# RFC 9162 section 2.1.5: the seven-leaf tree (a..f, j are leaves d0..d6).
RFC = {
    "a": (0, 1),
    "b": (1, 2),
    "c": (2, 3),
    "d": (3, 4),
    "e": (4, 5),
    "f": (5, 6),
    "j": (6, 7),
    "g": (0, 2),
    "h": (2, 4),
    "i": (4, 6),
    "k": (0, 4),
    "l": (4, 7),
}


@pytest.mark.parametrize(("leaf", "path"), [(0, "bhl"), (3, "cgl"), (4, "fjk"), (6, "ik")])
def test_rfc9162_inclusion_examples(leaf: int, path: str) -> None:
    assert merkle.inclusion_ranges(leaf, 7) == [RFC[x] for x in path]


@pytest.mark.parametrize(("old", "path"), [(3, "cdgl"), (4, "l"), (6, "ijk")])
def test_rfc9162_consistency_examples(old: int, path: str) -> None:
    assert merkle.consistency_ranges(old, 7) == [RFC[x] for x in path]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValidationError):
        merkle.inclusion_ranges(5, 5)
    with pytest.raises(ValidationError):
        merkle.consistency_ranges(6, 5)


# --- tampered proofs -------------------------------------------------------------------

OTHER = MemoryNodes([leaf_hash(f"other {i}".encode()) for i in range(N)])


@settings(max_examples=300)
@given(st.data())
def test_tampered_inclusion_proofs_are_rejected(data: st.DataObject) -> None:
    size = data.draw(st.integers(2, N), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    root = pm_root(size)
    proof = merkle.inclusion_proof(index, size, NODES)
    kind = data.draw(st.sampled_from(["hash", "index", "size", "other tree", "leaf"]))
    leaf = LEAVES[index]
    if kind == "hash":
        i = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        changed = bytearray(proof[i])
        changed[bit // 8] ^= 1 << (bit % 8)
        proof = [*proof[:i], bytes(changed), *proof[i + 1 :]]
    elif kind == "index":
        index = data.draw(st.integers(0, size - 1).filter(lambda j: j != index))
    elif kind == "size":
        # A size comes with its own root (a checkpoint binds the two): an inclusion
        # path alone does not fix the size -- index 0 of 3 leaves also "fits" 4.
        size = data.draw(st.integers(index + 1, N).filter(lambda s: s != size))
        root = pm_root(size)
    elif kind == "other tree":
        proof = merkle.inclusion_proof(index, size, OTHER)
    else:
        leaf = LEAVES[(index + 1) % size]
    assert not verify_inclusion(leaf, index, size, proof, root)


@settings(max_examples=300)
@given(st.data())
def test_tampered_consistency_proofs_are_rejected(data: st.DataObject) -> None:
    new = data.draw(st.integers(2, N), label="new")
    old = data.draw(st.integers(1, new - 1), label="old")
    proof = merkle.consistency_proof(old, new, NODES)
    kind = data.draw(st.sampled_from(["hash", "old", "new", "other tree", "root"]))
    old_root, new_root = pm_root(old), pm_root(new)
    if kind == "hash":
        i = data.draw(st.integers(0, len(proof) - 1))
        changed = bytearray(proof[i])
        changed[data.draw(st.integers(0, 31))] ^= 0x80
        proof = [*proof[:i], bytes(changed), *proof[i + 1 :]]
    elif kind == "old":  # each size with its own root, as a checkpoint binds them
        old = data.draw(st.integers(1, new - 1).filter(lambda s: s != old))
        old_root = pm_root(old)
    elif kind == "new":
        new = data.draw(st.integers(old + 1, N).filter(lambda s: s != new))
        new_root = pm_root(new)
    elif kind == "other tree":
        proof = merkle.consistency_proof(old, new, OTHER)
    else:
        old_root = pm_root(old - 1) if old > 1 else sha256(b"x")
    assert not verify_consistency(old, new, proof, old_root, new_root)
