"""The ledger's JSON transcoder stores the bytes the library's would (issue 15 part 6):
the ``orjson`` path for plain states prints what ``json`` prints, and anything else
(floats, big integers, lone surrogates, subclasses, unregistered types) goes the
library's way, to the same bytes or the same refusal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.storage.transcoder import PlainJSONTranscoder


def transcoders() -> tuple[JSONTranscoder, JSONTranscoder]:
    library, plain = JSONTranscoder(), PlainJSONTranscoder()
    for transcoder in (library, plain):
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
            transcoder.register(transcoding)
    return library, plain


LIBRARY, PLAIN = transcoders()


def outcome(transcoder: JSONTranscoder, value: Any) -> bytes | str:
    try:
        return transcoder.encode(value)
    except Exception as exc:  # the same refusal is what is compared
        return type(exc).__name__


class Text(str):
    pass


scalars = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x3F)),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.uuids(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.decimals(allow_nan=False, places=3),
    st.builds(Text, st.text(max_size=3)),
    st.sampled_from(["\ud800", "a\udfffb", 2**64, -(2**63) - 1, 2**64 - 1, -(2**63)]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.lists(st.lists(inner, min_size=2, max_size=2).map(tuple), max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers(0, 3)), inner, max_size=4),
    ),
    max_leaves=20,
)
states = st.dictionaries(st.text(max_size=6), values, max_size=6)


@settings(max_examples=400, deadline=None)
@given(states)
def test_any_state_encodes_as_the_library_does(state: dict[str, Any]) -> None:
    assert outcome(PLAIN, state) == outcome(LIBRARY, state)


def test_a_batch_of_rows_takes_the_fast_path_to_the_same_bytes() -> None:
    rows = tuple(
        (f"91512021MA{i:08d}", '宏远\n商贸"有限\\公司\x01', i, ["SCJGJ", "XZSPJ"], None, True)
        for i in range(50)
    )
    state = {
        "timestamp": dt.datetime(2024, 3, 1, 8, 30, tzinfo=dt.UTC),
        "originator": UUID(int=7),
        "amount": Decimal("1.50"),
        "columns": ("id", "name", "n", "supervisors", "note", "flag"),
        "rows": rows,
        "meta": {"seq": 3, "nested": {"at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}},
    }
    assert PLAIN._ready(state, 4) is not None  # the orjson path
    assert PLAIN.encode(state) == LIBRARY.encode(state)


def test_what_the_fast_path_leaves_to_the_library() -> None:
    for state in (
        {"x": 1.5},
        {"x": [1, [2, [3.0]]]},
        {"x": Text("a")},
        {"x": {1: "int key"}},
        {"x": 2**64},
        {"x": "\ud800"},
        {"x": ({"a": 1},)},
    ):
        assert outcome(PLAIN, state) == outcome(LIBRARY, state), state
