"""Decoding stored event states fast, with exactly the standard library's result.

The draw folds the directory's batch events -- a million rows for a county -- and
the standard library's JSON decoder was most of the time a draw took (issue 15.4).
:func:`loads` decodes with ``orjson`` and leaves to :func:`json.loads` the inputs where the two
could differ: those ``orjson`` refuses and the standard library accepts (``NaN``,
lone surrogates, encodings other than UTF-8) and those that may hold an integer of 19
or more digits (beyond 64 bits ``orjson`` would make it a float); so every
caller gets the same values as before, only sooner. Invariants: the result equals
``json.loads(data)`` for every input ``json.loads`` accepts; an input neither
accepts raises :class:`ValueError` (``json.JSONDecodeError``) as before.

:func:`paused_gc` keeps the cyclic garbage collector out of a bulk fold: building
millions of tuples and lists triggers collections that rescan every object made so
far, for nothing (these objects hold no cycles). It nests and is shared by threads.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

# orjson reads an integer beyond 64 bits as a float, where the standard library keeps
# it exact. Such an integer is 19 or more digits after a "[", ":", ",", "-" or blank
# (or at the very start): mapped to "0" (digits) and ":" (those), such a run shows as
# ":" and 19 zeros -- any input with one goes to the standard library. Digits inside
# strings (hashes, tickets) rarely follow one of those, and if they do, the standard
# library decodes them: slower, never different.
_DIGITS = bytes(
    ord("0") if chr(i).isdigit() and i < 128 else ord(":") if chr(i) in "[:,- \t\r\n" else ord(".")
    for i in range(256)
)
_LONG_INTEGER = b":" + b"0" * 19


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """``json.loads(data)``, decoded by orjson where that gives the same values."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    mapped = raw.translate(_DIGITS)  # as if after a ":" (not copied once more to add it)
    if mapped.startswith(_LONG_INTEGER[1:]) or _LONG_INTEGER in mapped:
        return json.loads(data if not isinstance(data, memoryview) else raw)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(data if not isinstance(data, memoryview) else raw)


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
