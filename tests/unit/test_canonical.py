"""RFC 8785: our encoder equals the reference ``rfc8785`` package for every value."""

from __future__ import annotations

from unittest import mock

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.canonical import canonical_bytes
from ledger.errors import ValidationError

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@given(json_values)
def test_equals_reference_implementation(value: object) -> None:
    same_as_reference(value)


def same_as_reference(value: object) -> None:
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        with pytest.raises(ValidationError):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected


row_values = st.recursive(
    json_scalars | st.integers(),  # integers beyond 2**53 too: they must be refused
    lambda children: st.lists(children, max_size=3) | st.tuples(children),
    max_leaves=4,
)
row_batches = st.lists(
    st.dictionaries(st.sampled_from(["id", "kind", "n", "\u00e9", "b"]), row_values, max_size=4)
    | st.fixed_dictionaries({"id": st.text(max_size=3), "n": st.integers(-(2**60), 2**60)}),
    max_size=6,
)


@settings(max_examples=300)
@given(row_batches)
def test_batches_of_rows_equal_reference_implementation(rows: list[dict[str, object]]) -> None:
    """Lists of dicts are checked column by column (a directory batch, issue 15 part 6):
    the same bytes, and the same refusals, as the reference."""
    same_as_reference(rows)


def test_rfc8785_examples() -> None:
    assert (
        canonical_bytes({"b": [1, "\u20ac", True], "a": None})
        == b'{"a":null,"b":[1,"\xe2\x82\xac",true]}'
    )
    assert canonical_bytes({"x": 1e21, "y": 0.000001}) == b'{"x":1e+21,"y":0.000001}'
    # UTF-16 code unit order: U+10000 (surrogates D800..) sorts before U+E000.
    assert canonical_bytes({"\ue000": 1, "\U00010000": 2}) == rfc8785.dumps(
        {"\ue000": 1, "\U00010000": 2}
    )
    assert canonical_bytes({"c": "\x1f\n"}) == b'{"c":"\\u001f\\n"}'


@pytest.mark.parametrize("bad", [2**60, float("nan"), {"a": object()}, "\ud800"])
def test_refuses_what_json_cannot_carry(bad: object) -> None:
    with pytest.raises(ValidationError):
        canonical_bytes(bad)


# --- the safe-integer edge, non-string keys, and which encoder runs ------------------------

SAFE = 2**53 - 1


def nestings(value: object) -> list[object]:
    """The value alone and inside lists, tuples and dicts, at several depths."""
    return [
        value,
        [value],
        ("x", value),
        {"a": value},
        {"a": [1, value]},
        [{"b": value}],
        {"a": {"b": {"c": value}}},
        [[["x", value]]],
    ]


@pytest.mark.parametrize("value", [SAFE, -SAFE])
def test_the_largest_safe_integers_are_accepted(value: int) -> None:
    for nested in nestings(value):
        encoded = canonical_bytes(nested)
        assert encoded == rfc8785.dumps(nested)
        assert str(value).encode() in encoded


@pytest.mark.parametrize("value", [2**53, -(2**53), 2**53 + 1, -(2**53) - 1, 2**64])
def test_integers_beyond_the_safe_range_are_refused_wherever_they_are(value: int) -> None:
    for nested in nestings(value):
        with pytest.raises(ValidationError, match=r"^value cannot be canonicalised: .*safe"):
            canonical_bytes(nested)


@pytest.mark.parametrize(
    "bad",
    [
        {1: "a"},
        {None: 1},
        {True: 1},
        {1.5: 1},
        {b"a": 1},
        {("a",): 1},
        {"a": 1, 2: 3},
        {2: 3, "a": 1},
        {"é": 1, 2: 3},
        {"a": {1: 2}},
        [{"a": 1}, {1: 2}],
    ],
    ids=repr,
)
def test_non_string_keys_are_refused_with_a_validation_error(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        canonical_bytes(bad)
    assert str(caught.value) == "value cannot be canonicalised: object keys must be strings"
    assert caught.value.code == "invalid-input"


plain_values = st.recursive(
    st.none() | st.booleans() | st.integers(-SAFE, SAFE) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(
            st.text(st.characters(max_codepoint=127), max_size=6), children, max_size=4
        )
    ),
    max_leaves=20,
)


def _refuse_slow_path(value: object) -> bytes:
    raise AssertionError(f"the pure-Python encoder ran for {value!r}")


@settings(max_examples=200)
@given(plain_values)
def test_plain_values_take_the_standard_library_encoder(value: object) -> None:
    """The module's promise: dicts with ASCII keys, lists, tuples, strings, booleans, null
    and safe integers never reach the pure-Python ``rfc8785`` (about 30k objects/s)."""
    expected = rfc8785.dumps(value)
    with mock.patch.object(rfc8785, "dumps", _refuse_slow_path):
        assert canonical_bytes(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        1.5,
        [1, 2.5],
        {"a": 0.5},
        {"a": [{"b": 1e21}]},
        {"é": 1},
        {"a": {"\u20ac": 1}},
        [{"\U00010000": 1, "\ue000": 2}],
        {"a": ["x", 2**53]},
        [2**53],
    ],
    ids=repr,
)
def test_floats_non_ascii_keys_and_big_integers_take_the_reference_encoder(value: object) -> None:
    calls: list[object] = []
    reference = rfc8785.dumps

    def spy(v: object) -> bytes:
        calls.append(v)
        return reference(v)

    with mock.patch.object(rfc8785, "dumps", spy):
        try:
            canonical_bytes(value)
        except ValidationError:
            pass
    assert calls == [value]


@pytest.mark.parametrize("value", [SAFE, -SAFE, 0, -1])
def test_integers_up_to_the_edge_take_the_standard_library_encoder(value: int) -> None:
    for nested in nestings(value):
        expected = rfc8785.dumps(nested)
        with mock.patch.object(rfc8785, "dumps", _refuse_slow_path):
            assert canonical_bytes(nested) == expected


def test_the_compiled_encoder_gives_rfc8785s_bytes_and_yields_to_deep_nesting() -> None:
    """Issue 15 part 6: the fast path's compiled encoder (orjson) prints exactly RFC 8785's
    bytes -- control characters, line separators, non-BMP text, key order -- and a value
    nested deeper than it goes is still encoded, by the standard library, as before."""
    tricky = {
        "z": '\x00\x01\x1f\x7f\u2028\u2029"\\/\b\f\n\r\t é 中 😀',
        "A": [1, -5, 2**53 - 1, None, True, False, ""],
        "_": {"b": [], "a": {}},
    }
    assert canonical_bytes(tricky) == rfc8785.dumps(tricky)
    deep: object = "x"
    for _ in range(300):
        deep = [deep]
    assert canonical_bytes(deep) == rfc8785.dumps(deep)
