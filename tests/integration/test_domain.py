"""The domain rules (R3-R7.3), each passing and refusing, on both backends."""

from __future__ import annotations

import pytest

from ledger.areas.inspectors.events import Inspector
from ledger.areas.items.events import ItemList
from ledger.areas.plans.events import AnnualPlan
from ledger.areas.tasks.events import JointTask
from ledger.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    ValidationError,
)
from ledger.ids import inspector_id, item_list_id, plan_id, task_id
from ledger.transparency.database import verify_ledger
from tests.support.county import County, build_county, inspector, item
from tests.support.world import World


@pytest.fixture
def county(world: World) -> County:
    return build_county(world)


def test_county_builds_and_verifies(county: County) -> None:
    assert verify_ledger(county.world.ledger, workers=1)


# --- item lists (R3) -------------------------------------------------------------------


def test_published_list_is_versioned_and_never_changes(county: County) -> None:
    ledger = county.world.ledger
    county.run(
        "SCJGJ",
        "items.draft",
        reason="amend",
        note="《条例》修订",
        items=[item("SC-001", cap="0.08"), item("SC-003")],
    )
    county.run("SCJGJ", "items.publish", version=2)
    found = ledger.get(item_list_id("SCJGJ"))
    assert isinstance(found, ItemList)
    assert found.published == 2
    assert [i["code"] for i in found.versions[1]["items"]] == ["SC-001", "SC-002", "SC-KEY"]
    assert found.current_items()["SC-001"]["ratio_cap"] == "0.08"
    with pytest.raises(ConflictError):
        county.run("SCJGJ", "items.publish", version=2)


def test_later_version_may_give_any_reason(county: County) -> None:
    """R3.4 as amended: any reason on any version (立改废释 and 工作实际情况)."""
    county.run("SCJGJ", "items.draft", reason="enact", items=[item("SC-009")])
    assert county.run("SCJGJ", "items.publish", version=2).result["version"] == 2


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (item("X", cap=None), "items[0].ratio_cap"),
        ({**item("X", "key", None), "ratio_cap": "0.1"}, "items[0].ratio_cap"),
        (item("X", cap="1.5"), "items[0].ratio_cap"),
        (item("X", method="by phone"), "items[0].method"),
        (item("X", object_type="spaceship"), "items[0].object_type"),
        ({"code": "X"}, "items[0].name"),
    ],
)
def test_bad_items_are_refused_field_by_field(county: County, bad: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        county.run("SWJ", "items.draft", reason="amend", items=[bad])
    assert field in caught.value.errors


def test_a_department_edits_only_its_own_list(county: County) -> None:
    county.run("SWJ", "items.draft", reason="amend", items=[item("SW-009")])
    found = county.world.ledger.get(item_list_id("SWJ"))
    assert found.draft == 2
    assert county.world.ledger.get(item_list_id("SCJGJ")).draft is None
    with pytest.raises(PermissionDeniedError):
        county.run("office", "items.draft", reason="amend", items=[item("X")])


#: The Sichuan provincial joint list a county's joint list follows (R3.5; a test title).
PROVINCIAL_LIST = "四川省市场监管领域部门联合抽查事项清单（第二版）"


def test_joint_list_bundles_published_items(county: County) -> None:
    county.run(
        "office",
        "items.draft_joint",
        reason="enact",
        follows=PROVINCIAL_LIST,
        entries=[
            {"department": "SCJGJ", "code": "SC-001"},
            {"department": "SWJ", "code": "SW-001"},
        ],
    )
    county.run("office", "items.publish_joint", version=1)
    joint = county.world.ledger.get(item_list_id("JOINT"))
    assert sorted(joint.current_items()) == ["SCJGJ:SC-001", "SWJ:SW-001"]
    with pytest.raises(NotFoundError) as caught:
        county.run(
            "office",
            "items.draft_joint",
            reason="amend",
            follows=PROVINCIAL_LIST,
            entries=[{"department": "SWJ", "code": "SC-001"}],
        )
    assert caught.value.rule == "R3.5"


# --- inspector directory (R4.2, R4.3) -------------------------------------------------------


def test_inspector_change_takes_effect_only_when_judicial_approves(county: County) -> None:
    ledger = county.world.ledger
    result = county.rows(
        "SCJGJ", "inspectors.propose", [inspector("S9", "SCJGJ", position="副所长")], action="enrol"
    )
    proposal = result.result["proposals"]["S9"]
    pending = ledger.get(inspector_id("S9"))
    assert isinstance(pending, Inspector) and not pending.active and pending.effective is None
    with pytest.raises(PermissionDeniedError) as refused:
        county.run(
            "SCJGJ",
            "inspectors.decide",
            decisions=[{"person": "S9", "proposal": proposal, "approve": True}],
        )
    assert refused.value.rule == "R4.2"
    county.run(
        "SFJ",
        "inspectors.decide",
        decisions=[{"person": "S9", "proposal": proposal, "approve": True}],
    )
    assert ledger.get(inspector_id("S9")).effective["position"] == "副所长"


def test_rejection_needs_a_reason_and_changes_nothing(county: County) -> None:
    result = county.rows(
        "SCJGJ", "inspectors.propose", [inspector("S1", "SCJGJ", position="所长")], action="update"
    )
    proposal = result.result["proposals"]["S1"]
    with pytest.raises(ValidationError):
        county.run(
            "SFJ",
            "inspectors.decide",
            decisions=[{"person": "S1", "proposal": proposal, "approve": False}],
        )
    county.run(
        "SFJ",
        "inspectors.decide",
        decisions=[{"person": "S1", "proposal": proposal, "approve": False, "reason": "资格不符"}],
    )
    assert county.world.ledger.get(inspector_id("S1")).effective["position"] == "科员"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (inspector("E1", "SCJGJ", kind="expert", certificate="51999"), "R4.3"),
        (inspector("P1", "SCJGJ", certificate=None), "certificate number"),
        (inspector("P2", "SWJ"), "unit must be"),
        (inspector("P3", "SCJGJ", certificate_from="2029-01-01"), "after certificate_until"),
    ],
)
def test_bad_inspector_rows(county: County, row: dict, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        county.rows("SCJGJ", "inspectors.propose", [row], action="enrol")
    assert problem in str(caught.value.errors)


def test_rows_must_match_the_signed_digest(county: County) -> None:
    rows = [inspector("S8", "SCJGJ")]
    with pytest.raises(ValidationError, match="not the ones the command was signed for"):
        county.run(
            "SCJGJ", "inspectors.propose", attachment=rows, action="enrol", rows_digest="0" * 64
        )


# --- annual plans (R6) ---------------------------------------------------------------------


PLAN = {
    "name": "2026年度双随机抽查计划",
    "items": ["SC-001", "SC-KEY"],
    "method": "实地核查",
    "ratios": {"A": "0.03", "B": "0.05", "C": "0.06", "D": "0.08"},
    "quantity": 120,
    "participants": ["SWJ"],
    "start": "2026-03-01",
    "end": "2026-11-30",
    "directed": {"ratio": "0.1", "penalty_years": 3, "min_complaints": 2},
}


def test_plan_published_after_31_january_is_late(county: County) -> None:
    county.run("SCJGJ", "plans.draft", year=2026, reason="enact", **PLAN)
    recorded = county.run("SCJGJ", "plans.publish", year=2026, version=1)
    assert recorded.result["late"] is True  # today is after 2026-01-31
    county.run("SCJGJ", "plans.draft", year=2099, reason="enact", **PLAN)
    assert county.run("SCJGJ", "plans.publish", year=2099, version=1).result["late"] is False
    plan = county.world.ledger.get(plan_id("SCJGJ", 2026))
    assert isinstance(plan, AnnualPlan) and plan.versions[1]["late"] is True


def test_plan_ratio_above_a_general_items_cap_is_refused(county: County) -> None:
    with pytest.raises(RuleViolationError) as caught:
        county.run(
            "SCJGJ",
            "plans.draft",
            year=2026,
            reason="enact",
            **{**PLAN, "ratios": {**PLAN["ratios"], "D": "0.5"}},
        )
    assert caught.value.rule == "R3.2" and "ratios.D" in caught.value.message


def test_plan_items_must_be_published(county: County) -> None:
    with pytest.raises(RuleViolationError):
        county.run(
            "SCJGJ", "plans.draft", year=2026, reason="enact", **{**PLAN, "items": ["SW-001"]}
        )


# --- joint tasks (R7.1-R7.3) -------------------------------------------------------------


TASK = {
    "task": "T-2026-001",
    "name": "2026年食品安全与纳税信用联合抽查",
    "year": 2026,
    "items": ["SC-001"],
    "inspectors": ["S1", "S2"],
    "matching": "dispersed",
    "team_size": 2,
    "planned_start": "2026-12-01",
    "planned_end": "2026-12-20",
    "ratios": {"A": "0.02", "B": "0.04", "C": "0.06", "D": "0.08"},
    "scope": {"kinds": ["enterprise"], "regions": [], "industries": []},
}


def test_initiator_leads_and_participants_join(county: County) -> None:
    county.run("SCJGJ", "task.create", **TASK)
    county.run("SWJ", "task.join", task="T-2026-001", items=["SW-001"], inspectors=["T1"])
    task = county.world.ledger.get(task_id("T-2026-001"))
    assert isinstance(task, JointTask)
    assert task.lead == "SCJGJ" and task.participants == ["SWJ"]
    assert [(i["department"], i["code"]) for i in task.items] == [
        ("SCJGJ", "SC-001"),
        ("SWJ", "SW-001"),
    ]
    with pytest.raises(ConflictError):
        county.run("SWJ", "task.join", task="T-2026-001", items=["SW-001"], inspectors=["T1"])


def test_participant_must_have_the_items_it_brings(county: County) -> None:
    county.run("SCJGJ", "task.create", **TASK)
    with pytest.raises(RuleViolationError) as caught:
        county.run("SWJ", "task.join", task="T-2026-001", items=["SC-002"], inspectors=["T1"])
    assert caught.value.rule == "R7.2"


def test_task_ratio_above_cap_and_foreign_inspectors_are_refused(county: County) -> None:
    with pytest.raises(RuleViolationError) as over:
        county.run("SCJGJ", "task.create", **{**TASK, "items": ["SC-002"]})  # cap 0.05 < 0.06
    assert over.value.rule == "R3.2"
    with pytest.raises(RuleViolationError) as foreign:
        county.run("SCJGJ", "task.create", **{**TASK, "inspectors": ["T1"]})
    assert foreign.value.rule == "R7.3"


def test_team_size_at_least_two(county: County) -> None:
    with pytest.raises(ValidationError) as caught:
        county.run("SCJGJ", "task.create", **{**TASK, "team_size": 1})
    assert "team_size" in caught.value.errors
