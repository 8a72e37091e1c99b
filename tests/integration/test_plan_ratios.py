"""An annual plan entry's ratio table, taken by the tasks that carry it out (R5.2, R6.4,
R7.6; format 4), on both backends: the plan gives ratios per credit class, or per credit
class and item risk grade (将随机抽查比例频次与抽查对象的信用等级、事项风险等级挂钩), checked as a
task's are; a task naming the plan and giving no ratios of its own takes the plan's; one
that gives its own overrides them. A format-3 ledger keeps the rules it was written with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ledger import formats
from ledger.config import Settings
from ledger.draw.eligibility import task_spec
from ledger.draw.world import SNAPSHOT_TOPICS, fold
from ledger.errors import RuleViolationError, ValidationError
from ledger.ids import plan_id
from tests.support.county import County, build_county
from tests.support.world import World, start_world

TABLE = {
    "A": {"low": "0.01", "medium": "0.02", "high": "0.04"},
    "B": {"low": "0.02", "medium": "0.03", "high": "0.05"},
    "C": {"low": "0.03", "medium": "0.05", "high": "0.08"},
    "D": {"low": "0.05", "medium": "0.07", "high": "0.09"},
}
RATIOS = {"A": "0.02", "B": "0.03", "C": "0.04", "D": "0.05"}
DIRECTED = {"ratio": "0.1", "penalty_years": 3, "min_complaints": 2}


@pytest.fixture
def county(format_4: None, world: World) -> County:
    return build_county(world)


def plan(county: County, year: int = 2027, **extra: Any) -> Any:
    params: dict[str, Any] = {
        "year": year,
        "reason": "enact",
        "name": f"{year}年度双随机抽查计划",
        "items": ["SC-001", "SC-KEY"],
        "scope": {"kinds": ["enterprise"], "regions": [], "industries": []},
        "method": "实地核查",
        "directed": DIRECTED,
        "quantity": 100,
        "participants": [],
        "start": f"{year}-03-01",
        "end": f"{year}-11-30",
        **extra,
    }
    return county.run("SCJGJ", "plans.draft", {k: v for k, v in params.items() if v is not None})


def task(county: County, code: str, **extra: Any) -> Any:
    params: dict[str, Any] = {
        "task": code,
        "name": "按年度计划抽查",
        "year": 2027,
        "items": ["SC-001"],
        "inspectors": ["S1", "S2", "S3"],
        "matching": "dispersed",
        "team_size": 2,
        "planned_start": "2027-04-01",
        "planned_end": "2027-04-20",
        "directed": DIRECTED,
        "scope": {"kinds": ["enterprise"], "regions": [], "industries": []},
        "plan": "SCJGJ/2027",
        **extra,
    }
    return county.run("SCJGJ", "task.create", {k: v for k, v in params.items() if v is not None})


def spec_of(county: County, code: str) -> dict[str, Any]:
    return task_spec(fold(county.world.ledger.topic_events(SNAPSHOT_TOPICS)), code)


def test_r5_2_a_plan_entry_carries_a_ratio_table(county: County) -> None:
    """R5.2, R6.4: the plan records the table (every class, every grade); ratios and a
    table together, or neither, are refused; the directed ratio stays above every cell
    (R5.3) and a general item's cap bounds every cell (R3.2) -- nothing written."""
    size = county.world.ledger.head().position
    with pytest.raises(ValidationError, match="one of the two"):
        plan(county, ratios=RATIOS, ratio_table=TABLE)
    with pytest.raises(ValidationError, match="one of the two"):
        plan(county)
    with pytest.raises(ValidationError) as bad:
        plan(county, ratio_table={**TABLE, "C": {"low": "0.1"}})
    assert {"ratio_table.C.medium", "ratio_table.C.high"} <= set(bad.value.errors)
    with pytest.raises(RuleViolationError, match=r"ratio_table\.D\.high = 0\.09") as low:
        plan(county, ratio_table=TABLE, directed={**DIRECTED, "ratio": "0.08"})
    assert low.value.rule == "R5.3"
    over = {**TABLE, "D": {**TABLE["D"], "high": "0.2"}}
    with pytest.raises(RuleViolationError, match="SC-001") as capped:
        plan(county, ratio_table=over, directed={**DIRECTED, "ratio": "0.3"})
    assert capped.value.rule == "R3.2"
    assert county.world.ledger.head().position == size
    recorded = plan(county, ratio_table=TABLE)
    assert recorded.result == {"department": "SCJGJ", "year": 2027, "version": 1}
    county.run("SCJGJ", "plans.publish", year=2027, version=1)
    annual = county.world.ledger.get(plan_id("SCJGJ", 2027))
    entry = annual.versions[1]["plan"]
    assert entry["ratio_table"] == TABLE and entry["ratios"] == {}


def test_r5_2_a_task_takes_its_plans_ratios_unless_it_gives_its_own(county: County) -> None:
    """R5.2, R7.6 (根据年度抽查检查工作计划): a task naming the plan with no ratios of its
    own draws with the plan entry's table (its items' risk grades recorded, R5.2); one
    giving ratios or a table keeps its own; a plan with ratios per class gives those."""
    plan(county, ratio_table=TABLE)
    county.run("SCJGJ", "plans.publish", year=2027, version=1)
    task(county, "T-PLAN-1")
    taken = spec_of(county, "T-PLAN-1")
    assert taken["ratio_table"] == TABLE and taken["ratios"] == {}
    assert {i["code"]: i["risk_grade"] for i in taken["items"]} == {"SC-001": "medium"}
    task(county, "T-OWN-1", ratios=RATIOS)
    own = spec_of(county, "T-OWN-1")
    assert own["ratios"] == RATIOS and "ratio_table" not in own
    other = {c: {g: "0.06" for g in row} for c, row in TABLE.items()}
    task(county, "T-OWN-2", ratio_table=other)
    assert spec_of(county, "T-OWN-2")["ratio_table"] == other
    # A directed ratio at or below the inherited table's highest cell is refused (R5.3).
    with pytest.raises(RuleViolationError, match=r"ratio_table\.D\.high"):
        task(county, "T-LOW-1", directed={**DIRECTED, "ratio": "0.09"})
    # Without a plan to name, a task still gives its ratios.
    with pytest.raises(ValidationError, match="one of the two"):
        task(county, "T-NOPLAN-1", year=2028, plan=None)
    # A plan entry with ratios per class gives those.
    plan(county, year=2028, ratios=RATIOS)
    county.run("SCJGJ", "plans.publish", year=2028, version=1)
    task(county, "T-2028-1", year=2028, plan="SCJGJ/2028")
    inherited = spec_of(county, "T-2028-1")
    assert inherited["ratios"] == RATIOS and "ratio_table" not in inherited
    # Naming a plan that is not the lead's published one is refused as before (R7.6).
    with pytest.raises(RuleViolationError) as wrong:
        task(county, "T-WRONG-1", plan="SWJ/2027")
    assert wrong.value.rule == "R7.6"


def test_a_format_3_ledger_keeps_its_rules(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Format 3 (written before format 4): a plan's ratio table is refused, a plan still
    needs its ratios, and a task naming its plan still gives its own."""
    monkeypatch.setattr(formats, "CURRENT", 3)
    world = start_world(sqlite_settings)
    try:
        county = build_county(world)
        with pytest.raises(ValidationError, match="format-4") as refused:
            plan(county, ratio_table=TABLE)
        assert "ratio_table" in refused.value.errors
        with pytest.raises(ValidationError, match="ratios"):
            plan(county)
        plan(county, ratios=RATIOS)
        county.run("SCJGJ", "plans.publish", year=2027, version=1)
        with pytest.raises(ValidationError, match="one of the two"):
            task(county, "T-PLAN-1")
        task(county, "T-PLAN-2", ratios=RATIOS)
    finally:
        world.ledger.close()
