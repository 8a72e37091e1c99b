"""The log's state map: what a checkpoint commits to beyond its root (issue 11 part 4).

A slice of the log (one stream, a trail, a draw) can prove that it holds *everything*
the log held for its question only if the log commits to where each question ends.
From ledger format 3, every checkpoint carries one C2SP ``tlog-checkpoint`` extension
line ``shuangsui-state <base64 root>``: the root of a Merkle map over

* ``stream/<id>`` -> ``"<last version> <last position>"`` for every stream in the log
  up to the checkpoint's size; and
* ``keys`` -> ``"<count> <last position> <base64 digest>"``: the key-state commitment,
  a hash chain ``d_i = SHA-256(d_(i-1) || entry hash)`` from 32 zero bytes over every
  entry of the key and witness-policy history (:data:`HISTORY_TOPICS`) in log order;
* ``subject/<kind>/<id>`` -> ``"<count> <last position> <base64 digest>"``: the trail
  index, a hash chain over the ids of the streams whose events name the object, task,
  person or department (:mod:`ledger.audit.subjects`), in the order they first did.

The map is *bucketed*: a key's hash ``SHA-256("shuangsui/map/key\\n" || key)`` picks
one of ``2**DEPTH`` buckets by its first :data:`DEPTH` bits; a bucket's hash is
``SHA-256(0x02 || (key hash || len(value) || value)...)`` over its leaves sorted by
key hash; an interior node is ``SHA-256(0x03 || left || right)`` (tags apart from
RFC 9162's 0x00 and 0x01). A proof for a key is its whole bucket (every leaf in it, so
it proves absence as well as presence) and the :data:`DEPTH` sibling hashes up to the
root (:class:`BucketProof`).

Invariants:

* the map is a function of the entries up to the size alone (stream, version,
  position, topic, entry hash), so any full verifier recomputes it and finds a
  checkpoint whose state line differs (:mod:`ledger.audit.bundles`,
  :mod:`ledger.transparency.database`) -- a lying map is as visible as a lying root;
* a bucket proof verifies only against the root it was made for, names every leaf
  of its bucket in key-hash order, each key once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.audit.errors import NoteError
from ledger.audit.hashing import ZERO_HASH
from ledger.audit.keystate import GENESIS_TOPIC, KEY_CHANGE_TOPICS
from ledger.audit.messages import _
from ledger.audit.notes import Checkpoint, b64, b64strict
from ledger.audit.subjects import named, subject_key, subject_step
from ledger.audit.witnessing import POLICY_TOPICS

#: The first ledger format whose checkpoints carry the state line.
STATE_FORMAT = 3
STATE_PREFIX = "shuangsui-state "
DEPTH = 16
BUCKETS = 1 << DEPTH
KEYS_KEY = "keys"
#: The entries the key-state commitment covers, and every slice must hold.
HISTORY_TOPICS = frozenset({GENESIS_TOPIC, *KEY_CHANGE_TOPICS, *POLICY_TOPICS})
_BUCKET_TAG = b"\x02"
_NODE_TAG = b"\x03"


def stream_key(stream: str) -> str:
    return f"stream/{stream}"


def key_hash(key: str) -> bytes:
    return hashlib.sha256(b"shuangsui/map/key\n" + key.encode("utf-8")).digest()


def bucket_of(key: str) -> int:
    return int.from_bytes(key_hash(key)[:2], "big") >> (16 - DEPTH)


def bucket_hash(leaves: Iterable[tuple[str, str]]) -> bytes:
    """The hash of one bucket's leaves (any order given; hashed in key-hash order)."""
    h = hashlib.sha256(_BUCKET_TAG)
    for kh, value in sorted((key_hash(k), v.encode("utf-8")) for k, v in leaves):
        h.update(kh + len(value).to_bytes(4, "big") + value)
    return h.digest()


EMPTY_BUCKET = bucket_hash(())


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_TAG + left + right).digest()


def _empty_levels() -> list[bytes]:
    levels = [EMPTY_BUCKET]
    for __ in range(DEPTH):
        levels.append(_node(levels[-1], levels[-1]))
    return levels


_EMPTY = _empty_levels()


def state_line(root: bytes) -> str:
    return STATE_PREFIX + b64(root)


def state_root_of(checkpoint: Checkpoint) -> bytes | None:
    """The state root a checkpoint carries (None: no state line, an older format)."""
    found = [e for e in checkpoint.extensions if e.startswith(STATE_PREFIX)]
    if not found:
        return None
    if len(found) > 1:
        raise NoteError(_("checkpoint carries two state lines"))
    root = b64strict(found[0][len(STATE_PREFIX) :], _("state root"))
    if len(root) != 32:
        raise NoteError(_("state root is not 32 bytes"))
    return root


def genesis_format(state: bytes) -> int:
    """The format a genesis' stored state records (1 when it records none)."""
    try:
        value = json.loads(state).get("format", 1)
    except (ValueError, UnicodeDecodeError, AttributeError):
        return 1
    return value if type(value) is int else 1


def history_step(digest: bytes, entry_hash: bytes) -> bytes:
    return hashlib.sha256(digest + entry_hash).digest()


def keys_value(count: int, last: int, digest: bytes) -> str:
    return f"{count} {last} {b64(digest)}"


class StateMap:
    """The map as entries arrive in position order; :meth:`root` at any point."""

    def __init__(self, *, lists: bool = False) -> None:
        self.size = 0
        #: Each subject's (count, last position, digest), and the (subject, stream)
        #: links made; with ``lists``, each subject's streams in order (the exporter).
        self.subjects: dict[str, tuple[int, int, bytes]] = {}
        self.links: set[tuple[str, str]] = set()
        self.lists: dict[str, list[str]] | None = {} if lists else None
        self.buckets: dict[int, dict[str, str]] = {}
        self._hashes: dict[int, bytes] = {}
        self._dirty: set[int] = set()
        self._levels: list[dict[int, bytes]] | None = None
        self.history = (0, 0, ZERO_HASH)  # count, last position, digest
        self._buckets_of: dict[str, int] = {}  # each key's bucket, hashed once
        #: The format the genesis (position 1) records: what the trail index holds
        #: depends on it (:data:`ledger.audit.subjects.OWN_STREAM_FORMAT`).
        self.ledger_format = 1

    @classmethod
    def resumed(cls, size: int, hashes: Mapping[int, bytes], ledger_format: int) -> StateMap:
        """A map at ``size`` known by the hashes of its non-empty buckets alone (the
        writer's stored copy, :mod:`ledger.storage.statemaps`): :meth:`load_bucket`
        every bucket an entry will touch, and :meth:`know_links` every (subject, stream)
        link it may repeat, before :meth:`observe`; and every bucket a proof names
        before :meth:`prove`."""
        new = cls()
        new.size, new.ledger_format = size, ledger_format
        new._hashes = dict(hashes)
        return new

    def load_bucket(self, bucket: int, leaves: Iterable[tuple[str, str]]) -> None:
        """Take a stored bucket's leaves (with what its subject and key-history leaves
        say), as they stand at :attr:`size`."""
        found = self.buckets[bucket] = dict(leaves)
        for key, value in found.items():
            if key.startswith("subject/") or key == KEYS_KEY:
                count, last, digest = value.split(" ")
                parsed = (int(count), int(last), b64strict(digest, _("state value")))
                if key == KEYS_KEY:
                    self.history = parsed
                else:
                    self.subjects[key] = parsed

    def know_links(self, links: Iterable[tuple[str, str]]) -> None:
        """(subject key, stream) links the stored copy already holds."""
        self.links.update(links)

    def bucket_hashes(self, buckets: Iterable[int]) -> list[tuple[int, bytes]]:
        """(bucket, hash) of ``buckets`` as they stand (what the stored copy keeps)."""
        self._tree()
        return [(b, self._hashes.get(b, EMPTY_BUCKET)) for b in buckets]

    def copy(self) -> StateMap:
        """An independent copy (its root recomputed on first use)."""
        new = StateMap()
        new.size, new.history = self.size, self.history
        new.ledger_format = self.ledger_format
        new.subjects, new.links = dict(self.subjects), set(self.links)
        new.buckets = {b: dict(leaves) for b, leaves in self.buckets.items()}
        new._dirty = set(new.buckets)
        return new

    def set(self, key: str, value: str) -> None:
        b = self._buckets_of.get(key)
        if b is None:
            b = self._buckets_of[key] = bucket_of(key)
        self.buckets.setdefault(b, {})[key] = value
        self._dirty.add(b)

    def get(self, key: str) -> str | None:
        return self.buckets.get(bucket_of(key), {}).get(key)

    def observe(
        self,
        position: int,
        stream: str,
        version: int,
        topic: str,
        entry_hash: bytes,
        state: bytes,
        names: Iterable[tuple[str, str]] | None = None,
    ) -> None:
        """Take the entry at ``position`` (the next one), with its stored event state;
        ``names``: what :func:`~ledger.audit.subjects.named` gives for it, if the caller
        has it already (the state is then not decoded again)."""
        self.size = position
        if position == 1 and topic == GENESIS_TOPIC:
            self.ledger_format = genesis_format(state)
        self.set(stream_key(stream), f"{version} {position}")
        if names is None:
            names = named(state, topic, self.ledger_format)
        for kind, ident in names:
            key = subject_key(kind, ident)
            if (key, stream) in self.links:
                continue
            self.links.add((key, stream))
            count, _last, digest = self.subjects.get(key, (0, 0, ZERO_HASH))
            self.subjects[key] = (count + 1, position, subject_step(digest, stream))
            self.set(key, keys_value(*self.subjects[key]))
            if self.lists is not None:
                self.lists.setdefault(key, []).append(stream)
        if topic in HISTORY_TOPICS:
            count, __, digest = self.history
            self.history = (count + 1, position, history_step(digest, entry_hash))
            self.set(KEYS_KEY, keys_value(*self.history))

    def _tree(self) -> list[dict[int, bytes]]:
        """The non-empty nodes, level 0 (buckets) to DEPTH (the root); recomputed
        only along the paths of buckets that changed."""
        for b in self._dirty:
            self._hashes[b] = bucket_hash(self.buckets[b].items())
        if self._levels is None:
            changed = set(self._hashes)
            self._levels = [dict(self._hashes)] + [{} for __ in range(DEPTH)]
        else:
            changed = set(self._dirty)
            self._levels[0].update({b: self._hashes[b] for b in changed})
        self._dirty = set()
        levels = self._levels
        for level in range(DEPTH):
            parents = {i >> 1 for i in changed}
            below, above = levels[level], levels[level + 1]
            empty = _EMPTY[level]
            for i in parents:
                above[i] = _node(below.get(2 * i, empty), below.get(2 * i + 1, empty))
            changed = parents
        return levels

    def root(self) -> bytes:
        levels = self._tree()
        return levels[DEPTH].get(0, _EMPTY[DEPTH])

    def prove(self, keys: Iterable[str]) -> list[BucketProof]:
        """The bucket proofs for ``keys`` (one per bucket), against :meth:`root`."""
        levels = self._tree()
        proofs = []
        for b in sorted({bucket_of(k) for k in keys}):
            path, i = [], b
            for level in range(DEPTH):
                path.append(levels[level].get(i ^ 1, _EMPTY[level]))
                i >>= 1
            leaves = sorted(self.buckets.get(b, {}).items())
            proofs.append(BucketProof(b, tuple(leaves), tuple(path)))
        return proofs


@dataclass(frozen=True)
class BucketProof:
    bucket: int
    leaves: tuple[tuple[str, str], ...]
    path: tuple[bytes, ...]

    def root(self) -> bytes:
        h, i = bucket_hash(self.leaves), self.bucket
        for sibling in self.path:
            h = _node(sibling, h) if i & 1 else _node(h, sibling)
            i >>= 1
        return h

    def as_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "leaves": [list(leaf) for leaf in self.leaves],
            "path": [b64(h) for h in self.path],
        }

    @classmethod
    def from_dict(cls, obj: Any) -> BucketProof:
        """A bucket proof from a bundle's state record; :class:`NoteError` if malformed."""
        if not isinstance(obj, dict) or set(obj) != {"bucket", "leaves", "path"}:
            raise NoteError(_("a state proof has unexpected fields"))
        bucket, leaves, path = obj["bucket"], obj["leaves"], obj["path"]
        if not isinstance(bucket, int) or isinstance(bucket, bool) or not 0 <= bucket < BUCKETS:
            raise NoteError(_("a state proof names no bucket"))
        if not isinstance(path, list) or len(path) != DEPTH:
            raise NoteError(_("a state proof's path is not {depth} hashes", depth=DEPTH))
        if not isinstance(leaves, list) or not all(
            isinstance(leaf, list)
            and len(leaf) == 2
            and all(isinstance(x, str) for x in leaf)
            and bucket_of(leaf[0]) == bucket
            for leaf in leaves
        ):
            raise NoteError(_("a state proof's leaves are not (key, value) pairs of its bucket"))
        keys = [leaf[0] for leaf in leaves]
        if len(set(keys)) != len(keys):
            raise NoteError(_("a state proof names a key twice"))
        hashes = [b64strict(h, _("state proof hash")) for h in path]
        if any(len(h) != 32 for h in hashes):
            raise NoteError(_("a state proof hash is not 32 bytes"))
        return cls(bucket, tuple((k, v) for k, v in leaves), tuple(hashes))


def proven_leaves(proofs: Sequence[BucketProof], root: bytes) -> tuple[dict[str, str], set[int]]:
    """The leaves and buckets the proofs show under ``root``; :class:`NoteError` if any
    proof does not verify or a bucket is proved twice."""
    leaves: dict[str, str] = {}
    buckets: set[int] = set()
    for proof in proofs:
        if proof.bucket in buckets:
            raise NoteError(_("bucket {bucket} is proved twice", bucket=proof.bucket))
        if proof.root() != root:
            raise NoteError(
                _("the proof of bucket {bucket} does not give the state root", bucket=proof.bucket)
            )
        buckets.add(proof.bucket)
        leaves.update(proof.leaves)
    return leaves, buckets


def lookup(key: str, leaves: Mapping[str, str], buckets: set[int]) -> tuple[bool, str | None]:
    """(proved, value): whether the proofs decide ``key``, and its value (None: absent)."""
    if bucket_of(key) not in buckets:
        return False, None
    return True, leaves.get(key)


def check_state_line(checkpoint: Checkpoint, ledger_format: int, expected: bytes | None) -> None:
    """A checkpoint's state line against the map the entries give (``expected``; None:
    not known here). From :data:`STATE_FORMAT` the line is required; before it, a
    checkpoint has none. :class:`NoteError` names the problem."""
    root = state_root_of(checkpoint)
    if ledger_format < STATE_FORMAT:
        if root is not None:
            raise NoteError(
                _(
                    "a format-{ledger_format} checkpoint carries a state line",
                    ledger_format=ledger_format,
                )
            )
        return
    if root is None:
        raise NoteError(
            _(
                "checkpoint of size {size} carries no state line (no state commitment)",
                size=checkpoint.size,
            )
        )
    if expected is not None and root != expected:
        raise NoteError(
            _(
                "checkpoint of size {size}: its state root is not the one the entries "
                "give (the state map was falsified)",
                size=checkpoint.size,
            )
        )


def empty_root() -> bytes:
    return StateMap().root()
