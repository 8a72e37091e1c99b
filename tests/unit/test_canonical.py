"""RFC 8785: our encoder equals the reference ``rfc8785`` package for every value."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given
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
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        with pytest.raises(ValidationError):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected


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
