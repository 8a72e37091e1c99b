"""Credit feedback, on both backends (R5.1, R5.3, R5.4): what the log records under an
object's name -- a verified violation, a penalty case, a judicial referral -- is shown
with the object and puts it in the directed stratum (定向抽查) of later draws."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledger.draw.eligibility import task_spec
from ledger.draw.snapshot import snapshot
from ledger.draw.world import SNAPSHOT_TOPICS, World, fold
from ledger.errors import RuleViolationError, ValidationError
from ledger.i18n import render
from ledger.ids import draw_id
from projections.read import directory
from projections.runner import update
from projections.store import Store
from tests.support.county import County, add_people, item
from tests.support.draws import TASK, ceremony, commit, verify, witness_commit, witness_reveal

CASE = {
    "kind": "case",
    "case": "TS-2026-0042",
    "trigger": "complaint",
    "reference": "12315 投诉 20260921-0042",
}
DAY = "2026-03-02"


@pytest.fixture
def county(drawable: County) -> County:
    add_people(drawable)
    return drawable


def world_of(county: County) -> World:
    return fold(county.world.ledger.topic_events(SNAPSHOT_TOPICS))


def clean_object(county: County) -> str:
    """An active class-A enterprise of SCJGJ, never penalised, no complaints: not directed."""
    objects = world_of(county).directory.objects
    return next(
        ident
        for ident, (kind, _, _, supervisors, credit, penalties, complaints, status) in sorted(
            objects.items()
        )
        if kind == "enterprise"
        and credit == "A"
        and not penalties
        and complaints == 0
        and status == "active"
        and "SCJGJ" in supervisors
    )


def case_check(county: County, obj: str, result: str, day: str = DAY) -> None:
    """A case check of ``obj`` (个案处理, R1.1) with its result."""
    common = {"basis": CASE, "object": obj, "item": "SCJGJ:SC-001"}
    county.run(
        "S1",
        "inspection.record",
        {**common, "method": "on_site", "inspectors": ["S1", "S2"], "checked_on": day},
        on=day,
    )
    county.run("S1", "result.enter", {**common, "result": result, "formed_on": day}, on=day)


def follow_up(county: County, obj: str, kind: str, reference: str, day: str = DAY) -> None:
    county.run(
        "SCJGJ",
        "result.follow_up",
        {
            "basis": CASE,
            "object": obj,
            "item": "SCJGJ:SC-001",
            "kind": kind,
            "reference": reference,
            "on": day,
        },
        on=day,
    )


def stratum_of(county: County, obj: str, algorithm: str) -> str | None:
    """The stratum ``obj`` falls in for a draw of :data:`TASK` under ``algorithm``."""
    world = world_of(county)
    spec = task_spec(world, TASK)
    params: dict[str, Any] = {
        "inspection_date": spec["planned_start"],
        "exclusion": {"days": 0, "mode": "exclude"},
        "algorithm": algorithm,
    }
    for key, members in snapshot(world, spec, params).strata.items():
        if obj in {i for i, _ in members}:
            return key
    return None


@pytest.mark.parametrize(
    ("result", "kind"),
    [
        ("violation", "penalty_case"),
        ("violation", "judicial_referral"),
        ("violation", None),
    ],
)
def test_a_violation_and_its_follow_up_make_the_object_directed(
    county: County, result: str, kind: str | None
) -> None:
    """R5.3, R5.4: a verified violation, a penalty case (立案处罚) or a judicial referral
    (移送司法机关) within ``penalty_years`` puts the object in the directed stratum of the
    draws committed after it, under shuangsui-draw-v3; v1 and v2 read the import alone."""
    obj = clean_object(county)
    assert stratum_of(county, obj, "shuangsui-draw-v3") == "A"
    case_check(county, obj, result)
    if kind is not None:
        follow_up(county, obj, kind, "安市监罚〔2026〕12号")
    assert stratum_of(county, obj, "shuangsui-draw-v3") == "directed"
    assert stratum_of(county, obj, "shuangsui-draw-v2") == "A"
    assert stratum_of(county, obj, "shuangsui-draw-v1") == "A"


def test_a_result_without_a_violation_changes_nothing(county: County) -> None:
    obj = clean_object(county)
    case_check(county, obj, "corrected")
    assert stratum_of(county, obj, "shuangsui-draw-v3") == "A"


def test_a_penalty_case_moves_the_object_in_the_next_draw_and_verify_draw_agrees(
    county: County,
) -> None:
    """The commitment counts the object as directed; the draw runs and verify-draw
    recomputes it from the log, the credit record included (R5.3, R7.5)."""
    obj = clean_object(county)
    case_check(county, obj, "violation")
    follow_up(county, obj, "penalty_case", "安市监罚〔2026〕12号")
    world = world_of(county)
    spec = task_spec(world, TASK)
    v2 = {
        "inspection_date": spec["planned_start"],
        "exclusion": {"days": 0, "mode": "exclude"},
        "algorithm": "shuangsui-draw-v2",
    }
    before = snapshot(world, spec, v2).summary()["objects"]["strata"]
    ceremony(county)
    drawn = county.world.ledger.get(draw_id(TASK, 1))
    after = json.loads(drawn.commitment)["snapshot"]["objects"]["strata"]
    assert json.loads(drawn.commitment)["algorithm"] == "shuangsui-draw-v3"
    assert after["directed"] == before["directed"] + 1 and after["A"] == before["A"] - 1
    problem, facts = verify(county)
    assert problem is None, problem
    assert facts["performed"]


def test_the_object_record_shows_its_credit_record(county: County, tmp_path: Path) -> None:
    """记于市场主体名下 (R5.4): the object's record lists the violation, the penalty case
    and the referral; its penalties include the case's day."""
    obj = clean_object(county)
    case_check(county, obj, "violation")
    follow_up(county, obj, "penalty_case", "安市监罚〔2026〕12号")
    follow_up(county, obj, "judicial_referral", "安市监移〔2026〕3号", day="2026-03-03")
    store = Store(tmp_path / "projections.sqlite3")
    update(county.world.ledger, store)
    record = directory.object_record(store.db, obj)
    assert record is not None
    entries = [(e["kind"], e["day"], e["reference"]) for e in record["credit_record"]]
    assert entries == [
        ("violation", DAY, ""),
        ("penalty_case", DAY, "安市监罚〔2026〕12号"),
        ("judicial_referral", "2026-03-03", "安市监移〔2026〕3号"),
    ]
    assert all(e["basis"] == "case:TS-2026-0042" for e in record["credit_record"])
    assert record["penalties"] == [DAY]
    # The draw's fold holds the same entries (one definition, two readers).
    folded = world_of(county).credit.entries[obj]
    assert [(e.kind, e.day, e.reference) for e in folded] == entries


def test_the_draw_of_a_drawn_county_still_verifies(county: County) -> None:
    ceremony(county)
    assert verify(county)[0] is None


# --- ratios follow credit and risk (R5.2, R5.3) ---------------------------------------------

TABLE = {
    "A": {"low": "0.01", "medium": "0.02", "high": "0.04"},
    "B": {"low": "0.02", "medium": "0.03", "high": "0.05"},
    "C": {"low": "0.03", "medium": "0.05", "high": "0.08"},
    "D": {"low": "0.05", "medium": "0.07", "high": "0.09"},
}


def task(county: County, code: str, **extra: Any) -> Any:
    params: dict[str, Any] = {
        "task": code,
        "name": "信用风险分类抽查",
        "year": 2026,
        "items": ["SC-001"],
        "inspectors": ["S1", "S2", "S3"],
        "matching": "dispersed",
        "team_size": 2,
        "planned_start": "2026-12-01",
        "planned_end": "2026-12-20",
        "ratios": {"A": "0.02", "B": "0.03", "C": "0.04", "D": "0.05"},
        "directed": {"ratio": "0.1", "penalty_years": 3, "min_complaints": 2},
        "scope": {"kinds": ["enterprise"], "regions": [], "industries": []},
        **extra,
    }
    return county.run("SCJGJ", "task.create", {k: v for k, v in params.items() if v is not None})


def test_a_directed_ratio_below_the_ordinary_d_class_ratio_is_refused(county: County) -> None:
    """R5.3 (定向抽查，加大抽查比例): the issue's case -- 1 of 53 penalised objects drawn
    against 5 of 93 D-class ones (directed 0.01, D 0.05) -- is refused, in Chinese and
    English, and nothing is written; equal is refused too (not higher), except at 1."""
    size = county.world.ledger.head().position
    with pytest.raises(RuleViolationError, match=r"directed-check ratio 0\.01 must be") as refused:
        task(county, "T-LOW-1", directed={"ratio": "0.01", "penalty_years": 3, "min_complaints": 2})
    assert refused.value.rule == "R5.3"
    assert render(refused.value, "zh").startswith("定向抽查比例 0.01 须高于")
    assert "must be above the highest ratio it overrides (ratios.D = 0.05)" in str(refused.value)
    with pytest.raises(RuleViolationError, match=r"ratios\.D = 0\.05"):
        task(county, "T-LOW-2", directed={"ratio": "0.05", "penalty_years": 3, "min_complaints": 2})
    with pytest.raises(RuleViolationError, match=r"ratio_table\.D\.high = 0\.09"):
        task(
            county,
            "T-LOW-3",
            ratios=None,
            ratio_table=TABLE,
            directed={"ratio": "0.08", "penalty_years": 3, "min_complaints": 2},
        )
    assert county.world.ledger.head().position == size
    every = {"A": "1", "B": "1", "C": "1", "D": "1"}
    task(
        county,
        "T-ALL-1",
        items=["SC-KEY"],  # a key item: no ratio cap (R3.2)
        ratios=every,
        directed={"ratio": "1", "penalty_years": 3, "min_complaints": 2},
    )
    task(county, "T-NONE-1", directed=None)  # no directed checks: nothing to compare


def test_a_plan_directed_ratio_below_its_class_ratios_is_refused(county: County) -> None:
    with pytest.raises(RuleViolationError, match="directed-check ratio") as refused:
        county.run(
            "SCJGJ",
            "plans.draft",
            year=2027,
            reason="enact",
            name="2027年度计划",
            items=["SC-001"],
            scope={"kinds": ["enterprise"], "regions": [], "industries": []},
            method="实地核查",
            ratios={"A": "0.01", "B": "0.015", "C": "0.02", "D": "0.03"},
            directed={"ratio": "0.02", "penalty_years": 3, "min_complaints": 2},
            quantity=100,
            participants=[],
            start="2027-03-01",
            end="2027-11-30",
        )
    assert refused.value.rule == "R5.3"


def test_ratios_or_a_table_one_of_the_two(county: County) -> None:
    with pytest.raises(ValidationError, match="one of the two") as both:
        task(county, "T-BOTH-1", ratio_table=TABLE)
    assert "二选一" in render(both.value, "zh")
    with pytest.raises(ValidationError, match="one of the two"):
        task(county, "T-NEITHER-1", ratios=None)
    with pytest.raises(ValidationError) as bad:
        task(county, "T-BAD-1", ratios=None, ratio_table={**TABLE, "C": {"low": "0.1"}})
    assert {"ratio_table.C.medium", "ratio_table.C.high"} <= set(bad.value.errors)


def _publish_high_risk_key_item(county: County) -> None:
    county.run(
        "SCJGJ",
        "items.draft",
        reason="amend",
        items=[
            item("SC-001"),
            item("SC-002", cap="0.05"),
            item("SC-KEY", "key", None, risk_grade="high"),
        ],
    )
    county.run("SCJGJ", "items.publish", version=2)


def test_a_ratio_table_draws_each_class_by_its_items_risk_grade(county: County) -> None:
    """R5.2 (比例频次与信用等级、事项风险等级挂钩): each class is split by the highest risk
    grade of the task's items for the object's kind, drawn at its cell's ratio; the draw
    is recomputed by verify-draw."""
    _publish_high_risk_key_item(county)
    task(county, "T-TABLE-1", items=["SC-001"], ratios=None, ratio_table=TABLE)
    task(county, "T-TABLE-2", items=["SC-001", "SC-KEY"], ratios=None, ratio_table=TABLE)
    world = world_of(county)
    spec = task_spec(world, "T-TABLE-2")
    assert {i["code"]: i["risk_grade"] for i in spec["items"]} == {
        "SC-001": "medium",
        "SC-KEY": "high",
    }
    committed = commit(county, task="T-TABLE-1").result["snapshot"]["objects"]["strata"]
    assert set(committed) == {"A/medium", "B/medium", "C/medium", "D/medium", "directed"}
    committed = commit(county, task="T-TABLE-2").result["snapshot"]["objects"]["strata"]
    assert set(committed) == {"A/high", "B/high", "C/high", "D/high", "directed"}
    # Matching needs officers qualified for the key item too; the first task is run.
    drawn = county.world.ledger.get(draw_id("T-TABLE-1", 1))
    commitment = json.loads(drawn.commitment)
    assert (
        commitment["ratios"]["C/high"] == "0.08"
        and commitment["ratios"]["C/medium"] == "0.05"
        and commitment["ratios"]["directed"] == "0.1"
    )
    assert commitment["task_spec"]["ratio_table"] == TABLE
    county.run("SCJGJ", "draw.dice", task="T-TABLE-1", draw=1, digits="3141552653")
    secrets = {name: witness_commit(county, name, task="T-TABLE-1") for name in ("jiwei", "notary")}
    for name, (value, nonce) in secrets.items():
        witness_reveal(county, name, value, nonce, task="T-TABLE-1")
    ran = county.run("SCJGJ", "draw.run", task="T-TABLE-1", draw=1)
    for key, stratum in ran.result["strata"].items():
        ratio = commitment["ratios"][key]
        assert stratum["n"] == math.ceil(Decimal(ratio) * stratum["count"])
    problem, _ = verify(county, task="T-TABLE-1")
    assert problem is None, problem


# --- the credit record lowers the class a draw uses (R5.1; format 4) ----------------------


@pytest.fixture
def county_4(format_4: None, drawable: County) -> County:
    add_people(drawable)
    return drawable


def test_r5_1_a_penalty_lowers_the_class_a_draw_uses(county_4: County) -> None:
    """R5.1 (根据抽查对象信用状况实行分类分级动态监管), format 4: a task without directed
    checks draws a penalised class-A object in class D from the penalty on, one with a
    verified violation alone one class lower (B); the commitment names the rule
    (``credit_rules``) and verify-draw recomputes it. Without the rule (a format-3
    draw) both stay in A."""
    penalised, violated = [
        ident
        for ident, (kind, _, _, supervisors, credit, penalties, complaints, status) in sorted(
            world_of(county_4).directory.objects.items()
        )
        if kind == "enterprise"
        and credit == "A"
        and not penalties
        and complaints == 0
        and status == "active"
        and "SCJGJ" in supervisors
    ][:2]
    case_check(county_4, penalised, "violation")
    follow_up(county_4, penalised, "penalty_case", "安市监罚〔2026〕12号")
    case_check(county_4, violated, "violation", day="2026-03-03")
    task(county_4, "T-CLASS-1", directed=None)
    world = world_of(county_4)
    spec = task_spec(world, "T-CLASS-1")
    params: dict[str, Any] = {
        "inspection_date": spec["planned_start"],
        "exclusion": {"days": 0, "mode": "exclude"},
        "algorithm": "shuangsui-draw-v3",
    }

    def stratum(obj: str, **extra: Any) -> str:
        strata = snapshot(world, spec, {**params, **extra}).strata
        return next(k for k, members in strata.items() if obj in {i for i, _ in members})

    assert (stratum(penalised), stratum(violated)) == ("A", "A")
    rules = {"credit_rules": "shuangsui-credit-v1"}
    assert (stratum(penalised, **rules), stratum(violated, **rules)) == ("D", "B")
    committed = commit(county_4, task="T-CLASS-1").result
    drawn = json.loads(county_4.world.ledger.get(draw_id("T-CLASS-1", 1)).commitment)
    assert drawn["credit_rules"] == "shuangsui-credit-v1"
    assert committed["snapshot"] == snapshot(world, spec, drawn).summary()
    problem, _ = verify(county_4, task="T-CLASS-1")
    assert problem is None, problem
