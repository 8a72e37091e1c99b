"""Who a draw may pick and in which stratum: the credit record (R5.3, R5.4), as
:func:`ledger.draw.eligibility.strata_for` decides it for every reader."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Collection
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.draw import eligibility
from ledger.draw.eligibility import (
    checks_this_year,
    class_from_record,
    concentrated_industries,
    strata_for,
)
from ledger.draw.world import CreditEntry, CreditRecord, ObjectRecord, World

ON = dt.date(2027, 3, 1)
SPEC: dict[str, Any] = {
    "task": "T-1",
    "lead": "SCJGJ",
    "participants": [],
    "items": [{"object_type": "enterprise"}],
    "scope": {"kinds": [], "regions": [], "industries": []},
    "directed": {"ratio": "0.5", "penalty_years": 3, "min_complaints": 2},
}


def obj(credit: str = "A", penalties: tuple[str, ...] = (), complaints: int = 0) -> ObjectRecord:
    return ("enterprise", "岳阳镇", "餐饮", ("SCJGJ",), credit, penalties, complaints, "active")


def entry(kind: str, day: str) -> CreditEntry:
    return CreditEntry(kind, day, "SCJGJ", "SCJGJ:SC-001", "case:TS-1", "")


def stratum(record: dict[str, list[CreditEntry]] | None, spec: dict[str, Any] = SPEC) -> str:
    strata = strata_for(
        {"o1": obj()}, spec, on=ON, excluded=set(), exclusion_mode="exclude", record=record
    )
    (key,) = strata
    return key


@pytest.mark.parametrize("kind", ["violation", "penalty_case", "judicial_referral"])
def test_each_kind_of_entry_within_the_window_directs(kind: str) -> None:
    """R5.3: penalised (or with a verified violation) in the last ``penalty_years``."""
    assert stratum({"o1": [entry(kind, "2026-11-30")]}) == "directed"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2027-03-01", "directed"),  # on the inspection date: counts
        ("2027-03-02", "A"),  # after it: not yet (from then on, never before)
        ("2024-03-02", "directed"),  # just inside three years
        ("2024-03-01", "A"),  # three years to the day: outside
    ],
)
def test_the_window_is_the_last_penalty_years_up_to_the_inspection_date(
    day: str, expected: str
) -> None:
    assert stratum({"o1": [entry("penalty_case", day)]}) == expected


def test_without_a_record_only_the_import_counts() -> None:
    """v1 and v2 draws read no credit record (their verification must not change)."""
    assert stratum(None) == "A"
    assert stratum({}) == "A"
    assert stratum({"o2": [entry("penalty_case", "2026-01-01")]}) == "A"


def test_without_directed_checks_the_record_changes_nothing() -> None:
    spec = {**SPEC, "directed": None}
    assert stratum({"o1": [entry("penalty_case", "2026-11-30")]}, spec) == "A"


def test_the_fold_records_violations_and_follow_ups_under_the_object() -> None:
    """R5.4: a violation result, a penalty case and a referral; nothing else."""
    record = CreditRecord()
    basis = {"kind": "case", "case": "TS-1", "trigger": "complaint", "reference": "x"}
    record.apply("s1", "shuangsui.inspection.opened", {"object": "o1", "basis": basis})
    record.apply(
        "s1",
        "shuangsui.inspection.checked",
        {"item": "SCJGJ:SC-001", "checked_on": "2026-05-01"},
    )
    for result in ("no_problem", "corrected", "violation"):
        record.apply(
            "s1",
            "shuangsui.inspection.result",
            {
                "item": "SCJGJ:SC-001",
                "department": "SCJGJ",
                "result": result,
                "formed_on": "2026-05-02",
            },
        )
    record.apply(
        "s1",
        "shuangsui.inspection.followed_up",
        {"item": "SCJGJ:SC-001", "kind": "penalty_case", "reference": "罚1", "on": "2026-05-09"},
    )
    assert [(e.kind, e.day, e.basis, e.reference) for e in record.entries["o1"]] == [
        ("violation", "2026-05-02", "case:TS-1", ""),
        ("penalty_case", "2026-05-09", "case:TS-1", "罚1"),
    ]
    assert record.checks["o1"] == {("2026-05-01", "case:TS-1")}


# --- the office's policy: concentrated industries, the yearly cap (R5.3, R6.3) ----------------


def industry_obj(industry: str, status: str = "active") -> ObjectRecord:
    return ("enterprise", "岳阳镇", industry, ("SCJGJ",), "A", (), 0, status)


RULE = {"min_objects": 2, "min_share": "0.5", "years": 3}


@pytest.mark.parametrize(
    ("flagged", "total", "expected"),
    [
        (2, 4, ["餐饮"]),  # 2 objects and half of them: both thresholds met
        (1, 2, []),  # half, but one object only
        (2, 5, []),  # two objects, but 40 %
    ],
)
def test_an_industry_is_concentrated_when_both_thresholds_are_met(
    flagged: int, total: int, expected: list[str]
) -> None:
    objects = {f"o{i}": industry_obj("餐饮") for i in range(total)}
    objects["closed"] = industry_obj("餐饮", "closed")  # not counted either way
    record = {f"o{i}": [entry("violation", "2026-06-01")] for i in range(flagged)}
    assert concentrated_industries(objects, record, RULE, ON) == expected


def test_only_entries_within_the_years_up_to_the_day_count_for_an_industry() -> None:
    objects = {"o1": industry_obj("餐饮"), "o2": industry_obj("餐饮")}
    old = {"o1": [entry("penalty_case", "2024-03-01")], "o2": [entry("violation", "2027-03-02")]}
    assert concentrated_industries(objects, old, RULE, ON) == []
    recent = {"o1": [entry("penalty_case", "2024-03-02")], "o2": [entry("violation", "2027-03-01")]}
    assert concentrated_industries(objects, recent, RULE, ON) == ["餐饮"]


def test_checks_this_year_count_each_draw_or_case_once_and_not_the_tasks_own() -> None:
    world = World()
    world.credit.checks = {
        "o1": {
            ("2027-01-05", "case:TS-1"),
            ("2027-01-05", "case:TS-1"),
            ("2027-02-01", "draw:T-9/1"),
            ("2026-12-31", "case:TS-0"),  # last year
            ("2027-03-02", "case:TS-late"),  # after the day
        },
        "o2": {("2027-02-01", "draw:T-1/1")},  # the task's own draw
    }
    world.draws.performed = {
        "T-9/1": ("2027-01-20", ["o1", "o3"]),  # o1 drawn and checked: one visit
        "T-8/1": ("2026-11-01", ["o3"]),  # last year
    }
    assert checks_this_year(world, "T-1", ON) == {"o1": 2, "o3": 1}
    assert checks_this_year(world, None, ON) == {"o1": 2, "o2": 1, "o3": 1}


def test_capped_objects_are_never_eligible_and_directed_ones_may_be_exempt() -> None:
    objects = {"o1": obj(), "o2": obj(), "o3": obj(penalties=("2026-06-01",))}
    strata = strata_for(
        objects,
        SPEC,
        on=ON,
        excluded={"o2", "o3"},
        exclusion_mode="exclude",
        record={},
        capped={"o1"},
        exempt_directed=True,
    )
    assert strata == {"directed": [("o3", "enterprise")]}
    strata = strata_for(
        objects, SPEC, on=ON, excluded={"o2", "o3"}, exclusion_mode="exclude", record={}
    )
    assert strata == {"A": [("o1", "enterprise")]}


def test_a_concentrated_industry_directs_only_when_the_task_asks() -> None:
    objects = {"o1": industry_obj("餐饮")}
    asks = {**SPEC, "directed": {**SPEC["directed"], "industries": True}}
    kwargs: dict[str, Any] = {"on": ON, "excluded": set(), "exclusion_mode": "exclude"}
    assert set(strata_for(objects, asks, concentrated={"餐饮"}, **kwargs)) == {"directed"}
    assert set(strata_for(objects, SPEC, concentrated={"餐饮"}, **kwargs)) == {"A"}
    assert set(strata_for(objects, asks, concentrated={"建筑"}, **kwargs)) == {"A"}


@pytest.mark.parametrize(
    ("credit", "entries", "expected"),
    [
        ("A", [], "A"),
        ("A", [("violation", "2026-03-02")], "B"),
        ("C", [("violation", "2026-03-02"), ("violation", "2026-04-02")], "D"),
        ("D", [("violation", "2026-03-02")], "D"),
        ("A", [("penalty_case", "2026-03-02")], "D"),
        ("B", [("judicial_referral", "2026-03-02")], "D"),
        # 最近三年: an entry three years or more before the draw's day is spent.
        ("A", [("penalty_case", "2023-12-01")], "A"),
        ("A", [("penalty_case", "2023-12-02")], "D"),
        # An entry after the draw's day does not count yet.
        ("A", [("penalty_case", "2026-12-02")], "A"),
    ],
)
def test_r5_1_the_class_follows_the_credit_record(
    credit: str, entries: list[tuple[str, str]], expected: str
) -> None:
    """R5.1, R5.3 (分类分级动态监管; 最近三年): a penalty case or a judicial referral within
    three years makes the class D; a verified violation alone lowers it one class; the
    record never raises a class."""
    on = dt.date(2026, 12, 1)
    assert class_from_record(credit, [entry(k, d) for k, d in entries], on) == expected


# --- the strata, decided once per record ---------------------------------------------------


def reference_strata(
    objects: dict[str, ObjectRecord],
    spec: dict[str, Any],
    *,
    on: dt.date,
    excluded: set[str],
    exclusion_mode: str,
    record: dict[str, list[CreditEntry]] | None = None,
    checklists: bool = False,
    concentrated: Collection[str] = frozenset(),
    capped: Collection[str] = frozenset(),
    exempt_directed: bool = False,
    credit_from_record: bool = False,
) -> dict[str, list[tuple[str, str]]]:
    """:func:`strata_for` as it was: every object decided on its own, in a loop."""
    kinds = {item["object_type"] for item in spec["items"]}
    scope = spec["scope"]
    if scope.get("kinds"):
        kinds &= set(scope["kinds"])
    regions, industries = set(scope.get("regions") or ()), set(scope.get("industries") or ())
    departments = {spec["lead"], *spec["participants"]}
    directed = spec.get("directed")
    # R5.2: with a ratio table the class is split by risk grade -- an object's grade is
    # the highest of the task's items for its kind ("C/high").
    grade: dict[str, str] = {}
    if spec.get("ratio_table"):
        for item in spec["items"]:
            kind_of = item["object_type"]
            if eligibility.RISK_ORDER.index(item["risk_grade"]) >= eligibility.RISK_ORDER.index(
                grade.get(kind_of, "low")
            ):
                grade[kind_of] = item["risk_grade"]
    today = on.isoformat()
    since = eligibility._years_before(on, directed["penalty_years"]) if directed else today
    by_industry = bool(directed and directed.get("industries"))
    strata: dict[str, list[tuple[str, str]]] = {}
    for ident, (
        kind,
        region,
        industry,
        supervisors,
        credit,
        penalties,
        complaints,
        status,
    ) in objects.items():
        if status != "active" or kind not in kinds or not departments.intersection(supervisors):
            continue
        if (regions and region not in regions) or (industries and industry not in industries):
            continue
        if checklists and not any(
            i["object_type"] == kind and i["department"] in supervisors for i in spec["items"]
        ):
            continue
        if ident in capped:
            continue
        if credit_from_record and record is not None and ident in record:
            credit = eligibility.class_from_record(credit, record[ident], on)
        key = credit
        if directed and (
            complaints >= directed["min_complaints"]
            or (penalties and any(since < day <= today for day in penalties))
            or (
                record is not None
                and any(since < entry.day <= today for entry in record.get(ident, ()))
            )
            or (by_industry and industry in concentrated)
        ):
            key = "directed"
        if ident in excluded and not (exempt_directed and key == "directed"):
            if exclusion_mode == "exclude":
                continue
            key = eligibility.LOWER[credit]
        if grade and key != "directed":
            key += "/" + grade[kind]
        for name in spec.get("stratify_by") or ():
            key += "|" + str(region if name == "region" else industry)
        strata.setdefault(key, []).append((ident, kind))
    first = operator.itemgetter(0)
    for members in strata.values():
        # Each id is one object (a key of ``objects``), so ordering by id orders the
        # (id, kind) pairs; comparing strings, not pairs, sorts three times as fast.
        members.sort(key=first)
    return strata


_REGIONS = ("岳阳镇", "通贤镇", "石羊镇")
_RECORDS = st.tuples(
    st.sampled_from(["enterprise", "individual", "project"]),
    st.sampled_from(_REGIONS),
    st.sampled_from([None, "餐饮", "建筑"]),
    st.sampled_from([("SCJGJ",), ("SWJ",), ("SCJGJ", "SWJ"), ()]),
    st.sampled_from(["A", "B", "C", "D"]),
    st.sampled_from([(), ("2026-06-01",), ("2019-01-01", "2027-02-28")]),
    st.integers(0, 3),
    st.sampled_from(["active", "active", "closed"]),
)
_IDS = st.sampled_from([f"o{i}" for i in range(40)])
_DAYS = st.sampled_from(["2019-01-01", "2026-11-30", "2027-03-01", "2027-03-02"])


@settings(max_examples=400, deadline=None)
@given(
    objects=st.dictionaries(_IDS, st.integers(0, 5), max_size=40),
    shapes=st.lists(_RECORDS, min_size=6, max_size=6),
    excluded=st.sets(_IDS, max_size=8),
    capped=st.sets(_IDS, max_size=4),
    record=st.one_of(
        st.none(),
        st.dictionaries(
            _IDS,
            st.lists(
                st.builds(
                    CreditEntry,
                    st.sampled_from(["violation", "penalty_case", "judicial_referral"]),
                    _DAYS,
                    st.just("SCJGJ"),
                    st.just("SCJGJ:SC-001"),
                    st.just("case:TS-1"),
                    st.just(""),
                ),
                max_size=2,
            ),
            max_size=6,
        ),
    ),
    options=st.fixed_dictionaries(
        {
            "mode": st.sampled_from(["exclude", "lower"]),
            "checklists": st.booleans(),
            "exempt": st.booleans(),
            "from_record": st.booleans(),
            "directed": st.sampled_from([None, 0, 1]),
            "table": st.booleans(),
            "stratify": st.sampled_from([(), ("region",), ("region", "industry")]),
            "scope": st.sampled_from([{}, {"kinds": ["enterprise"]}, {"regions": ["岳阳镇"]}]),
            "participants": st.sampled_from([[], ["SWJ"]]),
        }
    ),
)
def test_strata_decided_per_record_equal_each_object_decided_alone(
    objects: dict[str, int],
    shapes: list[ObjectRecord],
    excluded: set[str],
    capped: set[str],
    record: dict[str, list[CreditEntry]] | None,
    options: dict[str, Any],
) -> None:
    """Issue 15.4: :func:`strata_for` decides each distinct record once (the directory
    keeps equal records once) and the objects an id-dependent rule concerns one by one
    (capped, excluded, on the credit record); its strata -- keys in the order they
    first appear, members and their order -- equal the loop it replaced, over equal
    records shared or not, exclusion and credit rules, ratio tables, stratifiers (more
    than eight strata too), scopes and checklists (R5.2, R5.3, R6.2, R6.3, R7.2)."""
    table = {"C": {"low": "0.1", "high": "0.2"}} if options["table"] else None
    spec: dict[str, Any] = {
        **SPEC,
        "participants": options["participants"],
        "items": [
            {"object_type": "enterprise", "department": "SCJGJ", "risk_grade": "high"},
            {"object_type": "individual", "department": "SWJ", "risk_grade": "low"},
            {"object_type": "project", "department": "SCJGJ", "risk_grade": "medium"},
        ],
        "scope": {"kinds": [], "regions": [], "industries": [], **options["scope"]},
        "directed": (
            None
            if options["directed"] is None
            else {**SPEC["directed"], "industries": bool(options["directed"])}
        ),
        "ratio_table": table,
        "stratify_by": list(options["stratify"]),
    }
    # Equal records kept once for some objects, as the directory's fold keeps them.
    records = {i: shapes[n] if n % 2 else tuple(list(shapes[n])) for i, n in objects.items()}
    kwargs: dict[str, Any] = {
        "on": ON,
        "excluded": excluded,
        "exclusion_mode": options["mode"],
        "record": record,
        "checklists": options["checklists"],
        "concentrated": frozenset({"餐饮"}),
        "capped": capped,
        "exempt_directed": options["exempt"],
        "credit_from_record": options["from_record"],
    }
    expected = reference_strata(records, spec, **kwargs)
    assert list(strata_for(records, spec, **kwargs).items()) == list(expected.items())
