"""Reading the log for a draw fast, with the same results (issue 15 part 4; R7.4, R7.5).

The draw's snapshot roots must not change by a byte however the log is read: the fast
decoder equals the standard library's, the directory fold equals the plain fold it
replaced, the streamed tree root equals the incremental tree, and the snapshot leaves
come in the same order with the same bytes -- for ordinary inputs and the awkward
ones (ids with characters that sort before a quote, strings that need escaping,
integers beyond 64 bits, lone surrogates).
"""

from __future__ import annotations

import gc
import json
import math
from typing import Any

import pymerkle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.audit.collector import paused_gc
from ledger.audit.hashing import MerkleFrontier, leaf_hash, sha256, tree_root
from ledger.decoding import loads
from ledger.draw.algorithm import string_leaf
from ledger.draw.snapshot import Snapshot, root
from ledger.draw.world import Directory, bundle_reader, fold

# --- the streamed tree root ------------------------------------------------------------


def frontier_root(entries: list[bytes]) -> bytes:
    frontier = MerkleFrontier()
    for entry in entries:
        frontier.append(leaf_hash(entry))
    return frontier.root()


@pytest.mark.parametrize("chunk", [1, 2, 4, 8, 4096])
def test_tree_root_equals_the_incremental_tree_at_every_size(chunk: int) -> None:
    entries = [f"entry {i}".encode() for i in range(140)]
    for size in range(len(entries) + 1):
        assert tree_root(entries[:size], chunk) == frontier_root(entries[:size])


def test_tree_root_equals_pymerkle_across_chunk_boundaries() -> None:
    entries = [f"leaf {i}".encode() for i in range(4096 * 2 + 3)]
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for entry in entries:
        tree.append_entry(entry)
    for size in (4095, 4096, 4097, 8192, 8195):
        assert tree_root(entries[:size]) == tree.get_root(size)
    assert tree_root([]) == sha256(b"")


def test_tree_root_changes_with_any_entry_and_refuses_a_bad_chunk() -> None:
    entries = [f"e{i}".encode() for i in range(37)]
    good = tree_root(entries, 8)
    for i in range(len(entries)):
        tampered = list(entries)
        tampered[i] = tampered[i] + b"x"
        assert tree_root(tampered, 8) != good
    assert tree_root(list(reversed(entries)), 8) != good
    for chunk in (0, 3, -4):
        with pytest.raises(ValueError, match="power of two"):
            tree_root(entries, chunk)


# --- the decoder -------------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_loads_equals_the_standard_library(value: Any) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        expected = json.loads(text)
        assert loads(text.encode()) == expected
        assert loads(text) == expected
        assert type(loads(text.encode())) is type(expected)


@pytest.mark.parametrize(
    "data",
    [
        b"123456789012345678901234567890",  # beyond 64 bits: orjson refuses
        b"[-18446744073709551617, 18446744073709551616]",
        b'{"a":-99999999999999999999,"b":\n\t123456789012345678901234}',
        b"[1,12345678901234567890123]",
        b"  98765432109876543210987",
        b'{"e": 1e-1234567890123456789, "f": 1E+1234567890123456789}',
        b'["0a12345678901234567890123456", "x", 5]',  # digits inside a string: either way
        b'{"a": NaN, "b": Infinity, "c": -Infinity}',
        b'"\\ud800"',  # a lone surrogate
        '{"名": "安岳"}'.encode("utf-16"),  # not UTF-8
        b'{"a": 1, "a": 2}',  # the last duplicate wins in both
    ],
)
def test_loads_falls_back_where_orjson_refuses(data: bytes) -> None:
    expected = json.loads(data)
    got = loads(data)
    if isinstance(expected, dict) and isinstance(expected.get("a"), float) and "e" not in expected:
        assert all(
            math.isnan(got[k]) if math.isnan(v) else got[k] == v for k, v in expected.items()
        )
    else:
        assert got == expected
    assert loads(memoryview(data)) == got or isinstance(expected, dict)


@pytest.mark.parametrize("data", [b"", b"{", b"[1,]", b"\xff\xfe\xfd", b"nul"])
def test_loads_refuses_what_the_standard_library_refuses(data: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(data)
    with pytest.raises(ValueError):
        loads(data)


# --- comparing a recorded result --------------------------------------------------------

SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([1.0, 0.0, 2**70, float("nan")]),
    st.sampled_from(["", "a", "1", "安"]),
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
        st.dictionaries(st.integers(0, 2), inner, min_size=1, max_size=2),
    ),
    max_leaves=8,
)


@settings(max_examples=500, deadline=None)
@given(VALUE, VALUE, st.booleans())
def test_compare_finds_the_same_first_difference_as_the_walk(
    recorded: Any, recomputed: Any, same: bool
) -> None:
    """Issue 15.4: verify-draw's compare answers at once for two results equal as values
    and as JSON, and otherwise walks them as it always did: the same first difference
    (or none) whatever the values -- 1 and True, 1 and 1.0, lists and tuples, NaN,
    integers beyond 64 bits, keys that are not strings, keys in another order."""
    from ledger.draw.verify import _compare, compare

    if same:
        recomputed = json.loads(json.dumps(recorded)) if _jsonable(recorded) else recorded
    assert compare(recorded, recomputed, "draw") == _compare(recorded, recomputed, "draw")
    assert compare({"x": [recorded]}, {"x": [recomputed]}) == _compare(
        {"x": [recorded]}, {"x": [recomputed]}, ""
    )


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, tuple)


def test_compare_tells_apart_what_json_or_equality_alone_would_not() -> None:
    from ledger.draw.verify import _identical, compare

    assert compare({"a": [1, "x"]}, {"a": [1, "x"]}) is None
    assert compare({"b": 2, "a": 1}, {"a": 1, "b": 2}) is None  # key order is free
    assert _identical({"b": [2], "a": 1}, {"a": 1, "b": [2]})  # answered at once
    assert compare({"a": 1}, {"a": True}) == ".a: recorded 1 recomputed True"
    assert compare({"a": 1}, {"a": 1.0}) == ".a: recorded 1 recomputed 1.0"
    assert compare({"a": [1]}, {"a": (1,)}) == ".a: recorded [1] recomputed (1,)"


# --- the paused collector ----------------------------------------------------------------


def test_paused_gc_nests_and_restores() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still runs
    assert gc.isenabled()


def test_paused_gc_restores_after_an_error_and_keeps_a_disabled_collector_off() -> None:
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_paused_gc_leaves_what_it_made_to_the_oldest_generation() -> None:
    """Issue 15.4: what a paused block made and still holds is moved to the oldest
    generation on the way out, so the first young collection after it does not examine
    a million objects; a cycle made in the block is still collected, and objects frozen
    on purpose stay frozen."""
    import weakref

    class Node:
        other: Any = None

    with paused_gc():
        held = [[n] for n in range(1000)]
        cycle = Node()
        cycle.other = cycle
        gone = weakref.ref(cycle)
    young = {id(o) for o in gc.get_objects(generation=0)}
    assert not any(id(o) in young for o in held)
    assert any(id(o) in {id(x) for x in gc.get_objects(generation=2)} for o in held[:1])
    del cycle
    gc.collect()
    assert gone() is None
    frozen = [[1]]
    gc.freeze()
    try:
        count = gc.get_freeze_count()
        with paused_gc():
            pass
        assert gc.get_freeze_count() == count  # left frozen
    finally:
        gc.unfreeze()
    assert frozen


# --- the directory fold ------------------------------------------------------------------

COLUMNS = [
    "id",
    "name",
    "kind",
    "region",
    "industry",
    "scope",
    "supervisors",
    "credit_class",
    "penalties",
    "complaints",
    "status",
]
FIELDS = COLUMNS[2:5] + COLUMNS[6:]


def reference_fold(events: list[tuple[str, str, dict[str, Any]]]) -> dict[str, tuple[Any, ...]]:
    """The fold as it was: each row a dict, an import's rows applied at its completion."""
    objects: dict[str, tuple[Any, ...]] = {}
    imports: dict[str, str] = {}
    pending: dict[str, list[dict[str, Any]]] = {}
    keys: dict[str, str] = {}
    for stream, topic, state in events:
        if topic == "shuangsui.directory.import_begun":
            imports[stream] = state["import_id"]
            pending[state["import_id"]] = []
        elif topic == "shuangsui.directory.batch_rows":
            pending.setdefault(state["import_id"], []).extend(
                dict(zip(state["columns"], row, strict=True)) for row in state["rows"]
            )
        elif topic == "shuangsui.directory.import_completed":
            for row in pending.pop(imports[stream], []):
                objects[row["id"]] = tuple(
                    tuple(row[f]) if f in ("supervisors", "penalties") else row[f] for f in FIELDS
                )
        elif topic == "shuangsui.directory.object_opened":
            keys[stream] = state["object_key"]
        elif topic == "shuangsui.directory.object_updated":
            current = objects.get(keys[stream])
            if current is not None and state["department"] in current[3]:
                values = dict(zip(FIELDS, current, strict=True)) | state["fields"]
                objects[keys[stream]] = tuple(
                    tuple(values[f]) if f in ("supervisors", "penalties") else values[f]
                    for f in FIELDS
                )
        elif topic == "shuangsui.directory.object_closed":
            current = objects.get(keys[stream])
            if current is not None and state["department"] in current[3]:
                objects[keys[stream]] = (*current[:7], "closed")
    return objects


ROW = st.tuples(
    st.sampled_from(["A1", "A2", "A2!", "B7", "C3", "Z"]),
    st.sampled_from(["enterprise", "individual"]),
    st.sampled_from(["岳阳镇", "石羊镇"]),
    st.sampled_from([None, "批发业"]),
    st.lists(st.sampled_from(["SCJGJ", "SWJ"]), min_size=1, max_size=2, unique=True),
    st.sampled_from("ABCD"),
    st.lists(st.sampled_from(["2024-01-02", "2025-06-30"]), max_size=2),
    st.integers(0, 3),
    st.sampled_from(["active", "closed"]),
).map(lambda r: [r[0], "名称", *r[1:4], "经营范围", *r[4:]])

STEP = st.one_of(
    st.tuples(st.just("import"), st.lists(st.lists(ROW, max_size=4), max_size=3), st.booleans()),
    st.tuples(
        st.just("update"),
        st.sampled_from(["A1", "A2", "Z"]),
        st.sampled_from(["SCJGJ", "SWJ"]),
        st.sampled_from(
            [{"credit_class": "D"}, {"supervisors": ["SWJ"]}, {"penalties": ["2025-01-01"]}]
        ),
    ),
    st.tuples(st.just("close"), st.sampled_from(["A1", "B7"]), st.sampled_from(["SCJGJ", "SWJ"])),
)


def events_of(steps: list[Any]) -> list[tuple[str, str, dict[str, Any]]]:
    events: list[tuple[str, str, dict[str, Any]]] = []
    for n, step in enumerate(steps):
        if step[0] == "import":
            _, batches, complete = step
            stream, import_id = f"import-{n}", f"I{n}"
            events.append((stream, "shuangsui.directory.import_begun", {"import_id": import_id}))
            for i, rows in enumerate(batches):
                state = {"import_id": import_id, "columns": COLUMNS, "rows": rows}
                events.append((f"batch-{n}-{i}", "shuangsui.directory.batch_rows", state))
            if complete:
                events.append((stream, "shuangsui.directory.import_completed", {}))
        else:
            key, department = step[1], step[2]
            stream = f"object-{key}"
            events.append((stream, "shuangsui.directory.object_opened", {"object_key": key}))
            if step[0] == "update":
                state = {"department": department, "fields": step[3]}
                events.append((stream, "shuangsui.directory.object_updated", state))
            else:
                state = {"department": department}
                events.append((stream, "shuangsui.directory.object_closed", state))
    return events


@settings(max_examples=200, deadline=None)
@given(st.lists(STEP, max_size=8))
def test_the_directory_fold_equals_the_plain_fold(steps: list[Any]) -> None:
    events = events_of(steps)
    expected = reference_fold(json.loads(json.dumps(events)))
    directory = Directory()
    for stream, topic, state in json.loads(json.dumps(events)):
        directory.apply(stream, topic, state)
    assert directory.objects == expected
    assert list(directory.objects) == list(expected)  # the same order, too
    world = fold((i + 1, s, t, st) for i, (s, t, st) in enumerate(json.loads(json.dumps(events))))
    assert world.directory.objects == expected


def test_equal_records_are_kept_once() -> None:
    row = ["A1", "名称", "enterprise", "岳阳镇", None, "范围", ["SCJGJ"], "B", [], 0, "active"]
    directory = Directory()
    directory.apply("i", "shuangsui.directory.import_begun", {"import_id": "I"})
    for seq in range(2):
        rows = json.loads(json.dumps([[f"X{seq}{i}", *row[1:]] for i in range(3)]))
        state = {"import_id": "I", "columns": COLUMNS, "rows": rows}
        directory.apply(f"b{seq}", "shuangsui.directory.batch_rows", state)
    directory.apply("i", "shuangsui.directory.import_completed", {})
    records = list(directory.objects.values())
    assert len(records) == 6 and all(r is records[0] for r in records)
    assert records[0] == ("enterprise", "岳阳镇", None, ("SCJGJ",), "B", (), 0, "active")


# --- the snapshot leaves -----------------------------------------------------------------

IDENT = st.text(st.sampled_from('AB1!"\\\x01é安 #'), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        IDENT,
        st.tuples(st.sampled_from(["A", "B", "directed", "C|岳阳镇"]), st.sampled_from(["e", "i"])),
        max_size=30,
    )
)
def test_object_leaves_equal_the_sorted_string_leaves(objects: dict[str, Any]) -> None:
    strata: dict[str, list[tuple[str, str]]] = {}
    for ident, (key, kind) in objects.items():
        strata.setdefault(key, []).append((ident, kind))
    for members in strata.values():
        members.sort()
    snap = Snapshot(strata, [], 0)
    rows = sorted((i, k, t) for k, members in strata.items() for i, t in members)
    expected = [string_leaf(r) for r in rows]
    assert list(snap.object_leaves()) == expected
    assert root(snap.object_leaves()) == frontier_root(expected).hex()


def test_ids_that_sort_before_a_quote_keep_the_id_order() -> None:
    """``A!`` sorts after ``A`` as an id, but its leaf bytes sort first: the leaves
    follow the ids."""
    snap = Snapshot({"A": [("A", "e"), ("A!", "e")]}, [], 0)
    assert list(snap.object_leaves()) == [b'["A","A","e"]', b'["A!","A","e"]']


V2_TEXT = st.text(st.sampled_from('AB1!"\\\x01é安 #,['), max_size=3)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        IDENT,
        st.tuples(
            st.sampled_from(["A", "B", "directed", "C|岳阳镇", 'C|"x']),
            st.sampled_from(["e", "i", "e!"]),
        ),
        max_size=30,
    ),
    st.lists(
        st.tuples(
            st.one_of(st.none(), V2_TEXT),
            st.one_of(st.none(), V2_TEXT),
            st.lists(V2_TEXT, max_size=3),
        ),
        min_size=1,
        max_size=4,
    ),
    st.booleans(),
)
def test_v2_object_leaves_equal_each_leaf_built_alone(
    objects: dict[str, Any], shapes: list[Any], shared: bool
) -> None:
    """Issue 15.4: matching v2's leaves, built a stratum at a time with each distinct
    record's tail once, are :func:`_v2_leaf` of each (id, stratum, kind) in that order,
    whatever the ids, strata, kinds and record strings hold (quotes, backslashes,
    control characters, characters sorting before a quote); records shared by several
    objects (the directory keeps equal records once) or not; a member whose kind is
    not its record's."""
    from ledger.draw.algorithm import MATCHING_V2
    from ledger.draw.snapshot import _v2_leaf, _v2_leaves

    kept: dict[Any, Any] = {}
    strata: dict[str, list[tuple[str, str]]] = {}
    records: dict[str, Any] = {}
    for n, (ident, (key, kind)) in enumerate(objects.items()):
        region, industry, supervisors = shapes[n % len(shapes)]
        record_kind = kind if n % 7 else "other"
        record = (record_kind, region, industry, tuple(supervisors), "A", (), 0, "active")
        records[ident] = kept.setdefault(record, record) if shared else record
        strata.setdefault(key, []).append((ident, kind))
    for members in strata.values():
        members.sort()
    rows = sorted((i, k, t) for k, members in strata.items() for i, t in members)
    expected = [_v2_leaf(i, k, t, records[i]) for i, k, t in rows]
    fast = _v2_leaves(strata, records)
    assert fast is None or fast == expected
    snap = Snapshot(strata, [], 0, MATCHING_V2, records)
    assert list(snap.object_leaves()) == expected
    assert root(snap.object_leaves()) == frontier_root(expected).hex()


def test_v2_object_leaves_take_the_shortcut_for_plain_ids() -> None:
    from ledger.draw.snapshot import _v2_leaf, _v2_leaves

    record = ("e", "岳阳镇", 'a"b', ("SCJGJ", "SWJ"), "A", (), 0, "active")
    records = {"B2": record, "A1": record, "C3": ("e", None, None, (), "B", (), 0, "active")}
    strata = {"B": [("A1", "e"), ("C3", "e")], "A": [("B2", "e")]}
    expected = [
        _v2_leaf("A1", "B", "e", record),
        _v2_leaf("B2", "A", "e", record),
        _v2_leaf("C3", "B", "e", records["C3"]),
    ]
    assert _v2_leaves(strata, records) == expected
    assert expected[0] == '["A1","B","e","岳阳镇","a\\"b",["SCJGJ","SWJ"]]'.encode()
    assert _v2_leaves({"A": [("A!", "e")]}, {"A!": record}) is None  # sorts before a quote


# --- reading a bundle again ----------------------------------------------------------------


def test_bundle_reader_reads_afresh_and_stops_at_the_position(tmp_path: Any) -> None:
    import base64

    path = tmp_path / "b.jsonl"
    lines = [json.dumps({"t": "header"})]
    for position in (1, 2, 3):
        state = base64.b64encode(json.dumps({"n": position}).encode()).decode()
        event = {"stream": "s", "topic": f"t{position % 2}", "state": state}
        lines.append(json.dumps({"t": "entry", "position": position, "event": event}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = bundle_reader(lambda: path.open(encoding="utf-8"))
    assert [e[0] for e in read(["t0", "t1"])] == [1, 2, 3]
    assert [e[0] for e in read(["t1"])] == [1, 3]
    assert [e[3] for e in read(["t0", "t1"], up_to=2)] == [{"n": 1}, {"n": 2}]
    assert [e[3] for e in read(["t0", "t1"], streams=("s",))] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert list(read(["t0", "t1"], streams=("other",))) == []
