"""The library's JSON transcoder, with the same bytes sooner for plain event states.

Every event is stored as ``json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)``
prints its state (the ``eventsourcing`` library's :class:`JSONTranscoder`), and a
directory batch event holds 1,000 rows: that encoding was ~6% of a 1M-row import
(issue 15 part 6). :class:`PlainJSONTranscoder` encodes with ``orjson`` a state that
holds only dicts with ``str`` keys, lists, tuples, ``str``, ``int``, ``bool``, ``None``
and the registered transcodings' types (each replaced, as the library does, by its
``{"_type_": ..., "_data_": ...}`` dict) -- values ``orjson`` prints exactly as the
standard library does (``ledger.canonical`` relies on the same agreement) -- and leaves
everything else to the library: floats, subclasses, unregistered types, and whatever
``orjson`` refuses (integers beyond 64 bits, lone surrogates).

Invariant: ``PlainJSONTranscoder().encode(v) == JSONTranscoder().encode(v)`` (the same
transcodings registered) for every value, or both raise; ``decode`` is the library's.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, compress
from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder

_PLAIN = frozenset({str, int, bool, type(None)})
_SEQUENCE = frozenset({list, tuple})
_PLAIN_OR_SEQUENCE = _PLAIN | {list, tuple}
#: What the standard library encodes itself, never through a transcoding.
_NATIVE = (str, int, float, list, tuple, dict)
#: How deep :func:`_plain` looks into nested lists and tuples (a batch's rows: 3).
_DEPTH = 4


def _plain(values: Sequence[Any], depth: int = _DEPTH) -> bool:
    """Whether ``values`` are plain scalars, or lists and tuples of them (nested up to
    ``depth``), checked a level at a time by C-level calls (a level of same-length
    tuples, such as rows, column by column)."""
    kinds = set(map(type, values))
    if kinds <= _PLAIN:
        return True
    if depth == 0 or not kinds <= _PLAIN_OR_SEQUENCE:
        return False
    if not kinds & _PLAIN and len(set(map(len, values))) == 1:
        return all(_plain(column, depth - 1) for column in zip(*values, strict=True))
    inner = compress(values, map(_SEQUENCE.__contains__, map(type, values)))
    return _plain(list(chain.from_iterable(inner)), depth - 1)


class PlainJSONTranscoder(JSONTranscoder):
    """:class:`JSONTranscoder` with an ``orjson`` fast path (see the module docstring)."""

    def encode(self, obj: Any) -> bytes:
        if type(obj) is dict:
            ready = self._ready(obj, _DEPTH)
            if ready is not None:
                try:
                    return orjson.dumps(ready)
                except orjson.JSONEncodeError:
                    pass  # integers beyond 64 bits, lone surrogates: the library's way
        return super().encode(obj)

    def _ready(self, state: dict[Any, Any], depth: int) -> dict[str, Any] | None:
        """``state`` with the registered types' values as their transcodings' dicts,
        if all of it is plain (else None)."""
        if depth < 0:
            return None
        ready: dict[str, Any] = {}
        for key, value in state.items():
            if type(key) is not str:
                return None
            kind = type(value)
            if kind in _PLAIN:
                pass
            elif kind is list or kind is tuple:
                if not _plain(value):
                    return None
            elif kind is dict:
                value = self._ready(value, depth - 1)
                if value is None:
                    return None
            elif kind in self.types and not issubclass(kind, _NATIVE):
                value = self._ready(self._encode_obj(value), depth - 1)
                if value is None:
                    return None
            else:
                return None
            ready[key] = value
        return ready
