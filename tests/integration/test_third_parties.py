"""Third parties and data quality (issue 12 part 6): R8.1, R8.2, R4.2, R9.1, on both
backends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from ledger import formats
from ledger.areas.directory.importer import import_objects
from ledger.clock import china_today
from ledger.config import Settings
from ledger.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    ValidationError,
)
from ledger.i18n import render
from projections.read import bodies
from projections.runner import update
from projections.store import Store
from tests.support.county import County, add_people, build_county, inspector, objects
from tests.support.world import World, start_world
from tools.fakecounty import write_generated_objects

CASE = {"kind": "case", "case": "TS-1", "trigger": "complaint", "reference": "12315-1"}
TODAY = china_today().isoformat()
CONCLUSION = "ab" * 32


@pytest.fixture
def county(world: World, tmp_path: Path) -> County:
    return _county(world, tmp_path)


def _county(world: World, tmp_path: Path) -> County:
    county = build_county(world)
    add_people(county)
    source = tmp_path / "objects.csv"
    write_generated_objects(source, 10, departments=("SCJGJ",), seed=5)
    import_objects(source, "SCJGJ", county.submitter("SCJGJ"))
    return county


def body(**extra: Any) -> dict[str, Any]:
    return {
        "body": "SCSJY",
        "name": "四川省食品检验研究院",
        "qualification": "CMA 192300000000",
        "services": ["testing"],
        "scope": "食品、食品添加剂",
        "valid_from": "2024-01-01",
        "valid_until": "2099-12-31",
        **extra,
    }


def delegated_check(county: County, obj: str, **delegated: Any) -> Any:
    return county.run(
        "S1",
        "inspection.record",
        basis=CASE,
        object=obj,
        item="SCJGJ:SC-001",
        method="on_site",
        inspectors=["S1", "S2"],
        checked_on=TODAY,
        delegated={
            "kind": "testing",
            "body": "SCSJY",
            "conclusion_sha256": CONCLUSION,
            **delegated,
        },
    )


def delegation(obj: str, **extra: Any) -> dict[str, str]:
    """The delegation :func:`delegated_check` made, as ``body list`` shows it."""
    return {"basis": "case", "reference": "TS-1", "object": obj, "item": "SCJGJ:SC-001", **extra}


# --- R8.1, R8.2: the register of qualified bodies --------------------------------------------


def test_r8_1_delegated_testing_cites_a_registered_qualified_valid_body(
    county: County, tmp_path: Path
) -> None:
    obj = objects(county)[0]
    size = county.world.ledger.head().position
    with pytest.raises(RuleViolationError) as unregistered:
        delegated_check(county, obj)
    assert unregistered.value.rule == "R8.1" and "未登记" in render(
        unregistered.value.message, "zh"
    )
    assert county.world.ledger.head().position == size
    county.run("SCJGJ", "body.register", **body())
    delegated_check(county, obj)
    county.run(
        "SCJGJ",
        "body.oversee",
        body="SCSJY",
        kind="evaluation",
        held_on=TODAY,
        finding="检测报告规范，按期出具",
        rating="good",
        delegation=delegation(obj),
    )
    store = Store(tmp_path / "projections.sqlite3")
    update(county.world.ledger, store)
    [found] = bodies.bodies(store.db)
    assert found["services"] == ["testing"] and found["records"][0]["rating"] == "good"
    assert found["records"][0]["department_name"] == "安岳县市场监督管理局"
    assert [c["object"] for c in found["delegated_checks"]] == [obj]


@pytest.mark.parametrize(
    ("registered", "delegated", "why"),
    [
        ({"services": ["audit"]}, {}, "无此项资质"),
        ({"valid_until": "2024-12-31"}, {}, "有效期"),
        ({}, {"kind": "survey"}, "无此项资质"),
    ],
)
def test_r8_1_a_body_without_the_service_or_out_of_validity_is_refused(
    county: County, registered: dict[str, Any], delegated: dict[str, Any], why: str
) -> None:
    county.run("SCJGJ", "body.register", **body(**registered))
    with pytest.raises(RuleViolationError) as caught:
        delegated_check(county, objects(county)[0], **delegated)
    assert caught.value.rule == "R8.1" and why in render(caught.value.message, "zh")


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"services": ["cooking"]}, "services"),
        ({"services": []}, "services"),
        ({"valid_until": "2023-12-31"}, "valid_until"),
        ({"qualification": ""}, "qualification"),
    ],
)
def test_r8_1_bad_registrations_are_refused(
    county: County, bad: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        county.run("SCJGJ", "body.register", **body(**bad))
    assert field in caught.value.errors


def test_r8_2_oversight_records_belong_to_departments(county: County) -> None:
    county.run("office", "body.register", **body())
    with pytest.raises(PermissionDeniedError):
        county.run(
            "office", "body.oversee", body="SCSJY", kind="guidance", held_on=TODAY, finding="x"
        )
    with pytest.raises(ValidationError) as unrated:
        county.run(
            "SCJGJ", "body.oversee", body="SCSJY", kind="evaluation", held_on=TODAY, finding="x"
        )
    assert "rating" in unrated.value.errors
    with pytest.raises(NotFoundError):
        county.run(
            "SCJGJ", "body.oversee", body="NOPE", kind="guidance", held_on=TODAY, finding="x"
        )
    with pytest.raises(ConflictError):
        county.run("SCJGJ", "body.register", **body())  # the office registered it already


def oversee(county: County, who: str = "SCJGJ", **extra: Any) -> Any:
    return county.run(
        who,
        "body.oversee",
        **{
            "body": "SCSJY",
            "kind": "supervision",
            "held_on": TODAY,
            "finding": "抽查检测原始记录，符合规范",
            **extra,
        },
    )


def test_r8_2_a_record_cites_the_delegation_it_supervises_and_replays(
    county: County, tmp_path: Path
) -> None:
    """R8.2: the delegating department's supervision and evaluation each cite the check
    that delegated testing to the body; the register shows each delegated check with its
    evaluations, and the records replay byte for byte."""
    from ledger.bootstrap import registry, route_table
    from ledger.replay import replay
    from ledger.transparency.database import iter_chain

    obj = objects(county)[0]
    county.run("SCJGJ", "body.register", **body())
    delegated_check(county, obj)
    oversee(county, delegation=delegation(obj))
    oversee(county, kind="evaluation", rating="adequate", delegation=delegation(obj))
    oversee(county, kind="guidance", finding="检测方法业务指导")  # general guidance
    store = Store(tmp_path / "projections.sqlite3")
    update(county.world.ledger, store)
    [found] = bodies.bodies(store.db)
    cited = [r["delegation"] for r in found["records"]]
    assert cited[:2] == [{**delegation(obj), "service": "testing"}] * 2 and cited[2] is None
    [check] = found["delegated_checks"]
    assert check["department"] == "SCJGJ" and check["evaluated_on"] == [TODAY]
    assert replay(list(iter_chain(county.world.ledger)), registry(), route_table())


@pytest.mark.parametrize(
    ("who", "cited", "why"),
    [
        # no check of this object was delegated
        ("SCJGJ", {"object": "91512021MA0000000X"}, "no check of SCJGJ:SC-001"),
        # the check exists, for another item
        ("SCJGJ", {"item": "SCJGJ:SC-002"}, "no check of SCJGJ:SC-002"),
        # another basis
        ("SCJGJ", {"reference": "TS-2"}, "no check of SCJGJ:SC-001"),
        # the tax bureau cites the market bureau's delegation
        ("SWJ", {}, "that delegation is SCJGJ's"),
    ],
)
def test_r8_2_a_record_citing_another_departments_or_no_delegation_is_refused(
    county: County, who: str, cited: dict[str, str], why: str
) -> None:
    obj = objects(county)[0]
    county.run("SCJGJ", "body.register", **body())
    delegated_check(county, obj)
    size = county.world.ledger.head().position
    with pytest.raises(RuleViolationError) as caught:
        oversee(county, who, delegation=delegation(obj, **cited))
    assert caught.value.rule == "R8.2" and why in str(caught.value)
    assert render(caught.value.message, "zh") != str(caught.value.message)  # its Chinese
    assert county.world.ledger.head().position == size


def test_r8_2_a_body_the_check_was_not_delegated_to_is_refused(county: County) -> None:
    """The check delegated testing to SCSJY: a record of another registered body cannot
    cite it (nothing was delegated there)."""
    obj = objects(county)[0]
    county.run("SCJGJ", "body.register", **body())
    county.run("SCJGJ", "body.register", **body(body="ZYJC", name="资阳市检验检测中心"))
    delegated_check(county, obj)
    with pytest.raises(RuleViolationError) as caught:
        oversee(county, body="ZYJC", delegation=delegation(obj))
    assert caught.value.rule == "R8.2" and "资阳市检验检测中心" in str(caught.value)
    assert "委托给" in render(caught.value.message, "zh")


def test_r8_2_a_record_before_the_delegated_check_and_bad_citations_are_refused(
    county: County,
) -> None:
    obj = objects(county)[0]
    county.run("SCJGJ", "body.register", **body())
    delegated_check(county, obj)
    earlier = (china_today() - dt.timedelta(days=3)).isoformat()
    with pytest.raises(RuleViolationError) as caught:
        oversee(county, held_on=earlier, delegation=delegation(obj))
    assert caught.value.rule == "R8.2" and earlier in str(caught.value)
    for bad, field in (
        ({"basis": "lottery"}, "delegation.basis"),
        ({"item": "SC-001"}, "delegation.item"),
        ({"object": ""}, "delegation.object"),
    ):
        with pytest.raises(ValidationError) as invalid:
            oversee(county, delegation=delegation(obj, **bad))
        assert field in invalid.value.errors, invalid.value.errors


def test_r8_2_from_format_5_a_supervision_or_evaluation_must_cite_its_delegation(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Format 5: a supervision or an evaluation without the delegation it is of is
    refused; general guidance needs none. (A format-4 ledger keeps taking it.)"""
    monkeypatch.setattr(formats, "CURRENT", max(formats.CURRENT, 5))
    world = start_world(sqlite_settings)
    try:
        county = _county(world, tmp_path)
        county.run("SCJGJ", "body.register", **body())
        for kind, rating in (("supervision", None), ("evaluation", "good")):
            with pytest.raises(RuleViolationError) as caught:
                oversee(county, kind=kind, **({"rating": rating} if rating else {}))
            assert caught.value.rule == "R8.2" and "cites the delegation" in str(caught.value)
        oversee(county, kind="guidance")
    finally:
        world.ledger.close()


def test_r8_2_a_format_4_ledger_still_takes_an_uncited_supervision(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "CURRENT", 4)
    world = start_world(sqlite_settings)
    try:
        county = _county(world, tmp_path)
        county.run("SCJGJ", "body.register", **body())
        oversee(county)
    finally:
        world.ledger.close()


def test_r8_1_a_format_1_ledger_still_takes_a_named_body(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "CURRENT", 1)
    world = start_world(sqlite_settings)
    try:
        county = _county(world, tmp_path)
        delegated_check(county, objects(county)[0], body="四川省食品检验研究院")
    finally:
        world.ledger.close()


# --- R4.2: three categories, and the fields the source lists --------------------------------


def test_r4_2_daily_supervision_staff_are_a_category_of_their_own(county: County) -> None:
    daily = inspector(
        "D1",
        "SCJGJ",
        kind="daily",
        certificate=None,
        certificate_from=None,
        certificate_until=None,
        qualifications=[],
        expertise=["日常巡查"],
    )
    proposed = county.rows("SCJGJ", "inspectors.propose", [daily], action="enrol")
    assert "D1" in proposed.result["proposals"]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (inspector("X1", "SCJGJ", position=None), "position (职务) is required"),
        (inspector("X1", "SCJGJ", expertise=[]), "expertise (业务专长) is required"),
        (inspector("X1", "SCJGJ", kind="expert", expertise=[]), "expertise (业务专长)"),
        (inspector("X1", "SCJGJ", kind="daily", expertise=[]), "expertise (业务专长)"),
        (inspector("X1", "SCJGJ", kind="janitor"), "kind must be officer, daily or expert"),
    ],
)
def test_r4_2_position_and_expertise_are_required_where_the_source_lists_them(
    county: County, row: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        county.rows("SCJGJ", "inspectors.propose", [row], action="enrol")
    assert any(problem in p for ps in caught.value.errors.values() for p in ps), caught.value.errors


# --- R9.1: both publication channels for market entities, or a recorded reason ---------------


def _entered(county: County) -> str:
    obj = objects(county)[0]
    county.run(
        "S1",
        "inspection.record",
        basis=CASE,
        object=obj,
        item="SCJGJ:SC-001",
        method="on_site",
        inspectors=["S1", "S2"],
        checked_on=TODAY,
    )
    county.run(
        "S1",
        "result.enter",
        basis=CASE,
        object=obj,
        item="SCJGJ:SC-001",
        result="no_problem",
        formed_on=TODAY,
    )
    return obj


def test_r9_1_a_market_entity_is_published_on_both_channels_or_with_a_reason(
    county: County,
) -> None:
    obj = _entered(county)
    publish = {"basis": CASE, "object": obj, "item": "SCJGJ:SC-001", "published_on": TODAY}
    size = county.world.ledger.head().position
    with pytest.raises(RuleViolationError) as caught:
        county.run("SCJGJ", "result.publish", channels=["credit_sharing_platform"], **publish)
    assert caught.value.rule == "R9.1" and "国家企业信用信息公示系统" in caught.value.message
    assert county.world.ledger.head().position == size
    county.run(
        "SCJGJ",
        "result.publish",
        channels=["credit_sharing_platform"],
        channel_reason="公示系统维护，次日补录",
        **publish,
    )


def test_r9_1_both_channels_by_default(county: County) -> None:
    obj = _entered(county)
    county.run(
        "SCJGJ", "result.publish", basis=CASE, object=obj, item="SCJGJ:SC-001", published_on=TODAY
    )


# --- R4.1: the code's structure at import -----------------------------------------------------


def _sound(first16: str) -> str:
    from ledger.areas.directory.uscc import make_uscc, organisation_check

    return make_uscc(first16 + organisation_check(first16[8:16]))


INDIVIDUAL_CODE = _sound("92512021MA000001")  # a 个体工商户's code


def _sheet(tmp_path: Path, code: str, kind: str = "企业") -> Path:
    sheet = tmp_path / "objects.csv"
    sheet.write_text(
        "统一社会信用代码或编号,名称,类型,乡镇,监管部门,信用风险分类\n"
        f"{code},岳阳镇某某经营部,{kind},岳阳镇,SCJGJ,B\n",
        encoding="utf-8",
    )
    return sheet


def test_r4_1_a_92_code_filed_as_an_enterprise_must_be_confirmed(
    world: World, tmp_path: Path
) -> None:
    county = build_county(world)
    sheet = _sheet(tmp_path, INDIVIDUAL_CODE)
    size = county.world.ledger.head().position
    with pytest.raises(ValidationError) as caught:
        import_objects(sheet, "SCJGJ", county.submitter("SCJGJ"))
    assert caught.value.rule == "R4.1" and "--confirm-warnings" in caught.value.message
    assert "individual (个体工商户)" in caught.value.errors["row 1"][0]
    assert county.world.ledger.head().position == size  # nothing written
    done = import_objects(sheet, "SCJGJ", county.submitter("SCJGJ"), confirm_warnings=True)
    from ledger.ids import object_import_id

    assert county.world.ledger.get(object_import_id(done["import_id"])).confirm_warnings is True


def _direct_import(county: County, row: dict[str, Any], **begin: Any) -> None:
    """A client that skips the file check: begin and one batch, sent as they are."""
    county.run(
        "SCJGJ",
        "directory.import.begin",
        import_id="direct-0001",
        source="direct.csv",
        file_sha256="0" * 64,
        rows=1,
        batches=1,
        format="csv",
        **begin,
    )
    county.rows("SCJGJ", "directory.import.batch", [row], import_id="direct-0001", seq=1)


def _row(code: str, kind: str = "enterprise") -> dict[str, Any]:
    return {
        "id": code,
        "name": "某某经营部",
        "kind": kind,
        "region": "岳阳镇",
        "industry": None,
        "scope": None,
        "supervisors": ["SCJGJ"],
        "credit_class": "B",
        "penalties": [],
        "complaints": 0,
        "status": "active",
    }


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("000000000000000000", "all zeros"),
        (_sound("91992021MA000001"), "no province"),
        (INDIVIDUAL_CODE, "confirm it (--confirm-warnings)"),
    ],
)
def test_r4_1_the_ledger_checks_the_structure_itself(world: World, code: str, problem: str) -> None:
    """A client that skips the file check meets the same rules at the ledger (format 2)."""
    county = build_county(world)
    with pytest.raises(ValidationError) as caught:
        _direct_import(county, _row(code))
    assert caught.value.rule == "R4.1"
    assert any(problem in p for ps in caught.value.errors.values() for p in ps)


def test_r4_1_a_confirmed_import_takes_the_warned_row_but_never_an_error(world: World) -> None:
    county = build_county(world)
    _direct_import(county, _row(INDIVIDUAL_CODE), confirm_warnings=True)
    county.run("SCJGJ", "directory.import.complete", import_id="direct-0001")


def test_r4_1_a_format_1_ledger_keeps_its_old_import_rules(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "CURRENT", 1)
    world = start_world(sqlite_settings)
    try:
        county = build_county(world)
        _direct_import(county, _row(INDIVIDUAL_CODE))
    finally:
        world.ledger.close()


def test_r8_2_the_board_shows_a_finished_tasks_delegation_until_it_is_evaluated(
    world: World, tmp_path: Path
) -> None:
    """R8.2 on the deadline board: once the drawn task's planned end (2026-12-20) has
    passed, a check that delegated testing to a body and has no evaluation is shown
    (``evaluation``, no time limit the source sets); evaluated, it is done. A supervision
    alone does not close it; before the end nothing is shown."""
    from projections.read import deadlines
    from tests.support.draws import ceremony
    from tests.support.joint import BASIS, check, joint_county, visit

    county = joint_county(world, tmp_path)
    ceremony(county)
    county.run("SCJGJ", "body.register", **body())
    obj, team = visit(county)
    officer = next(p for p in team if p.startswith("S"))
    check(
        county,
        officer,
        obj,
        "SCJGJ:SC-001",
        [officer],
        delegated={"kind": "testing", "body": "SCSJY", "conclusion_sha256": CONCLUSION},
    )
    cited = {
        "basis": "draw",
        "reference": f"{BASIS['task']}/1",
        "object": obj,
        "item": "SCJGJ:SC-001",
    }
    store = Store(tmp_path / "projections.sqlite3")

    def owed(day: str) -> list[deadlines.Deadline]:
        update(county.world.ledger, store)
        return deadlines.deadlines(store.db, dt.date.fromisoformat(day), kind="evaluation")

    assert owed("2026-12-20") == []  # the task has not ended
    oversee(county, delegation=cited)  # a supervision is not the evaluation
    [shown] = owed("2026-12-21")
    assert (shown.department, shown.status, shown.done) == ("SCJGJ", "no deadline", None)
    assert obj in shown.subject and "四川省食品检验研究院" in (shown.about or "")
    assert "检验检测" in (shown.about or "")
    assert (
        deadlines.deadlines(store.db, dt.date(2026, 12, 21), department="SWJ", kind="evaluation")
        == []
    )
    oversee(county, kind="evaluation", rating="good", delegation=cited)
    [done] = owed("2026-12-21")
    assert (done.status, done.done) == ("done", TODAY)
