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

:func:`ledger.audit.collector.paused_gc` keeps the collector out of the folds that
decode with :func:`loads`.
"""

from __future__ import annotations

import json
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
