"""The writer's stored copy of the state map (issue 11 part 4's cost): a checkpoint in a
new process costs what the entries since the last one cost, not the whole log.

Each format-3 checkpoint commits to the state map of its size
(:mod:`ledger.audit.statemap`). Rebuilt in memory, that map costs a read of every entry
in each new process (44 s at 1M entries). So the writer keeps its copy in the database
(:data:`ledger.storage.writer.STATE_TABLES`): the size it is at, every non-empty
bucket's hash and leaves, and the trail index's (subject, stream) links with the
position of the entry that made each. :class:`StoredStateMap` grows it to a checkpoint's
size: it reads the entries after the stored size, loads only the buckets and links they
touch, runs the auditor's own :meth:`~ledger.audit.statemap.StateMap.observe` on them,
and writes back what changed, one transaction per :data:`CHUNK` entries, each guarded by
the size it started from (a first map of a long log holds one chunk's changes, and keeps
the chunks written if it is interrupted).

Invariants:

* the root is the one :class:`~ledger.audit.statemap.StateMap` computes from the
  entries alone (the same code observes them; ``tests/integration/test_stored_state.py``
  compares it with a map rebuilt from position 1);
* the stored copy is the operator's: nothing that verifies reads it -- ``verify``,
  ``verify --bundle`` and ``verify --since`` recompute the map from the entries
  (:mod:`ledger.transparency.database`), so a falsified copy gives a checkpoint whose
  state line every full verification refuses;
* a copy past the size asked for is never rolled back: the caller then rebuilds that
  size in memory (:meth:`ledger.transparency.log.Transparency.state_map`).
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.audit.keystate import GENESIS_TOPIC
from ledger.audit.statemap import (
    HISTORY_TOPICS,
    KEYS_KEY,
    StateMap,
    bucket_of,
    genesis_format,
    stream_key,
)
from ledger.audit.subjects import named_in, subject_key
from ledger.decoding import loads
from ledger.errors import LedgerError
from ledger.i18n import _
from ledger.storage.writer import ChainWriter

PAGE = 5000
#: At most this many entries are observed between two writes of the stored copy.
CHUNK = 1_000_000
#: At most about this many bytes of entries' states are read at once.
PAGE_BYTES = 2 << 20


def names_of(state: bytes, topic: str, ledger_format: int) -> set[tuple[str, str]]:
    """:func:`~ledger.audit.subjects.named`, decoding by :func:`ledger.decoding.loads`
    (the same values as ``json.loads``, sooner)."""
    try:
        value = loads(state)
    except ValueError:  # what json.loads raises (UnicodeDecodeError is one)
        return set()
    return named_in(value, topic, ledger_format)


class StoredStateMap:
    """The stored state map of one ledger, as this process last read or grew it."""

    def __init__(self, chain: ChainWriter) -> None:
        self.chain = chain
        self._map: StateMap | None = None
        self._loaded: set[int] = set()

    def at(self, size: int, ledger_format: int) -> StateMap | None:
        """The map of the first ``size`` entries of a ledger of ``ledger_format``, grown
        from (and written back to) the stored copy; None if the stored copy is already
        past ``size``."""
        while True:
            stored = self.chain.state_size()
            if stored > size:
                return None
            if self._map is None or self._map.size != stored:
                self._map = StateMap.resumed(
                    stored, self.chain.state_bucket_hashes(), ledger_format
                )
                self._loaded = set()
            state = self._map
            while state.size < size:
                # At most CHUNK entries per write: a first map of a long log keeps its
                # work as it goes and holds one chunk's changes and links, not the log's.
                end = min(size, state.size + CHUNK)
                changed: set[str] = set()
                links: list[tuple[str, str, int]] = []
                while state.size < end:
                    rows = self.chain.select_entry_meta(state.size, end, PAGE, PAGE_BYTES)
                    if not rows or rows[0][0] != state.size + 1:
                        raise LedgerError(
                            _("internal: entry {size} is missing", size=state.size + 1)
                        )
                    self._observe(state, rows, stored, changed, links)
                buckets = sorted({bucket_of(k) for k in changed})
                leaves = [
                    (bucket_of(k), k, state.buckets[bucket_of(k)][k]) for k in sorted(changed)
                ]
                hashes = state.bucket_hashes(buckets)
                if not self.chain.write_state(stored, end, leaves, hashes, links):
                    self._map = None  # another writer moved it first: start from its copy
                    break
                stored = end
                # The links written are the stored copy's now: the next chunk asks it.
                state.links.clear()
            else:
                return state

    def prepared(self, state: StateMap, keys: Iterable[str]) -> StateMap:
        """``state`` with the buckets of ``keys`` loaded (what :meth:`StateMap.prove`
        reads)."""
        self._load(state, {bucket_of(k) for k in keys})
        return state

    def _load(self, state: StateMap, buckets: set[int]) -> None:
        wanted = buckets - self._loaded
        if not wanted:
            return
        leaves: dict[int, list[tuple[str, str]]] = {b: [] for b in wanted}
        for bucket, key, value in self.chain.state_leaves(wanted):
            leaves[bucket].append((key, value))
        for bucket, found in leaves.items():
            state.load_bucket(bucket, found)
        self._loaded |= wanted

    def _observe(
        self,
        state: StateMap,
        rows: list[tuple[int, bytes, str, int, str, bytes]],
        stored: int,
        changed: set[str],
        links: list[tuple[str, str, int]],
    ) -> None:
        """Observe ``rows`` (the next entries), having loaded what they touch from the
        stored copy (at size ``stored``); collect the keys they change and the links
        they make."""
        keys: set[str] = set()
        pairs: list[tuple[str, str, int]] = []
        # Each entry's subjects, found once for both passes.
        names: list[set[tuple[str, str]]] = []
        for position, _hash, stream, _version, topic, body in rows:
            keys.add(stream_key(stream))
            if position == 1 and topic == GENESIS_TOPIC:
                state.ledger_format = genesis_format(body)
            names.append(names_of(body, topic, state.ledger_format))
            for kind, ident in names[-1]:
                key = subject_key(kind, ident)
                keys.add(key)
                pairs.append((key, stream, position))
            if topic in HISTORY_TOPICS:
                keys.add(KEYS_KEY)
        self._load(state, {bucket_of(k) for k in keys})
        # Links the stored copy holds; none when it is empty (a first build).
        if stored:
            state.know_links(self.chain.state_links((key, stream) for key, stream, __ in pairs))
        made: set[tuple[str, str]] = set()
        for key, stream, position in pairs:
            if (key, stream) not in state.links and (key, stream) not in made:
                made.add((key, stream))
                links.append((key, stream, position))
        for (position, entry_hash, stream, version, topic, body), found in zip(
            rows, names, strict=True
        ):
            state.observe(position, stream, version, topic, entry_hash, body, found)
        changed |= keys
