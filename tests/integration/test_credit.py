"""Credit feedback, on both backends (R5.1, R5.3, R5.4): what the log records under an
object's name -- a verified violation, a penalty case, a judicial referral -- is shown
with the object and puts it in the directed stratum (定向抽查) of later draws."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.draw.eligibility import task_spec
from ledger.draw.snapshot import snapshot
from ledger.draw.world import SNAPSHOT_TOPICS, World, fold
from ledger.ids import draw_id
from projections.read import directory
from projections.runner import update
from projections.store import Store
from tests.support.county import County, add_people
from tests.support.draws import TASK, ceremony, verify

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
