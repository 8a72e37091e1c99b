"""Group commit (issue 15.1): the commands that threads of one process record at the
same time share one write transaction -- one write lock, one commit, one fsync.

Each thread hands its command's stored events to the recorder's :class:`Sequencer` and
waits. One thread at a time leads: it takes every command queued so far (at most
:data:`MAX_BATCH`), and the recorder writes them in one transaction, one after another
in the order they arrived, each exactly as it would have been written alone (its own
chain rows, its evidence on its first entry, the ledger's signature over its last, its
Merkle nodes). Then the leader wakes the batch's other threads and hands the lead to
the first command that arrived meanwhile. Invariants:

* what is stored and signed is what the same commands written one by one in that
  order would have stored (no format change): verify, bundles, receipts and replay
  see no difference;
* a command refused inside a batch (its nonce used, its key no longer valid, its
  stream version taken, any exception in its part) is rolled back to its own
  savepoint: the batch's other commands commit, and it gets its own error;
* a failure of the batch as a whole (the commit, the connection) is every command's
  error, and nothing of the batch is stored;
* a command has a result only once its batch has committed;
* without contention a command is a batch of one, written as before (no savepoint);
* a leader waits for commands being prepared in other threads (announced with
  :meth:`Sequencer.preparing`) at most :data:`MAX_LINGER` seconds and no longer than
  half its last batch took to write -- a commit costs an fsync, a command's
  preparation a fraction of one -- and never for a command not announced.

Commands of several processes still take the database's write lock one transaction
at a time; each process batches its own threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import StoredEvent

#: At most this many commands in one transaction, so one batch's latency stays bounded.
MAX_BATCH = 64

#: The longest a leader waits for announced commands to join its batch (seconds).
MAX_LINGER = 0.004


class Request:
    """One command waiting to be recorded, and what became of it."""

    __slots__ = ("error", "hashes", "ids", "kwargs", "lead", "positions", "stored_events", "woken")

    def __init__(self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> None:
        self.stored_events = stored_events
        self.kwargs = kwargs
        self.ids: Sequence[int] | None = None
        self.positions: list[int] = []
        self.hashes: list[bytes] = []
        self.error: BaseException | None = None
        self.lead = False
        self.woken = threading.Event()

    def recorded(self, ids: Sequence[int], positions: list[int], hashes: list[bytes]) -> None:
        self.ids, self.positions, self.hashes = ids, positions, hashes
        self.error = None

    def refused(self, error: BaseException) -> None:
        self.error = error
        self.ids, self.positions, self.hashes = None, [], []


class Sequencer:
    """Queues commands and runs them in batches through ``write`` (the recorder's
    batch writer), one batch at a time. ``write`` records each request's outcome with
    :meth:`Request.recorded` or :meth:`Request.refused`; if it raises, the whole batch
    is refused with that error."""

    def __init__(
        self,
        write: Callable[[list[Request]], None],
        max_batch: int = MAX_BATCH,
        linger: float = MAX_LINGER,
    ):
        self._write = write
        #: At most this many commands per batch (1: a transaction per command, as
        #: without group commit -- the benchmark's baseline).
        self.max_batch = max_batch
        #: The longest a leader waits for announced commands (seconds).
        self.linger = linger
        self._mutex = threading.Lock()
        self._arrived = threading.Condition(self._mutex)
        self._queue: list[Request] = []
        self._leading = False
        #: Commands announced by :meth:`preparing` and not yet submitted.
        self._preparing = 0
        self._announced = threading.local()
        self._last_write = 0.0
        #: Batches written and commands in them (for tests and benchmarks).
        self.batches = 0
        self.commands = 0

    @contextmanager
    def preparing(self) -> Iterator[None]:
        """Announce, while a command is prepared in this thread, that it will be
        submitted soon, so a leader may wait a moment for it."""
        with self._mutex:
            self._preparing += 1
        self._announced.count = getattr(self._announced, "count", 0) + 1
        try:
            yield
        finally:
            self._unannounce()

    def _unannounce(self) -> None:
        count = getattr(self._announced, "count", 0)
        if count:
            self._announced.count = 0
            with self._mutex:
                self._preparing -= count

    def submit(self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> Request:
        """Record one command's events (in some batch); return once its batch is done."""
        request = Request(stored_events, kwargs)
        self._unannounce()
        with self._mutex:
            self._queue.append(request)
            self._arrived.notify()
            if not self._leading:
                self._leading = request.lead = True
        if not request.lead:
            request.woken.wait()
            if not request.lead:
                return request  # written by another thread's batch
        self._lead()
        return request

    def _lead(self) -> None:
        with self._mutex:
            linger = min(self.linger, self._last_write / 2)
            deadline = time.monotonic() + linger
            while self._preparing and len(self._queue) < self.max_batch:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._arrived.wait(left)
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
        started = time.monotonic()
        try:
            for request in batch:
                request.error = None
            self._write(batch)
        except BaseException as exc:
            for request in batch:
                request.refused(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            self._last_write = time.monotonic() - started
            self.batches += 1
            self.commands += len(batch)
            with self._mutex:
                if self._queue:
                    following = self._queue[0]
                    following.lead = True
                    following.woken.set()
                else:
                    self._leading = False
            for request in batch:
                if not request.lead:
                    request.woken.set()
