"""Canonical JSON bytes (RFC 8785, JSON Canonicalization Scheme).

This is the only function in the project that turns a value into bytes that are
signed or hashed. Invariant: ``canonical_bytes(v) == rfc8785.dumps(v)`` for every
value, which ``tests/unit/test_canonical.py`` checks as a property.

Speed: the ``rfc8785`` package is pure Python (about 30k small objects/s here), and
chain entries are encoded on every append. For values whose canonical form is
exactly what ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` prints — only dicts with ASCII keys, lists, tuples, strings,
booleans, null and integers inside ±(2**53 - 1) — the standard library's C encoder
is used. RFC 8785 and Python agree on those: keys sort by code unit (the same order
for ASCII), strings escape exactly ``"``, ``\\`` and the C0 controls (short forms
for ``\\b \\t \\n \\f \\r``, ``\\u00xx`` for the rest), integers print in
decimal. Anything else (floats, non-ASCII keys, big integers) goes to ``rfc8785``.
Those values are encoded by ``orjson`` (``OPT_SORT_KEYS``), which prints the same bytes
as that standard library call about ten times faster (a directory import encodes every
row twice: issue 15 part 6); should it refuse one (nesting deeper than it goes), the
standard library's encoder does it as before.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import rfc8785

from ledger.errors import ValidationError
from ledger.i18n import _

_MAX_SAFE_INT = 2**53 - 1
_encoder = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def _fast_path_ok(value: Any) -> bool:
    kind = type(value)
    if kind is dict:
        try:  # one C call for every key: all str (join refuses others), all ASCII
            if not "".join(value).isascii():
                return False
        except TypeError:
            return False
        items: Any = value.values()
    elif kind is list or kind is tuple:
        items = value
    elif kind is str or kind is bool or value is None:
        return True
    elif kind is int:
        return bool(-_MAX_SAFE_INT <= value <= _MAX_SAFE_INT)
    else:
        return False
    for item in items:
        item_kind = type(item)
        if item_kind is str or item_kind is bool or item is None:
            continue
        if item_kind is int:
            if not -_MAX_SAFE_INT <= item <= _MAX_SAFE_INT:
                return False
        elif not _fast_path_ok(item):
            return False
    return True


def canonical_bytes(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON-compatible value.

    Raises :class:`ValidationError` for values JSON cannot carry canonically
    (NaN, integers beyond 2**53, lone surrogates, non-JSON types).
    """
    try:
        if _fast_path_ok(value):
            try:
                return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
            except orjson.JSONEncodeError:  # e.g. nested deeper than orjson goes
                return _encoder.encode(value).encode("utf-8")
        return rfc8785.dumps(value)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise ValidationError(_("value cannot be canonicalised: {exc}", exc=exc)) from exc
