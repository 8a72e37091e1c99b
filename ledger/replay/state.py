"""The log's state in memory, as a handler reads it during a replay.

:class:`LogState` is a :class:`~ledger.commanding.LedgerReader` built from nothing but
the verified entries: the events of each stream (folded into a fresh aggregate on every
read, as the ledger's repository does) and, per topic, the stored event bytes in log
order (what ``topic_events`` answers). It holds the state *before* the command being
replayed; :meth:`LogState.apply` adds a command's events once they are proved to be the
ones it produces.

Invariants: every read returns a new aggregate (a handler's changes never leak into the
state); ``head()`` is the position and hash of the last applied entry; nothing here
reads a clock, a file or the environment.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger import formats
from ledger.decoding import loads
from ledger.errors import KeyNotValidError, NotFoundError
from ledger.i18n import _
from ledger.ids import GENESIS_ID, draw_id, key_stream_id


@dataclass(frozen=True)
class Head:
    """The last applied entry (what ``Ledger.head()`` answers while a command runs)."""

    position: int
    entry_hash: bytes


@dataclass(frozen=True)
class SealingKeyId:
    """The key that sealed the genesis: the ledger's own key, as the genesis checks it."""

    key_id: str


class LogState:
    """The aggregates and topic index of the log up to :attr:`head`."""

    def __init__(self) -> None:
        self._streams: dict[UUID, list[Any]] = {}
        self._topics: dict[str, list[tuple[int, str, str, bytes]]] = {}
        self._head = Head(0, bytes(32))
        #: Set for the genesis only: the key whose seal closes the genesis command.
        self.signer: SealingKeyId | None = None
        #: The format the stored genesis records (the genesis is replayed with it).
        self.starting_format: int = formats.CURRENT
        # The genesis never changes after position 1, and every format-gated rule reads
        # it: folded once, shared (no handler changes it).
        self._genesis: Any | None = None
        self._actors: dict[UUID, Any] = {}
        self._texts: dict[UUID, str] = {}

    # -- LedgerReader -----------------------------------------------------------------
    def find(self, aggregate_id: Any) -> Any | None:
        events = self._streams.get(
            aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
        )
        if not events:
            return None
        aggregate: Any = None
        for event in events:
            aggregate = event.mutate(aggregate)
        return aggregate

    def get(self, aggregate_id: Any) -> Any:
        found = self.find(aggregate_id)
        if found is None:
            raise NotFoundError(_("no stream {aggregate_id}", aggregate_id=aggregate_id))
        return found

    def genesis(self) -> Any | None:
        if self._genesis is None:
            self._genesis = self.find(GENESIS_ID)
        return self._genesis

    def key(self, key_id: str) -> Any | None:
        return self.find(key_stream_id(key_id))

    def valid_key(self, key_id: str) -> Any:
        key = self.key(key_id)
        if key is None:
            raise KeyNotValidError(
                _("key {key_id} is not registered in this ledger", key_id=key_id)
            )
        if not key.active:
            raise KeyNotValidError(_("key {key_id} was {status}", key_id=key_id, status=key.status))
        return key

    def actor(self, key_id: str) -> Any:
        """The acting key of a command (:meth:`valid_key`), folded once per change of its
        stream: a handler reads ``ctx.actor``, never changes it (it loads a key it
        changes through :meth:`valid_key`, a fresh one)."""
        stream = key_stream_id(key_id)
        cached = self._actors.get(stream)
        if cached is None:
            cached = self._actors[stream] = self.valid_key(key_id)
        elif not cached.active:
            raise KeyNotValidError(
                _("key {key_id} was {status}", key_id=key_id, status=cached.status)
            )
        return cached

    def find_draw_for(self, task: str) -> Any | None:
        return self.find(draw_id(task, 1))

    def head(self) -> Head:
        return self._head

    def topic_events(
        self,
        topics: Sequence[str],
        up_to: int | None = None,
        page: int = 500,
        *,
        streams: Collection[str] | None = None,
    ) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
        lists = [self._topics.get(topic, []) for topic in dict.fromkeys(topics)]
        merged = lists[0] if len(lists) == 1 else heapq.merge(*lists)
        for position, stream, topic, state in merged:
            if up_to is not None and position > up_to:
                return
            if streams is None or stream in streams:
                yield position, stream, topic, loads(state)

    def stream_text(self, stream: UUID) -> str:
        """``str(stream)``, made once per stream."""
        text = self._texts.get(stream)
        if text is None:
            text = self._texts[stream] = str(stream)
        return text

    # -- growing ----------------------------------------------------------------------
    def apply(self, entries: Sequence[tuple[int, bytes, str, Any, bytes]]) -> None:
        """Add one command's entries: (position, entry hash, topic, domain event, stored
        state bytes)."""
        for position, entry_hash, topic, event, state in entries:
            self._streams.setdefault(event.originator_id, []).append(event)
            if event.originator_id == GENESIS_ID:
                self._genesis = None
            self._actors.pop(event.originator_id, None)
            self._topics.setdefault(topic, []).append(
                (position, self.stream_text(event.originator_id), topic, state)
            )
            self._head = Head(position, entry_hash)
