"""RFC 9162 trees: our incremental tree against pymerkle (used only here) and the RFC."""

from __future__ import annotations

import random
from typing import Any

import pymerkle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.audit.hashing import (
    MerkleFrontier,
    leaf_hash,
    node_hash,
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
GAP = MemoryNodes(LEAVES)
del GAP.store[(2, 0)]  # the operator deleted one stored node


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


# --- the frontier, the decomposition, and refusals -----------------------------------------


def test_load_frontier_equals_the_incremental_frontier_for_every_size() -> None:
    built = MerkleFrontier()
    for size in range(N + 1):
        loaded = merkle.load_frontier(size, NODES)
        assert loaded == built, size
        assert loaded.root() == merkle.root(size, NODES) == pm_root(size)
        keys = merkle.perfect_nodes(0, size)
        assert [(level, index) for level, index, _ in loaded.nodes] == keys
        if size:
            assert merkle.fold([NODES.store[k] for k in keys]) == pm_root(size)
        if size < N:
            # A loaded frontier grows exactly as the one that never left memory.
            grown = merkle.load_frontier(size, NODES)
            assert grown.append(LEAVES[size]) == built.append(LEAVES[size])
            assert grown == built


def test_a_missing_node_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"the tree has no node \(\d+, \d+\) yet"):
        merkle.root(N + 1, NODES)
    with pytest.raises(ValidationError, match="the tree has no node"):
        merkle.inclusion_proof(0, N + 5, NODES)


def reference_decomposition(start: int, end: int) -> list[merkle.Node]:
    """At each position, the largest aligned perfect subtree that fits."""
    nodes = []
    while start < end:
        level = 0
        while start % (2 << level) == 0 and start + (2 << level) <= end:
            level += 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


@given(st.integers(0, 5000), st.integers(0, 5000))
def test_perfect_nodes_are_the_greedy_aligned_decomposition(a: int, b: int) -> None:
    start, end = min(a, b), max(a, b)
    nodes = merkle.perfect_nodes(start, end)
    assert nodes == reference_decomposition(start, end)
    position = start
    for level, index in nodes:
        assert index << level == position
        position += 1 << level
    assert position == end


def test_perfect_nodes_examples() -> None:
    assert merkle.perfect_nodes(0, 0) == []
    assert merkle.perfect_nodes(0, 1) == [(0, 0)]
    assert merkle.perfect_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert merkle.perfect_nodes(4, 7) == [(1, 2), (0, 6)]
    assert merkle.perfect_nodes(5, 16) == [(0, 5), (1, 3), (3, 1)]
    assert merkle.perfect_nodes(6, 8) == [(1, 3)]
    assert merkle.perfect_nodes(0, 8) == [(3, 0)]


def test_largest_power_of_two_below() -> None:
    for n in range(2, 2000):
        k = merkle.largest_power_of_two_below(n)
        assert k & (k - 1) == 0 and k < n <= 2 * k, n


def test_fold_is_a_right_fold() -> None:
    a, b, c = LEAVES[:3]
    assert merkle.fold([a]) == a
    assert merkle.fold([a, b]) == node_hash(a, b)
    assert merkle.fold([a, b, c]) == node_hash(a, node_hash(b, c))


def test_empty_proofs() -> None:
    assert merkle.inclusion_ranges(0, 1) == []
    assert merkle.inclusion_proof(0, 1, NODES) == []
    for size in (0, 1, 5):
        assert merkle.consistency_ranges(0, size) == []
        assert merkle.consistency_ranges(size, size) == []
    assert merkle.consistency_ranges(1, 2) == [(1, 2)]
    assert merkle.inclusion_ranges(1, 2) == [(0, 1)]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: merkle.root(-1, NODES), "no tree of size -1"),
        (lambda: merkle.load_frontier(-1, NODES), "no tree of size -1"),
        (lambda: merkle.load_frontier(-8, NODES), "no tree of size -8"),
        # a tree whose stored nodes have a gap (a deleted row) names the missing node
        (lambda: merkle.load_frontier(5, GAP), r"the tree has no node \(2, 0\) yet"),
        (lambda: merkle.perfect_nodes(-1, 3), r"no range \[-1, 3\) of leaves"),
        (lambda: merkle.perfect_nodes(0, -1), r"no range \[0, -1\) of leaves"),
        (lambda: merkle.perfect_nodes(-4, -2), r"no range \[-4, -2\) of leaves"),
        (lambda: merkle.perfect_nodes(3, 1), r"no range \[3, 1\) of leaves"),
        (lambda: merkle.inclusion_ranges(-1, 3), "leaf index -1 is not in a tree of size 3"),
        (lambda: merkle.inclusion_ranges(0, -1), "leaf index 0 is not in a tree of size -1"),
        (lambda: merkle.inclusion_ranges(3, 3), "leaf index 3 is not in a tree of size 3"),
        (lambda: merkle.inclusion_proof(-1, 5, NODES), "leaf index -1 is not in a tree of size 5"),
        (lambda: merkle.inclusion_proof(0, -5, NODES), "leaf index 0 is not in a tree of size -5"),
        (lambda: merkle.consistency_ranges(-1, 3), "no consistency proof from size -1 to size 3"),
        (lambda: merkle.consistency_ranges(-2, -1), "no consistency proof from size -2 to size -1"),
        (lambda: merkle.consistency_ranges(0, -1), "no consistency proof from size 0 to size -1"),
        (lambda: merkle.consistency_ranges(4, 3), "no consistency proof from size 4 to size 3"),
        (lambda: merkle.consistency_proof(-1, 5, NODES), "no consistency proof from size -1"),
        (lambda: merkle.consistency_proof(3, -5, NODES), "no consistency proof from size 3"),
    ],
)
def test_negative_and_out_of_range_arguments_are_refused(call: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=f"^{message}"):
        call()
