"""The replay prints the entries it compares directly (issue 11.1's speed): the bytes
are always RFC 8785's (:func:`ledger.canonical.canonical_bytes`), whatever the fields."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.canonical import canonical_bytes
from ledger.errors import ValidationError
from ledger.replay.verifier import entry_bytes

TEXT = st.one_of(
    st.text(max_size=12),
    st.text(alphabet='0123456789abcdef-:+T."\\\x00\x1f\u2028é', max_size=12),
    st.just("shuangsui.inspection.checked"),
)
NUMBER = st.one_of(st.integers(min_value=0, max_value=2**53 - 1), st.integers(), st.booleans())


@settings(deadline=None)
@given(
    texts=st.fixed_dictionaries(
        {k: TEXT for k in ("command", "event", "prev", "stream", "time", "type")}
    ),
    numbers=st.fixed_dictionaries({k: NUMBER for k in ("position", "schema", "v", "version")}),
    part=st.lists(NUMBER, min_size=0, max_size=3),
)
def test_an_entry_is_printed_as_rfc_8785_prints_it(
    texts: dict[str, Any], numbers: dict[str, Any], part: list[Any]
) -> None:
    fields = {**texts, **numbers, "part": part}
    try:
        expected = canonical_bytes(fields)
    except ValidationError:
        with pytest.raises(ValidationError):
            entry_bytes(fields)
        return
    assert entry_bytes(fields) == expected


def test_a_plain_entry() -> None:
    fields = {
        "command": "ab" * 32,
        "event": "cd" * 32,
        "part": [0, 2],
        "position": 12,
        "prev": "ef" * 32,
        "schema": 1,
        "stream": "6f1c3a52-2d0e-4d8e-9a55-5c6b1f0a7e31",
        "time": "2026-11-02T01:02:03+00:00",
        "type": "shuangsui.note.created",
        "v": 1,
        "version": 3,
    }
    assert entry_bytes(fields) == canonical_bytes(fields)
