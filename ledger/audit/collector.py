"""The cyclic garbage collector during bulk work, shared by threads and nesting.

Bulk folds and walks (a draw's directory, the state map, a verification) allocate
millions of objects that hold no cycles; every collection that examines all of them
again is wasted work, and a full one grows with what the process holds. Two policies:

* :func:`paused_gc` -- no collection at all while the block runs (a fold whose objects
  are kept, such as a draw's world or the state map);
* :func:`young_collections_only` -- no *full* collection, the young generations still
  collected (a walk that leaves a few short-lived cycles per row and may run over a log
  of any length, such as ``verify``: memory stays bounded).

Standard library only (:mod:`ledger.audit` is the auditor's verifier).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_paused = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while the block runs (reference counting
    still frees everything as usual); the outermost exit restores it as it was, the
    objects made meanwhile put in the oldest generation (:func:`_promote`)."""
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                _promote()
                gc.enable()


def _promote() -> None:
    """Move every object the collector tracks to its oldest generation, unexamined.

    While the collector was paused, every object the block made stayed in the youngest
    generation and counted towards its threshold: the first allocation after
    ``gc.enable()`` would collect that generation -- examining every object the block
    made and still holds (a draw's folded world: a second of a 1M-object ``draw.run``,
    issue 15.4). Freezing then unfreezing puts them all in the oldest generation, where
    a full collection still examines them as it would have; objects another part of
    the process froze on purpose (``gc.freeze()`` before forking) are left frozen."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


_walking = 0
_threshold = 10


@contextmanager
def young_collections_only() -> Iterator[None]:
    """No full garbage collection while the block runs; the young generations are still
    collected, so the few cycles a row leaves behind are freed as before.

    A full collection examines every object the process holds -- the state map and
    the checker's indexes, which grow with the log -- and the walk allocates enough to
    trigger one again and again: 10-15% of the walk's CPU at 100,000 entries, more
    as the log grows (the verify rate at 1,000,000 entries was 0.54x that at 10,000).
    Nests and is shared by threads; the outermost exit restores the threshold."""
    global _walking, _threshold
    with _lock:
        if _walking == 0:
            young, middle, _threshold = gc.get_threshold()
            gc.set_threshold(young, middle, 1 << 30)
        _walking += 1
    try:
        yield
    finally:
        with _lock:
            _walking -= 1
            if _walking == 0:
                young, middle, _old = gc.get_threshold()
                gc.set_threshold(young, middle, _threshold)
