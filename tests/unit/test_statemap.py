"""The state map (issue 11 part 4): bucket proofs prove presence and absence against
the root, incremental roots equal fresh ones, and any change to a proof is refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.audit.errors import NoteError
from ledger.audit.notes import Checkpoint
from ledger.audit.statemap import (
    DEPTH,
    KEYS_KEY,
    STATE_FORMAT,
    BucketProof,
    StateMap,
    bucket_of,
    check_state_line,
    empty_root,
    lookup,
    proven_leaves,
    state_line,
    stream_key,
)


def grow(state: StateMap, first: int, last: int) -> StateMap:
    for p in range(first, last + 1):
        topic = "shuangsui.key.registered" if p % 7 == 0 else "shuangsui.note.appended"
        named = f'{{"object": "o{p % 5}", "team": ["p{p % 3}"]}}'.encode()
        state.observe(p, f"s{p % 13}", p // 13 + 1, topic, bytes([p % 256]) * 32, named)
    return state


def built(n: int) -> StateMap:
    return grow(StateMap(), 1, n)


def test_proofs_show_presence_and_absence() -> None:
    state = built(100)
    root = state.root()
    keys = [stream_key("s3"), KEYS_KEY, stream_key("never")]
    proofs = [BucketProof.from_dict(p.as_dict()) for p in state.prove(keys)]
    leaves, buckets = proven_leaves(proofs, root)
    assert lookup(stream_key("s3"), leaves, buckets) == (True, state.get(stream_key("s3")))
    assert lookup(stream_key("never"), leaves, buckets) == (True, None)
    assert lookup(KEYS_KEY, leaves, buckets)[1] is not None
    other = next(f"x{i}" for i in range(99999) if bucket_of(stream_key(f"x{i}")) not in buckets)
    assert lookup(stream_key(other), leaves, buckets) == (False, None)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 200), st.integers(1, 200))
def test_incremental_root_equals_a_fresh_one(a: int, b: int) -> None:
    state = built(a)
    state.root()  # computed once, then grown
    grow(state, a + 1, a + b)
    assert state.root() == built(a + b).root()


def test_subjects_index_the_streams_that_name_them() -> None:
    """The trail index: each subject's streams, in the order they first named it."""
    from ledger.audit.subjects import named, subject_key

    state = built(40)
    assert state.get(subject_key("object", "o1")) is not None
    assert state.get(subject_key("person", "p2")) is not None
    assert state.get(subject_key("object", "nobody")) is None
    assert named(b'{"basis": {"task": "T-1"}, "subject": {"kind": "object", "id": "X"}}') == {
        ("task", "T-1"),
        ("object", "X"),
    }
    assert named(b"not json") == set()
    assert named(b'{"object": 5, "inspectors": ["A", 7]}') == {("person", "A")}


def test_empty_and_format_gate() -> None:
    assert empty_root() == StateMap().root()
    root = built(5).root()
    with_line = Checkpoint("o", 5, bytes(32), (state_line(root),))
    check_state_line(with_line, STATE_FORMAT, root)
    check_state_line(Checkpoint("o", 5, bytes(32)), 2, None)  # older formats carry none
    with pytest.raises(NoteError, match="no state line"):
        check_state_line(Checkpoint("o", 5, bytes(32)), STATE_FORMAT, root)
    with pytest.raises(NoteError, match="falsified"):
        check_state_line(with_line, STATE_FORMAT, bytes(32))
    with pytest.raises(NoteError, match="carries a state line"):
        check_state_line(with_line, 2, None)


@pytest.mark.parametrize(
    "change",
    ["leaf value", "leaf dropped", "leaf added", "path", "bucket", "duplicate", "short path"],
)
def test_any_change_to_a_proof_is_refused(change: str) -> None:
    state = built(300)
    root = state.root()
    proof = state.prove([stream_key("s1")])[0].as_dict()
    if change == "leaf value":
        proof["leaves"][0][1] = "999 999"
    elif change == "leaf dropped":
        proof["leaves"] = proof["leaves"][1:]
    elif change == "leaf added":
        key = next(
            stream_key(f"y{i}")
            for i in range(2_000_000)
            if bucket_of(stream_key(f"y{i}")) == proof["bucket"]
        )
        proof["leaves"].append([key, "1 1"])
    elif change == "path":
        proof["path"][3] = proof["path"][4]
    elif change == "bucket":
        proof["bucket"] ^= 1
    elif change == "duplicate":
        proof["leaves"].append(list(proof["leaves"][0]))
    else:
        proof["path"] = proof["path"][: DEPTH - 1]
    with pytest.raises(NoteError):
        proven_leaves([BucketProof.from_dict(proof)], root)


def test_from_format_4_a_departments_registration_names_it() -> None:
    """Issue 11 part 4: a department's own stream is in its trail from format 4 (the
    registration names it by ``code``); format 3 keeps the index its checkpoints signed."""
    from ledger.areas.departments.events import Department
    from ledger.audit.subjects import DEPARTMENT_REGISTERED_TOPIC, named

    assert DEPARTMENT_REGISTERED_TOPIC == Department.Created.TOPIC
    body = b'{"code": "SCJGJ", "name": "x", "kind": "market_supervision"}'
    assert named(body, DEPARTMENT_REGISTERED_TOPIC, 4) == {("department", "SCJGJ")}
    assert named(body, DEPARTMENT_REGISTERED_TOPIC, 3) == set()
    assert named(body, "shuangsui.other", 4) == set()
    assert named(b'{"code": 7}', DEPARTMENT_REGISTERED_TOPIC, 4) == set()
    assert named(b"[]", DEPARTMENT_REGISTERED_TOPIC, 4) == set()


def _walked_one_by_one(value: object, found: set[tuple[str, str]], depth: int) -> None:
    """The trail index's walk as it was before lists of lists were walked at once."""
    from ledger.audit.subjects import FIELDS, SUBJECT_KINDS

    if depth > 6:
        return
    if isinstance(value, dict):
        kind, ident = value.get("kind"), value.get("id")
        if "kind" in value and kind in SUBJECT_KINDS and isinstance(ident, str) and ident:
            found.add((kind, ident))
        for name, item in value.items():
            subject = FIELDS.get(name)
            if subject is not None and isinstance(item, str) and item:
                found.add((subject, item))
            elif subject is not None and isinstance(item, list):
                found.update((subject, t) for t in item if isinstance(t, str) and t)
            if isinstance(item, (dict, list)):
                _walked_one_by_one(item, found, depth + 1)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                _walked_one_by_one(item, found, depth + 1)


_json = st.recursive(
    st.one_of(st.sampled_from(["", "A", "B", "object", "task"]), st.integers(0, 2), st.none()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["kind", "id", "object", "team", "task", "rows", "x"]),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_the_trail_index_walks_nested_lists_at_once_to_the_same_subjects(value: object) -> None:
    """Issue 15 part 6: a batch's 1,000 rows (lists) are walked as one list, to the
    same subjects at every depth (the walk stops at depth 6)."""
    from ledger.audit.subjects import named_in

    expected: set[tuple[str, str]] = set()
    _walked_one_by_one(value, expected, 0)
    assert named_in(value) == expected
    for depth in range(8):  # the same cut-off at every depth
        deep: object = value
        for __ in range(depth):
            deep = [[deep]]
        expected = set()
        _walked_one_by_one(deep, expected, 0)
        assert named_in(deep) == expected
