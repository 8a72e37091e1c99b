"""The draw's pure algorithm: reproducible, order-free, uniform, and constrained (R7.4)."""

from __future__ import annotations

import dataclasses
import math
import random
from collections import Counter
from unittest import mock

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.draw import algorithm as draw
from ledger.draw.algorithm import (
    DrawError,
    Drawn,
    EntropySource,
    Job,
    Officer,
    Rules,
    Stratum,
    leaf,
    match,
    replacement,
    seed_of,
    select,
    stratum_size,
    string_leaf,
    ticket,
)

SEED = seed_of(b"\x01" * 32, [EntropySource("witness:abc", b"\x02" * 32)])
IDS = tuple(f"9151202{i:011d}" for i in range(400))


def officer(
    person: str,
    department: str = "A",
    *,
    certified: bool = True,
    quals: tuple[str, ...] = ("all",),
    conflicts: tuple[str, ...] = (),
    kind: str = "officer",
) -> Officer:
    return Officer(person, department, kind, certified, frozenset(quals), frozenset(conflicts))


def job(obj: str, *departments: str) -> Job:
    tokens = frozenset({"SC-001", "enterprise", "general", "all"})
    return Job(
        obj, "A", ticket(SEED, "object", obj), tuple((d, (tokens,)) for d in departments or ("A",))
    )


def test_same_inputs_same_bytes() -> None:
    strata = [Stratum("A", "0.1", IDS[:200]), Stratum("D", "0.25", IDS[200:])]
    assert select(SEED, strata) == select(SEED, strata)
    other = seed_of(b"\x01" * 32, [EntropySource("witness:abc", b"\x03" * 32)])
    assert select(SEED, strata) != select(other, strata)


def test_seed_binds_every_source_and_its_label() -> None:
    base = [EntropySource("witness:a", b"x"), EntropySource("dice", b"123456")]
    assert seed_of(b"h", base) != seed_of(b"h", base[::-1])
    assert seed_of(b"h", base) != seed_of(b"h", [EntropySource("witness:b", b"x"), base[1]])
    assert seed_of(b"h", base) != seed_of(b"i", base)
    # Length prefixes: moving a byte between label and value changes the seed.
    assert seed_of(b"h", [EntropySource("ab", b"c")]) != seed_of(b"h", [EntropySource("a", b"bc")])


@settings(max_examples=50)
@given(st.randoms())
def test_selection_is_independent_of_input_order(rng: random.Random) -> None:
    shuffled = list(IDS)
    rng.shuffle(shuffled)
    assert select(SEED, [Stratum("A", "0.07", IDS)]) == select(
        SEED, [Stratum("A", "0.07", tuple(shuffled))]
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(st.sampled_from("9AZé安\x00\U0001f600 "), max_size=5), max_size=40),
    st.integers(0, 45),
    st.sampled_from(["object", "inspector", "对象"]),
)
def test_the_smallest_tickets_are_the_heaps_of_every_ticket(
    ids: list[str], n: int, purpose: str
) -> None:
    """Issue 15.4: the drawn ids ranked as digest-and-id bytes in C's heap are exactly
    ``heapq.nsmallest`` of every (ticket, id) -- ids of one length or several, not
    ASCII, repeated, or empty; n from none to more than there are (R7.4)."""
    import heapq

    expected = heapq.nsmallest(n, draw.tickets(SEED, purpose, ids))
    assert draw.smallest_tickets(SEED, purpose, ids, n) == expected
    assert all(t == ticket(SEED, purpose, i) for t, i in expected)


@pytest.mark.parametrize(
    ("ratio", "count", "n"),
    [
        ("0", 100, 0),
        ("1", 7, 7),
        ("0.5", 1, 1),
        ("0.001", 3, 1),
        ("0.1", 10, 1),
        ("0.1", 11, 2),
        ("0.05", 0, 0),
        ("0.3333", 3, 1),
        ("0.34", 3, 2),
    ],
)
def test_rounding_rule_at_the_edges(ratio: str, count: int, n: int) -> None:
    assert stratum_size(ratio, count) == n
    summary, drawn = select(SEED, [Stratum("S", ratio, IDS[:count])])
    assert summary["S"] == {"count": count, "ratio": ratio, "n": n} and len(drawn) == n


def test_draws_are_uniform_chi_square() -> None:
    population = IDS[:40]
    draws, per_draw = 4000, 4
    counts: Counter[str] = Counter()
    for i in range(draws):
        seed = seed_of(i.to_bytes(4, "big"), [])
        counts.update(d.object for d in select(seed, [Stratum("A", "0.1", population)])[1])
    expected = draws * per_draw / len(population)
    chi2 = sum((counts[i] - expected) ** 2 / expected for i in population)
    # 39 degrees of freedom: the 0.999 quantile is 72.05; a biased sampler lands far above.
    assert chi2 < 72.05, chi2


def test_tickets_order_the_inspection() -> None:
    _, drawn = select(SEED, [Stratum("A", "0.2", IDS[:50]), Stratum("B", "0.2", IDS[50:100])])
    assert [d.ticket for d in drawn] == sorted(d.ticket for d in drawn)


# --- matching -------------------------------------------------------------------------------

DISPERSED = Rules("dispersed", 2, None)


def test_two_officers_per_object_and_every_department() -> None:
    officers = [officer(f"a{i}", "A") for i in range(4)] + [officer(f"b{i}", "B") for i in range(3)]
    jobs = [job(f"o{i}", "A", "B") for i in range(10)]
    result = match(SEED, jobs, officers, DISPERSED)
    for assignment in result:
        team = assignment["team"]
        assert len(team) == 2 and {p[0] for p in team} == {"a", "b"}
    assert match(SEED, jobs, officers, DISPERSED) == result


def test_workload_is_dealt_evenly() -> None:
    officers = [officer(f"a{i}") for i in range(5)]
    result = match(SEED, [job(f"o{i}") for i in range(20)], officers, DISPERSED)
    loads = Counter(p for a in result for p in a["team"])
    assert set(loads.values()) == {8}


@pytest.mark.parametrize(
    ("officers", "constraint"),
    [
        ([officer("a1"), officer("a2", certified=False)], "fewer than 2"),
        ([officer("a1"), officer("a2", quals=("SW-001",))], "fewer than 2"),
        ([officer("a1"), officer("a2", conflicts=("o0",))], "fewer than 2"),
        ([officer("a1"), officer("e1", kind="expert")], "fewer than 2"),
        ([officer("b1", "B"), officer("b2", "B")], "no enforcement officer of A"),
    ],
)
def test_each_constraint_alone_can_make_a_match_impossible(
    officers: list[Officer], constraint: str
) -> None:
    with pytest.raises(DrawError) as caught:
        match(SEED, [job("o0")], officers, DISPERSED)
    assert caught.value.object == "o0" and constraint in caught.value.constraint


def test_workload_cap_and_conflicts_combined() -> None:
    officers = [officer("a1"), officer("a2"), officer("a3", conflicts=("o1",))]
    rules = Rules("dispersed", 2, 2)
    result = match(SEED, [job("o0"), job("o1"), job("o2")], officers, rules)
    loads = Counter(p for a in result for p in a["team"])
    assert max(loads.values()) <= 2
    assert "a3" not in next(a for a in result if a["object"] == "o1")["team"]
    with pytest.raises(DrawError, match="under the workload cap"):
        match(SEED, [job(f"o{i}") for i in range(4)], officers, rules)


def test_experts_only_in_addition() -> None:
    officers = [officer("a1"), officer("a2"), officer("e1", kind="expert")]
    result = match(SEED, [job("o0")], officers, Rules("dispersed", 2, None, experts_per_object=1))
    assert sorted(result[0]["team"]) == ["a1", "a2", "e1"]


def test_grouped_mode_forms_teams_first() -> None:
    officers = [officer(f"a{i}", "A") for i in range(4)] + [officer(f"b{i}", "B") for i in range(4)]
    jobs = [job(f"o{i}", "A", "B") for i in range(9)]
    result = match(SEED, jobs, officers, Rules("grouped", 2, None))
    teams = {tuple(a["team"]) for a in result}
    assert len(teams) == 4  # four teams of one A and one B, objects dealt to them in turn
    assert all({p[0] for p in t} == {"a", "b"} for t in teams)
    assert [a["team_no"] for a in result][:5] == [1, 2, 3, 4, 1]


def test_grouped_team_with_a_conflict_is_skipped() -> None:
    officers = [officer("a1", conflicts=("o0",)), officer("a2"), officer("a3"), officer("a4")]
    result = match(SEED, [job("o0")], officers, Rules("grouped", 2, None))
    assert "a1" not in result[0]["team"]


def test_replacement_is_deterministic_and_eligible() -> None:
    officers = [officer(f"a{i}") for i in range(6)] + [officer("a9", conflicts=("o0",))]
    target = job("o0")
    result = match(SEED, [target], officers, DISPERSED)
    team = result[0]["team"]
    loads = Counter(team)
    first = replacement(SEED, target, officers, DISPERSED, team, team[0], dict(loads))
    assert first == replacement(SEED, target, officers, DISPERSED, team, team[0], dict(loads))
    assert first not in team and first != "a9"
    again = replacement(
        SEED, target, officers, DISPERSED, [first, team[1]], first, dict(loads), refused=[team[0]]
    )
    assert again not in (team[0], team[1], first)


def test_ratio_math_is_exact() -> None:
    assert stratum_size("0.07", 100) == 7  # 0.07 * 100 as floats is 7.000000000000001
    assert math.ceil(0.07 * 100) == 8


# --- snapshot leaves and the draw's value types ----------------------------------------------

leaf_strings = st.text(max_size=12)
leaf_rows = st.lists(
    leaf_strings
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.booleans()
    | st.lists(leaf_strings, max_size=3).map(sorted),
    min_size=1,
    max_size=6,
)


@given(leaf_rows)
def test_a_leaf_is_the_rfc8785_array_of_its_values(row: list[object]) -> None:
    assert leaf(row) == rfc8785.dumps(row)


@given(st.lists(leaf_strings, min_size=1, max_size=6))
def test_string_leaf_equals_leaf(row: list[str]) -> None:
    assert string_leaf(row) == leaf(row) == rfc8785.dumps(row)


def _never(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("the slow path ran for a row of plain strings")


def test_plain_string_rows_are_joined_without_json() -> None:
    """The speed the leaf functions exist for (a snapshot has a leaf per object): strings
    that need no escaping are joined directly, never through json or :func:`leaf`."""
    row = ["91510100MA6XXXXXXX", "C|岳阳镇", "enterprise", "XX", "", "'"]
    expected = rfc8785.dumps(row)
    with mock.patch.object(draw.json, "dumps", _never):
        assert leaf(row) == expected
    with mock.patch.object(draw, "leaf", _never):
        assert string_leaf(row) == expected
    escaped = ['a"b', "c\\d", "e\nf"]
    with mock.patch.object(draw, "leaf", wraps=draw.leaf) as slow:
        assert string_leaf(escaped) == rfc8785.dumps(escaped)
    slow.assert_called_once_with(escaped)


def test_an_empty_row_is_an_empty_array() -> None:
    """``all([])`` is true, so the fast path once joined no strings into ``[""]``. No
    caller passes an empty row (a snapshot leaf has three or six values), so no stored
    commitment holds such a leaf and the fix changes no root: not format-gated."""
    assert leaf([]) == b"[]" == rfc8785.dumps([])
    assert string_leaf([]) == b"[]"
    assert leaf([""]) == b'[""]' != leaf([])


def test_the_draws_values_are_immutable() -> None:
    values: list[object] = [
        EntropySource("dice", b"1"),
        Stratum("A", "0.1", ("x",)),
        Drawn("x", "A", 1),
        officer("a1"),
        job("o0"),
        DISPERSED,
    ]
    for value in values:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, dataclasses.fields(value)[0].name, None)
        assert hash(value) == hash(value)
