"""The duty review's rules as functions: the registry's order, and a rule without a database."""

from __future__ import annotations

from typing import Any

from ledger.i18n import render
from projections.review.facts import Check, Facts
from projections.review.rules import RULES, drawn_or_case_lead, item_listed


def check(**given: Any) -> Check:
    fields: dict[str, Any] = {
        "object": "91510000MA0000000X",
        "basis": "case",
        "reference": "TS-1",
        "item": "SCJGJ:SC-001",
        "department": "SCJGJ",
        "checked_on": "2026-03-02",
        "present": ["S1", "S2"],
        "at": 40,
        "result": None,
        "listed": None,
        "codes": {},
        "drawn": None,
    }
    return Check(**{**fields, **given})


def test_the_registry_holds_each_rule_once_in_report_order() -> None:
    assert list(RULES) == [
        "listed",
        "basis",
        "team",
        "recusals",
        "organised",
        "entered",
        "published",
        "followed",
        "visited",
        "problem",
    ]
    assert {rule.r for rule in RULES.values()} == {
        "R1.1",
        "R3.4",
        "R6.1",
        "R7.4",
        "R9.1",
        "R9.2",
        "R10.4",
    }
    assert all(rule.id == key for key, rule in RULES.items())


def test_a_rule_is_a_function_of_its_facts() -> None:
    facts: Facts = None  # type: ignore[assignment]  # these two rules read nothing more
    lead = drawn_or_case_lead(facts, check())
    assert [(f.status, f.detail, f.parties) for f in lead] == [
        ("pass", "case lead TS-1", ["SCJGJ", "S1", "S2"])
    ]
    arbitrary = drawn_or_case_lead(facts, check(basis="none", reference="-"))
    assert arbitrary[0].status == "fail" and arbitrary[0].detail.startswith("arbitrary check")
    assert render(arbitrary[0].detail, "zh").startswith("随意检查")
    listed = {"version": 2, "position": 7, "items": "[]"}
    off_list = item_listed(facts, check(listed=listed))
    assert (off_list[0].status, off_list[0].evidence) == ("fail", [40, 7])
    on_list = item_listed(facts, check(listed=listed, codes={"SC-001": {}}))
    assert (on_list[0].status, on_list[0].detail) == ("pass", "SCJGJ:SC-001 on list version 2")
