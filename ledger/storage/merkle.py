"""The Merkle tree over chain entries (RFC 9162 section 2.1), kept incrementally.

Storage model: a *perfect node* ``(level, index)`` is the hash of the 2**level
leaves ``[index * 2**level, (index + 1) * 2**level)``. Level 0 nodes are the chain's
entry hashes (leaf hashes); higher levels are stored once, when they become
complete, in the tree table -- so each append writes about one row, and nothing is
ever rewritten.

Every hash RFC 9162 needs -- the root of any size, an inclusion path, a consistency
path -- is a *range hash* over ``[start, end)`` where the range either is a perfect
node or ends at the tree's edge with an aligned start. Such a range decomposes
greedily into O(log n) perfect nodes (:func:`perfect_nodes`), and its hash is their
right fold. So a proof needs O(log n) stored nodes, fetched in one query.

This module is pure; the recorders supply a :class:`NodeSource`. A negative size, index
or range, or an index outside its tree, is refused with
:class:`~ledger.errors.ValidationError`, never answered with an empty or wrong result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from ledger.audit.hashing import MerkleFrontier, node_hash, sha256
from ledger.errors import ValidationError
from ledger.i18n import _

Node = tuple[int, int]  # (level, index)
Range = tuple[int, int]  # [start, end)


class NodeSource(Protocol):
    def nodes(self, keys: Iterable[Node]) -> dict[Node, bytes]:
        """Hashes of the given perfect nodes (level 0 = entry hashes)."""


def largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n > 1), RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_size(size: int) -> None:
    if size < 0:
        raise ValidationError(_("no tree of size {size}", size=size))


def perfect_nodes(start: int, end: int) -> list[Node]:
    """Greedy decomposition of ``[start, end)`` into aligned perfect subtrees."""
    if not 0 <= start <= end:
        raise ValidationError(_("no range [{start}, {end}) of leaves", start=start, end=end))
    nodes: list[Node] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while start + (1 << level) > end:
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Right fold of consecutive subtree hashes: H(h1, H(h2, ... hk))."""
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """RFC 9162 PATH(index, D[size]) as ranges, leaf side first."""
    if not 0 <= index < size:
        raise ValidationError(
            _("leaf index {index} is not in a tree of size {size}", index=index, size=size)
        )
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = largest_power_of_two_below(end - start)
        if index < start + k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    path.reverse()
    return path


def consistency_ranges(old: int, new: int) -> list[Range]:
    """RFC 9162 PROOF(old, D[new]) = SUBPROOF(old, D[new], true) as ranges."""
    if not 0 <= old <= new:
        raise ValidationError(
            _("no consistency proof from size {old} to size {new}", old=old, new=new)
        )
    if old == 0 or old == new:
        return []
    proof: list[Range] = []
    start, end, m, complete = 0, new, old, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                proof.append((start, end))
            break
        k = largest_power_of_two_below(n)
        if m <= k:
            proof.append((start + k, end))
            end = start + k
        else:
            proof.append((start, start + k))
            start, m, complete = start + k, m - k, False
    proof.reverse()
    return proof


def _hashes(ranges: Sequence[Range], source: NodeSource) -> list[bytes]:
    decomposed = [perfect_nodes(s, e) for s, e in ranges]
    found = source.nodes({n for nodes in decomposed for n in nodes})
    try:
        return [fold([found[n] for n in nodes]) for nodes in decomposed]
    except KeyError as exc:
        raise ValidationError(_("the tree has no node {node} yet", node=exc.args[0])) from None


def root(size: int, source: NodeSource) -> bytes:
    """The RFC 9162 root of the first ``size`` entries (SHA-256 of "" for 0)."""
    _check_size(size)
    if size == 0:
        return sha256(b"")
    return _hashes([(0, size)], source)[0]


def inclusion_proof(index: int, size: int, source: NodeSource) -> list[bytes]:
    return _hashes(inclusion_ranges(index, size), source)


def consistency_proof(old: int, new: int, source: NodeSource) -> list[bytes]:
    return _hashes(consistency_ranges(old, new), source)


def load_frontier(size: int, source: NodeSource) -> MerkleFrontier:
    """The frontier of a tree of ``size`` leaves, from O(log n) stored nodes."""
    _check_size(size)
    keys = perfect_nodes(0, size)
    found = source.nodes(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        # A gap in the stored tree (a deleted row): say which node, never a bare KeyError.
        raise ValidationError(_("the tree has no node {node} yet", node=missing[0]))
    return MerkleFrontier(size, [(level, index, found[(level, index)]) for level, index in keys])
