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
from collections.abc import Iterable
from itertools import chain
from typing import Any

import orjson
import rfc8785

from ledger.errors import ValidationError
from ledger.i18n import _

_MAX_SAFE_INT = 2**53 - 1
_encoder = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


_SCALARS = frozenset({str, bool, type(None)})
_SCALARS_AND_INT = _SCALARS | {int}


def _ints_safe(values: Iterable[Any], kinds: set[type]) -> bool:
    """Whether the ints among ``values`` (of types ``kinds``, scalars and int) are safe."""
    if int not in kinds:
        return True
    ints = list(values) if len(kinds) == 1 else [v for v in values if type(v) is int]
    return -_MAX_SAFE_INT <= min(ints) and max(ints) <= _MAX_SAFE_INT


def _rows_ok(rows: list[dict[Any, Any]]) -> bool | None:
    """:func:`_fast_path_ok` for a list of dicts of the same size (a batch of rows), a
    few C-level calls per column of values; None if their sizes differ. (Which key a
    value is under does not matter to the check, so neither does the keys' order.)"""
    try:  # one C call for every key: all str (join refuses others), all ASCII
        if not "".join(chain.from_iterable(rows)).isascii():
            return False
    except TypeError:
        return False
    try:
        for column in zip(*map(dict.values, rows), strict=True):
            kinds = set(map(type, column))
            if kinds <= _SCALARS_AND_INT:
                if not _ints_safe(column, kinds):
                    return False
            elif kinds == {list}:
                if not _fast_path_ok(list(chain.from_iterable(column))):
                    return False
            elif not all(map(_fast_path_ok, column)):
                return False
    except ValueError:  # zip: a dict of another size
        return None
    return True


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
        kinds = set(map(type, value))
        if kinds <= _SCALARS_AND_INT:  # a flat list: its types at once
            return _ints_safe(value, kinds)
        if kinds == {dict}:
            rows = _rows_ok(list(value))
            if rows is not None:
                return rows
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


def canonical_bytes(value: Any, *, plain: bool = False) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON-compatible value.

    Raises :class:`ValidationError` for values JSON cannot carry canonically
    (NaN, integers beyond 2**53, lone surrogates, non-JSON types).

    ``plain``: the caller vouches that ``value`` holds only what the fast path takes
    (dicts with ASCII str keys, lists, str, bool, None, integers within ±(2**53 - 1)),
    so that is not checked again -- only for values the caller made itself, e.g. the
    rows its own import check normalised, never for values it received.
    """
    try:
        if plain or _fast_path_ok(value):
            try:
                return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
            except orjson.JSONEncodeError:  # e.g. nested deeper than orjson goes
                return _encoder.encode(value).encode("utf-8")
        return rfc8785.dumps(value)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise ValidationError(_("value cannot be canonicalised: {exc}", exc=exc)) from exc
