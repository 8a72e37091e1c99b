"""Who a draw may pick and in which stratum: the credit record (R5.3, R5.4), as
:func:`ledger.draw.eligibility.strata_for` decides it for every reader."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

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
