"""Lists and plans as the source allows them (issue 12 part 5): R3.4, R3.6, R6.5, R7.6,
on both backends."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ledger import formats
from ledger.clock import china_today
from ledger.config import Settings
from ledger.errors import RuleViolationError, ValidationError
from ledger.ids import item_list_id
from projections.read import documents
from projections.runner import update
from projections.store import Store
from tests.support.county import County, build_county, item
from tests.support.world import World, start_world

YEAR = china_today().year + 1  # a year still ahead: its dates can be signed in order


@pytest.fixture
def county(world: World) -> County:
    return build_county(world)


def plan(**extra: Any) -> dict[str, Any]:
    return {
        "name": f"{YEAR}年度双随机抽查计划",
        "items": ["SC-001", "SC-KEY"],
        "method": "实地核查",
        "ratios": {"A": "0.03", "B": "0.05", "C": "0.08", "D": "0.1"},
        "quantity": 120,
        "participants": ["SWJ"],
        "start": f"{YEAR}-03-01",
        "end": f"{YEAR}-11-30",
        **extra,
    }


def task(**extra: Any) -> dict[str, Any]:
    return {
        "task": "T-1",
        "name": "联合抽查",
        "year": YEAR,
        "items": ["SC-001"],
        "inspectors": ["S1", "S2"],
        "matching": "dispersed",
        "team_size": 2,
        "planned_start": f"{YEAR}-12-01",
        "planned_end": f"{YEAR}-12-20",
        "ratios": {"A": "0.02", "B": "0.04", "C": "0.06", "D": "0.08"},
        **extra,
    }


@pytest.mark.parametrize("reason", ["enact", "amend", "repeal", "interpret", "practice"])
def test_r3_4_any_reason_on_any_version_including_practical_work(
    county: County, reason: str
) -> None:
    """R3.4 (amended): 立改废释 *and* 工作实际情况, on a first or a later version."""
    county.run("SCJGJ", "items.draft", reason=reason, items=[item("SC-001"), item("SC-009")])
    assert county.run("SCJGJ", "items.publish", version=2).result["version"] == 2
    county.run("office", "department.register", code="WJJ", name="安岳县卫生健康局", kind="health")


def test_r3_4_an_unknown_reason_is_still_refused(county: County) -> None:
    from ledger.errors import ValidationError

    with pytest.raises(ValidationError):
        county.run("SCJGJ", "items.draft", reason="because", items=[item("SC-001")])


def test_r6_5_only_a_years_first_plan_version_can_be_late(county: County) -> None:
    """R6.5 (amended): plans are done by 31 January and may be adjusted during the year;
    an adjustment is not late."""
    county.run("SCJGJ", "plans.draft", year=YEAR, reason="enact", on=f"{YEAR}-02-03", **plan())
    first = county.run("SCJGJ", "plans.publish", year=YEAR, version=1, on=f"{YEAR}-02-04")
    assert first.result["late"] is True
    county.run("SCJGJ", "plans.draft", year=YEAR, reason="practice", on=f"{YEAR}-06-01", **plan())
    adjusted = county.run("SCJGJ", "plans.publish", year=YEAR, version=2, on=f"{YEAR}-06-02")
    assert adjusted.result["late"] is False


def test_r6_5_a_first_plan_by_31_january_is_on_time(county: County) -> None:
    county.run("SCJGJ", "plans.draft", year=YEAR, reason="enact", on=f"{YEAR}-01-20", **plan())
    done = county.run("SCJGJ", "plans.publish", year=YEAR, version=1, on=f"{YEAR}-01-31")
    assert done.result["late"] is False


# --- R3.6: a joint task's items come from the published joint list -------------------------


#: The Sichuan provincial joint list the county's follows (R3.5; a test title).
PROVINCIAL_LIST = "四川省市场监管领域部门联合抽查事项清单（第二版）"
STANDARDS = ["安岳县市场监管领域部门联合抽查工作规则", "联合抽查检查工作指引（食品）"]


def publish_joint(county: County, *entries: tuple[str, str]) -> None:
    county.run(
        "office",
        "items.draft_joint",
        reason="enact",
        follows=PROVINCIAL_LIST,
        standards=STANDARDS,
        entries=[{"department": d, "code": c} for d, c in entries],
    )
    county.run("office", "items.publish_joint", version=1)


def test_r3_5_the_joint_list_follows_the_provincial_list_with_its_standards(
    county: County, tmp_path: Path
) -> None:
    """R3.5 (按照四川省联合抽查事项清单 ... 制定 ... 联合抽查事项清单、标准和相关工作制度): a
    version of the county's joint list names the provincial list it follows and the
    standards and work rules adopted with it; from format 5 one without it is refused,
    writing nothing; the published document carries them."""
    entries = [{"department": "SCJGJ", "code": "SC-001"}]
    size = county.world.ledger.head().position
    for bad, field in [
        ({}, "follows"),
        ({"follows": "  "}, "follows"),
        ({"standards": STANDARDS}, "follows"),
        ({"follows": "x" * 301}, "follows"),
        ({"follows": PROVINCIAL_LIST, "standards": ["ok", ""]}, "standards"),
    ]:
        with pytest.raises(ValidationError) as refused:
            county.run("office", "items.draft_joint", reason="enact", entries=entries, **bad)
        assert field in refused.value.errors, (bad, refused.value.errors)
    assert county.world.ledger.head().position == size
    publish_joint(county, ("SCJGJ", "SC-001"))
    joint = county.world.ledger.get(item_list_id("JOINT")).as_dict()["versions"][0]
    assert joint["follows"] == PROVINCIAL_LIST and joint["standards"] == STANDARDS
    store = Store(tmp_path / "projections.sqlite3")
    update(county.world.ledger, store)
    (content,) = store.db.execute(
        "SELECT content FROM documents WHERE kind = 'item_list' AND owner = 'JOINT'"
    ).fetchone()
    assert json.loads(content)["follows"] == PROVINCIAL_LIST
    assert json.loads(content)["standards"] == STANDARDS


def test_r3_5_a_format_4_joint_list_needs_no_provincial_list(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A format-4 ledger may hold joint lists drafted without it: still accepted there."""
    monkeypatch.setattr(formats, "CURRENT", 4)
    world = start_world(sqlite_settings)
    try:
        county = build_county(world)
        entries = [{"department": "SCJGJ", "code": "SC-001"}]
        county.run("office", "items.draft_joint", reason="enact", entries=entries)
        assert "follows" not in world.ledger.get(item_list_id("JOINT")).versions[1]
    finally:
        world.ledger.close()


def test_r3_6_joint_items_must_be_on_the_published_joint_list(county: County) -> None:
    publish_joint(county, ("SCJGJ", "SC-001"), ("SWJ", "SW-001"))
    county.run("SCJGJ", "task.create", **task(items=["SC-002"], ratios=_low()))
    size = county.world.ledger.head().position
    with pytest.raises(RuleViolationError) as caught:
        county.run("SWJ", "task.join", task="T-1", items=["SW-001"], inspectors=["T1"])
    assert caught.value.rule == "R3.6" and "SCJGJ:SC-002" in caught.value.message
    assert county.world.ledger.head().position == size
    county.run("SCJGJ", "task.create", **task(task="T-2"))
    county.run("SWJ", "task.join", task="T-2", items=["SW-001"], inspectors=["T1"])


def test_r3_6_without_a_published_joint_list_the_departments_lists_suffice(
    county: County,
) -> None:
    county.run("SCJGJ", "task.create", **task(items=["SC-002"], ratios=_low()))
    county.run("SWJ", "task.join", task="T-1", items=["SW-001"], inspectors=["T1"])


def _low() -> dict[str, str]:
    return {"A": "0.01", "B": "0.02", "C": "0.03", "D": "0.04"}


# --- R7.6: a task is linked to the annual plan it carries out ---------------------------------


def test_r7_6_a_task_names_the_published_plan_it_carries_out(county: County) -> None:
    county.run("SCJGJ", "plans.draft", year=YEAR, reason="enact", on=f"{YEAR}-01-10", **plan())
    county.run("SCJGJ", "plans.publish", year=YEAR, version=1, on=f"{YEAR}-01-11")
    on = f"{YEAR}-01-12"
    for bad in (None, f"SCJGJ/{YEAR - 1}", f"SWJ/{YEAR}"):
        with pytest.raises(RuleViolationError) as caught:
            county.run("SCJGJ", "task.create", on=on, **task(plan=bad))
        assert caught.value.rule == "R7.6"
    with pytest.raises(RuleViolationError) as outside:
        county.run(
            "SCJGJ",
            "task.create",
            on=on,
            **task(plan=f"SCJGJ/{YEAR}", items=["SC-002"], ratios=_low()),
        )
    assert "SC-002" in outside.value.message
    created = county.run("SCJGJ", "task.create", on=on, **task(plan=f"SCJGJ/{YEAR}"))
    assert created.result["task"] == "T-1"


def test_r7_6_a_task_of_a_year_without_a_plan_is_accepted_but_a_named_plan_must_exist(
    county: County,
) -> None:
    with pytest.raises(RuleViolationError):
        county.run("SCJGJ", "task.create", **task(plan=f"SCJGJ/{YEAR}"))
    county.run("SCJGJ", "task.create", **task())


def test_r7_6_and_r3_6_do_not_apply_to_a_format_1_ledger(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "CURRENT", 1)
    world = start_world(sqlite_settings)
    try:
        county = build_county(world)
        publish_joint(county, ("SCJGJ", "SC-001"))
        county.run("SCJGJ", "plans.draft", year=YEAR, reason="enact", **plan())
        county.run("SCJGJ", "plans.publish", year=YEAR, version=1)
        county.run("SCJGJ", "task.create", **task(items=["SC-002"], ratios=_low()))
        county.run("SWJ", "task.join", task="T-1", items=["SW-001"], inspectors=["T1"])
    finally:
        world.ledger.close()


# --- R3.4, R6.5: published lists and plans are public in the data ------------------------------


def test_r3_4_r6_5_published_lists_and_plans_are_marked_public(
    county: County, tmp_path: Path
) -> None:
    county.run("SCJGJ", "plans.draft", year=YEAR, reason="enact", **plan())
    county.run("SWJ", "items.draft", reason="practice", items=[item("SW-002")])  # a draft
    store = Store(tmp_path / "projections.sqlite3")
    update(county.world.ledger, store)
    public = documents.public_documents(store.db)
    assert {(d["kind"], d["owner"], d["version"]) for d in public} == {
        ("item_list", "SCJGJ", 1),
        ("item_list", "SWJ", 1),
    }
    county.run("SCJGJ", "plans.publish", year=YEAR, version=1)
    update(county.world.ledger, store)
    [published_plan] = documents.public_documents(store.db, kind="plan")
    assert published_plan["public"] is True and published_plan["content"]["items"] == [
        "SC-001",
        "SC-KEY",
    ]
    assert published_plan["owner_name"] == "安岳县市场监督管理局"
    assert dt.date.fromisoformat(published_plan["published_on"])
