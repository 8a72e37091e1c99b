"""The office's credit policy, on both backends (R5.3, R6.3): industries with concentrated
violations made directed, the yearly check cap per object, and the over-inspection
exclusion that defaults to a real period and counts case checks too."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from ledger.draw.eligibility import task_spec
from ledger.draw.snapshot import snapshot
from ledger.draw.world import SNAPSHOT_TOPICS, World, fold
from ledger.errors import PermissionDeniedError, RuleViolationError, ValidationError
from ledger.i18n import render
from ledger.ids import draw_id
from tests.support.county import County, add_people
from tests.support.draws import TASK, ceremony, commit, verify

POLICY = {"reason": "联席会议决定（测试）"}


@pytest.fixture
def county(drawable: County) -> County:
    add_people(drawable)
    return drawable


def world_of(county: County) -> World:
    return fold(county.world.ledger.topic_events(SNAPSHOT_TOPICS))


def eligible(county: County) -> dict[str, tuple[Any, ...]]:
    """The active SCJGJ enterprises: every one the drawable task may draw."""
    return {
        ident: record
        for ident, record in sorted(world_of(county).directory.objects.items())
        if record[0] == "enterprise" and record[7] == "active" and "SCJGJ" in record[3]
    }


def clean(county: County) -> list[str]:
    """Eligible objects that are not directed by the import (no penalties, no complaints)."""
    return [i for i, r in eligible(county).items() if not r[5] and r[6] == 0]


def case_check(county: County, obj: str, case: str, day: str, result: str = "no_problem") -> None:
    basis = {"kind": "case", "case": case, "trigger": "complaint", "reference": f"投诉 {case}"}
    common = {"basis": basis, "object": obj, "item": "SCJGJ:SC-001"}
    county.run(
        "S1",
        "inspection.record",
        {**common, "method": "on_site", "inspectors": ["S1", "S2"], "checked_on": day},
        on=day,
    )
    county.run("S1", "result.enter", {**common, "result": result, "formed_on": day}, on=day)


def stratum_of(county: County, obj: str, commitment: dict[str, Any]) -> str | None:
    world = world_of(county)
    snap = snapshot(world, task_spec(world, commitment["task"]), commitment)
    assert snap.summary() == commitment["snapshot"]
    for key, members in snap.strata.items():
        if obj in {i for i, _ in members}:
            return key
    return None


def committed(county: County, **extra: Any) -> dict[str, Any]:
    commit(county, **extra)
    drawn = county.world.ledger.get(draw_id(extra.get("task", TASK), 1))
    result: dict[str, Any] = json.loads(drawn.commitment)
    return result


# --- the policy command ------------------------------------------------------------------------


def test_only_the_office_sets_the_policy_and_it_must_say_something(county: County) -> None:
    """R5.3, R6.3: the office's signed command; a department's is refused; a policy with
    neither a threshold nor a cap is refused in Chinese and English; versions count up."""
    with pytest.raises(PermissionDeniedError):
        county.run("SCJGJ", "credit.policy", POLICY, yearly_cap=2)
    with pytest.raises(ValidationError, match="a credit policy sets"):
        county.run("office", "credit.policy", POLICY)
    with pytest.raises(ValidationError):
        county.run(
            "office",
            "credit.policy",
            POLICY,
            concentration={"min_objects": 0, "min_share": "2", "years": 3},
        )
    first = county.run("office", "credit.policy", POLICY, yearly_cap=2)
    assert first.result == {"version": 1, "concentration": None, "yearly_cap": 2}
    second = county.run(
        "office",
        "credit.policy",
        POLICY,
        concentration={"min_objects": 2, "min_share": "0.01", "years": 3},
    )
    assert second.result["version"] == 2
    assert world_of(county).policy == {
        "version": 2,
        "concentration": {"min_objects": 2, "min_share": "0.01", "years": 3},
        "yearly_cap": None,
    }


# --- industries with concentrated violations (R5.3) -------------------------------------------


def _industry(county: County) -> tuple[str, list[str]]:
    """The industry with the most clean eligible objects, and those objects."""
    records = eligible(county)
    counts = Counter(records[i][2] for i in clean(county))
    industry = counts.most_common(1)[0][0]
    return industry, [i for i in clean(county) if records[i][2] == industry]


def concentration_policy(county: County) -> None:
    """The office's threshold: two objects of one industry with violations in 3 years."""
    county.run(
        "office",
        "credit.policy",
        POLICY,
        on="2026-03-04",
        concentration={"min_objects": 2, "min_share": "0.001", "years": 3},
    )


def industry_task(county: County, task: str, **when: Any) -> None:
    """A task whose directed stratum asks for the industries with concentrated violations."""
    county.run(
        "SCJGJ",
        "task.create",
        **when,
        task=task,
        name="行业定向抽查",
        year=2026,
        items=["SC-001"],
        inspectors=["S1", "S2", "S3"],
        matching="dispersed",
        team_size=2,
        planned_start="2026-12-01",
        planned_end="2026-12-20",
        ratios={"A": "0.02", "B": "0.04", "C": "0.06", "D": "0.08"},
        directed={"ratio": "0.1", "penalty_years": 3, "min_complaints": 2, "industries": True},
        scope={"kinds": ["enterprise"], "regions": [], "industries": []},
    )


def test_an_industry_over_the_threshold_is_directed(county: County) -> None:
    """Two violations in one industry meet a threshold of two objects: every object of
    that industry is in the directed stratum of a task that asks for it (R5.3)."""
    industry, members = _industry(county)
    case_check(county, members[0], "TS-1", "2026-03-02", "violation")
    case_check(county, members[1], "TS-2", "2026-03-03", "violation")
    concentration_policy(county)
    industry_task(county, "T-IND-1", on="2026-03-05")
    commitment = committed(county, task="T-IND-1", exclusion={"days": 0, "mode": "exclude"})
    assert commitment["snapshot"]["concentrated_industries"] == [industry]
    assert commitment["task_spec"]["directed"]["industries"] is True
    for obj in members:
        assert stratum_of(county, obj, commitment) == "directed", obj
    # The drawable task does not ask for industries: its strata are as before.
    plain = committed(county, exclusion={"days": 0, "mode": "exclude"})
    assert "concentrated_industries" not in plain["snapshot"]
    assert stratum_of(county, members[2], plain) != "directed"


def test_below_the_threshold_no_industry_is_directed(county: County) -> None:
    _, members = _industry(county)
    case_check(county, members[0], "TS-1", "2026-03-02", "violation")
    concentration_policy(county)
    industry_task(county, "T-IND-2", on="2026-03-05")
    commitment = committed(county, task="T-IND-2", exclusion={"days": 0, "mode": "exclude"})
    assert commitment["snapshot"]["concentrated_industries"] == []
    assert stratum_of(county, members[1], commitment) != "directed"


def test_a_task_asking_for_industries_needs_the_offices_threshold(county: County) -> None:
    industry_task(county, "T-IND-3")
    with pytest.raises(RuleViolationError, match="has set no threshold") as refused:
        commit(county, task="T-IND-3")
    assert refused.value.rule == "R5.3"
    assert "违法集中阈值" in render(refused.value, "zh")


# --- the yearly cap and the exclusion period (R6.3) --------------------------------------------


def test_an_object_at_its_yearly_cap_is_not_drawn(county: County) -> None:
    """The office caps checks at 2 a year: an object with two case checks this year is
    out of the draw, one with a single check is still in (exclusion period 0 here)."""
    capped, once = clean(county)[:2]
    case_check(county, capped, "TS-1", "2026-03-02")
    case_check(county, capped, "TS-2", "2026-05-06")
    case_check(county, once, "TS-3", "2026-05-06")
    county.run("office", "credit.policy", POLICY, on="2026-05-07", yearly_cap=2)
    commitment = committed(county, exclusion={"days": 0, "mode": "exclude"})
    assert commitment["snapshot"]["yearly_cap"] == {"cap": 2, "capped": 1}
    assert stratum_of(county, capped, commitment) is None
    assert stratum_of(county, once, commitment) is not None


def test_the_exclusion_defaults_to_a_year_and_counts_case_checks(county: County) -> None:
    """R6.3: without an ``exclusion`` a format-2 draw leaves out objects checked in the
    last 365 days -- a case check counts as much as a draw -- but not directed ones
    (定向抽查 means a higher frequency)."""
    checked, penalised = clean(county)[:2]
    case_check(county, checked, "TS-1", "2026-03-02")
    case_check(county, penalised, "TS-2", "2026-03-02", "violation")
    commitment = committed(county)
    assert commitment["exclusion"] == {"days": 365, "mode": "exclude", "checks": True}
    assert stratum_of(county, checked, commitment) is None
    assert stratum_of(county, penalised, commitment) == "directed"
    assert commitment["snapshot"]["excluded"] >= 2


def test_a_draw_under_the_policy_runs_and_verify_draw_recomputes_it(county: County) -> None:
    capped, *_ = clean(county)
    case_check(county, capped, "TS-1", "2026-03-02")
    county.run(
        "office",
        "credit.policy",
        POLICY,
        on="2026-03-04",
        yearly_cap=1,
        concentration={"min_objects": 1, "min_share": "0.001", "years": 3},
    )
    ceremony(county)
    drawn = county.world.ledger.get(draw_id(TASK, 1))
    commitment = json.loads(drawn.commitment)
    assert commitment["snapshot"]["yearly_cap"] == {"cap": 1, "capped": 1}
    assert capped not in {d[0] for d in drawn.performed["drawn"]}
    problem, facts = verify(county)
    assert problem is None, problem
    assert facts["performed"]
