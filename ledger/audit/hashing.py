"""The primitives every other part of the format is built on: RFC 9162 hashes and
proofs, key ids, and the one Ed25519 check.

Invariants:

* a leaf hash is ``SHA-256(0x00 || entry)`` and an interior node ``SHA-256(0x01 ||
  left || right)`` (RFC 9162 section 2.1), so the ledger's entry hashes are also the
  leaves of the Merkle tree behind its checkpoints; the empty tree's root is
  ``SHA-256("")``;
* :func:`verify_inclusion` and :func:`verify_consistency` follow RFC 9162 sections
  2.1.3.2 and 2.1.4.2 step by step and answer ``False`` (never raise) for any proof,
  index or size that does not fit;
* :class:`MerkleFrontier` holds only the perfect subtrees of what was appended, so
  its root equals the full tree's root at every size; :func:`tree_root` computes the
  same root of a long stream of entries level by level, a chunk at a time;
* a key id is the first 8 bytes of SHA-256 of the raw 32-byte public key, in hex;
* :func:`signature_ok` is the only Ed25519 check: ``True`` exactly when PyNaCl
  opens ``signature || message`` under the key, ``False`` for anything else
  (a bad signature, a short key, a wrong type).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError, CryptoError

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
ZERO_HASH = bytes(32)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || entry)."""
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def key_id_for(public_key: bytes) -> str:
    """A key's id: the first 8 bytes of SHA-256 of the raw public key, in hex."""
    return hashlib.sha256(public_key).digest()[:8].hex()


def signature_ok(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        crypto_sign_open(signature + message, public_key)
    except (BadSignatureError, CryptoError, ValueError, TypeError):
        return False
    return True


def _lsb(n: int) -> int:
    return n & 1


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: is ``leaf`` (a leaf hash) at ``index`` in ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if _lsb(fn) or fn == sn:
            r = node_hash(p, r)
            if not _lsb(fn):
                while not (_lsb(fn) or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """RFC 9162 section 2.1.4.2: does the tree ``new_root`` extend ``old_root``?"""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two
        path.insert(0, old_root)
    return consistency_roots(old_size, new_size, path) == (old_root, new_root)


def consistency_roots(
    old_size: int, new_size: int, path: Sequence[bytes]
) -> tuple[bytes, bytes] | None:
    """The two roots an RFC 9162 consistency path gives (section 2.1.4.2's ``fr`` and
    ``sr``): of the first ``old_size`` leaves and of all ``new_size``; None when the
    path has the wrong length. ``path`` starts with the subtree the old tree ends in --
    the old root itself when ``old_size`` is a power of two, which the RFC's proof
    leaves out. When ``sr`` is a signed root of ``new_size``, ``fr`` is what that tree
    holds for its first ``old_size`` leaves: a different signed root of ``old_size``
    then proves the log inconsistent (:mod:`ledger.audit.forks`)."""
    if not 0 < old_size < new_size or not path:
        return None
    fn, sn = old_size - 1, new_size - 1
    while _lsb(fn):
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return None
        if _lsb(fn) or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not _lsb(fn):
                while not (_lsb(fn) or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return (fr, sr) if sn == 0 else None


@dataclass
class MerkleFrontier:
    """The perfect subtrees of a growing tree, left to right: O(log n) hashes that
    give the root of everything appended so far (RFC 9162 MTH)."""

    size: int = 0
    nodes: list[tuple[int, int, bytes]] = field(default_factory=list)  # (level, index, hash)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the interior nodes this completes."""
        completed: list[tuple[int, int, bytes]] = []
        level, index, h = 0, self.size, leaf
        while self.nodes and self.nodes[-1][0] == level:
            _, left_index, left = self.nodes.pop()
            h = node_hash(left, h)
            level, index = level + 1, left_index >> 1
            completed.append((level, index, h))
        self.nodes.append((level, index, h))
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.nodes:
            return sha256(b"")
        result = self.nodes[-1][2]
        for _, _, h in reversed(self.nodes[:-1]):
            result = node_hash(h, result)
        return result


def _reduce(hashes: list[bytes]) -> bytes:
    """The RFC 9162 root of a non-empty list of subtree roots that all span the same
    number of leaves, save the last, which may span fewer: pair left to right, carry
    an odd last node up unchanged (the tree is filled from the left)."""
    sha = hashlib.sha256
    while len(hashes) > 1:
        paired = [
            sha(NODE_PREFIX + left + right).digest()
            for left, right in zip(hashes[::2], hashes[1::2], strict=False)
        ]
        if len(hashes) % 2:
            paired.append(hashes[-1])
        hashes = paired
    return hashes[0]


def tree_root(entries: Iterable[bytes], chunk: int = 4096) -> bytes:
    """The RFC 9162 Merkle tree hash of the entries (leaf hashes taken here), equal to
    :class:`MerkleFrontier`'s root after appending each entry's leaf hash. Streams:
    holds one chunk of ``chunk`` entries (a power of two) and one hash per chunk."""
    if chunk < 1 or chunk & (chunk - 1):
        raise ValueError("chunk must be a power of two")
    sha = hashlib.sha256
    iterator = iter(entries)
    roots: list[bytes] = []
    while block := list(islice(iterator, chunk)):
        roots.append(_reduce([sha(LEAF_PREFIX + entry).digest() for entry in block]))
        if len(block) < chunk:
            break
    return _reduce(roots) if roots else sha256(b"")
