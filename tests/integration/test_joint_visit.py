"""进一次门、查多项事: a joint visit's obligations, on both backends (R6.1, R7.2, R9.1).

The test county's joint task has a participant (SWJ, with its item SW-001 and its two
officers); every third object is supervised by both departments, so some drawn
enterprises are visited by both: each department checks its own item, and only those
present at an item's check enter its result.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from api import create_app
from ledger.draw.algorithm import MATCHING_V2
from ledger.draw.world import SNAPSHOT_TOPICS, fold
from ledger.errors import ConflictError, PermissionDeniedError, RuleViolationError, ValidationError
from ledger.i18n import render
from ledger.ids import draw_id, inspection_id
from ledger.keys import write_key_file
from projections.read import deadlines
from projections.read import inspections as read_inspections
from projections.review import review
from projections.runner import update
from projections.store import Store
from tests.support.api import Api
from tests.support.county import County, key_for
from tests.support.draws import TASK, ceremony, verify
from tests.support.joint import (
    BASIS,
    CASE_BASIS,
    check,
    enter,
    joint_county,
    today,
    visit,
)
from tests.support.world import World
from tests.vectors.testkeys import fixed_key


@pytest.fixture
def joint(world: World, tmp_path: Path) -> County:
    """The joint county, drawn."""
    county = joint_county(world, tmp_path)
    ceremony(county)
    return county


def test_a_draw_is_no_basis_for_an_item_outside_the_task(joint: County, tmp_path: Path) -> None:
    """R7.2 (format 2): the task fixes the items its drawn objects are checked for; an
    inspection citing the draw for another item (SC-002, on SCJGJ's list but not the
    task's) is refused, and nothing is written. The review says so of such a record."""
    obj, team = visit(joint)
    officer = next(p for p in team if p.startswith("S"))
    size = joint.ledger.head().position
    with pytest.raises(RuleViolationError, match="is not an item of task") as refused:
        check(joint, officer, obj, "SCJGJ:SC-002", [officer])
    assert refused.value.rule == "R7.2"
    assert "不是任务" in render(refused.value, "zh")
    assert "is not an item of task" in str(refused.value)
    assert joint.ledger.head().position == size
    # Both departments' task items are accepted on the same visit.
    check(joint, officer, obj, "SCJGJ:SC-001", [officer])
    tax = [p for p in team if p.startswith("T")]
    check(joint, tax[0], obj, "SWJ:SW-001", tax)
    store = Store(tmp_path / "projections.sqlite3")
    update(joint.ledger, store)
    # A record no format-2 command can make (an item outside the task, as a format-1
    # ledger could hold): the review's basis rule fails it (R7.2, R1.1).
    store.db.execute(
        "UPDATE inspections SET item = 'SCJGJ:SC-002' WHERE object = ? AND item = ?",
        (obj, "SCJGJ:SC-001"),
    )
    result = review(store.db, "object", obj, dt.date.fromisoformat(today()))
    basis = {i.item: f for i in result.inspections for f in i.findings if f.rule == "basis"}
    assert basis["SCJGJ:SC-002"].status == "fail"
    assert "not an item of task" in basis["SCJGJ:SC-002"].detail
    assert basis["SWJ:SW-001"].status == "pass"


def test_only_an_inspector_present_at_that_items_check_enters_its_result(
    joint: County, tmp_path: Path
) -> None:
    """谁检查、谁录入 per item (R9.1, format 2): on a joint visit each department checks
    its own item; a team member of the other department, who was not at that item's
    check, may not enter its result -- refused with nothing written -- while one who
    was present may."""
    obj, team = visit(joint)
    market = [p for p in team if p.startswith("S")]
    tax = [p for p in team if p.startswith("T")]
    check(joint, market[0], obj, "SCJGJ:SC-001", market)
    check(joint, tax[0], obj, "SWJ:SW-001", tax)
    size = joint.ledger.head().position
    with pytest.raises(PermissionDeniedError, match="was not present") as refused:
        enter(joint, market[0], obj, "SWJ:SW-001")
    assert refused.value.rule == "R9.1"
    assert f"{market[0]} was not present at the check of SWJ:SW-001" in str(refused.value)
    with pytest.raises(PermissionDeniedError, match="was not present") as absent:
        enter(joint, tax[0], obj, "SCJGJ:SC-001")
    assert "未参加" in render(absent.value, "zh") and "谁检查、谁录入" in render(absent.value, "zh")
    assert joint.ledger.head().position == size
    enter(joint, tax[0], obj, "SWJ:SW-001")
    enter(joint, market[0], obj, "SCJGJ:SC-001")
    store = Store(tmp_path / "projections.sqlite3")
    update(joint.ledger, store)
    day = dt.date.fromisoformat(today())
    entered = {
        i.item: f
        for i in review(store.db, "object", obj, day).inspections
        for f in i.findings
        if f.rule == "entered"
    }
    assert entered["SWJ:SW-001"].status == "pass" and entered["SCJGJ:SC-001"].status == "pass"
    # One inspection stream holds both departments' checks: each check is reviewed as
    # its own item's department's (the list it was on, the party it concerns), and a
    # department's review holds its own items' checks.
    reviewed = review(store.db, "object", obj, day).inspections
    assert {i.item: i.department for i in reviewed} == {
        "SCJGJ:SC-001": "SCJGJ",
        "SWJ:SW-001": "SWJ",
    }
    listed = {i.item: f for i in reviewed for f in i.findings if f.rule == "listed"}
    assert listed["SWJ:SW-001"].parties == ["SWJ"] and listed["SWJ:SW-001"].status == "pass"
    own = review(store.db, "department", "SWJ", day).inspections
    assert {(i.object, i.item) for i in own} == {(obj, "SWJ:SW-001")}
    # A record no format-2 command can make (as a format-1 ledger could hold): the
    # review fails a result entered by a team member absent from that item's check.
    store.db.execute(
        "UPDATE results SET entered_by = ? WHERE object = ? AND item = 'SWJ:SW-001'",
        (market[0], obj),
    )
    entered = {
        i.item: f
        for i in review(store.db, "object", obj, day).inspections
        for f in i.findings
        if f.rule == "entered"
    }
    finding = entered["SWJ:SW-001"]
    assert finding.status == "fail" and "not present at this item's check" in finding.detail
    assert finding.parties == [market[0]]


def test_the_draw_gives_each_object_its_checklist_and_sends_only_its_departments(
    joint: County,
) -> None:
    """R6.1, R6.6, R7.3 (format 2: matching v2, named by the commitment): every drawn
    object carries its checklist -- the task's items of the departments supervising it
    -- and only those departments' officers are sent to it; verify-draw recomputes it,
    and a checklist changed in the record is caught."""
    drawn = joint.ledger.find(draw_id(TASK, 1))
    assert json.loads(drawn.commitment)["matching_rules"] == MATCHING_V2
    supervisors = fold(joint.ledger.topic_events(SNAPSHOT_TOPICS)).directory.objects
    joint_visits = 0
    for assignment in drawn.performed["assignments"]:
        by = supervisors[assignment["object"]][3]
        expected = ["SCJGJ:SC-001"] + (["SWJ:SW-001"] if "SWJ" in by else [])
        assert assignment["checklist"] == expected
        sent = {"SCJGJ" if p.startswith("S") else "SWJ" for p in assignment["team"]}
        assert sent == {d for d in ("SCJGJ", "SWJ") if d in by}
        joint_visits += "SWJ" in by
    assert 0 < joint_visits < len(drawn.performed["assignments"])
    found, facts = verify(joint)
    assert found is None and facts["performed"] is True
    events = list(joint.ledger.topic_events(SNAPSHOT_TOPICS))
    for n, (position, stream, topic, state) in enumerate(events):
        if topic == "shuangsui.draw.performed":
            tampered = json.loads(json.dumps(state))
            tampered["assignments"][0]["checklist"] = ["SCJGJ:SC-001", "SWJ:SW-001"][::-1]
            events[n] = (position, stream, topic, tampered)
    found, _ = verify(joint, events=events)
    assert found is not None and "checklist" in found


# --- slice 2: the checklist's obligations ----------------------------------------------------


def joint_visits(county: County) -> list[dict[str, Any]]:
    """The drawn objects whose checklist holds both departments' items."""
    performed = county.ledger.find(draw_id(TASK, 1)).performed
    return [a for a in performed["assignments"] if len(a["checklist"]) == 2]


def projected(county: County, tmp_path: Path) -> Store:
    store = Store(tmp_path / "projections.sqlite3")
    update(county.ledger, store)
    return store


def test_an_item_off_the_objects_checklist_is_refused(joint: County) -> None:
    """R6.6, R4.1 (format 2): SWJ's item is on the task, but an object only SCJGJ
    supervises does not carry it; a check of it there is refused, nothing written."""
    performed = joint.ledger.find(draw_id(TASK, 1)).performed
    market_only = next(a for a in performed["assignments"] if a["checklist"] == ["SCJGJ:SC-001"])
    size = joint.ledger.head().position
    with pytest.raises(RuleViolationError, match="is not on the checklist") as refused:
        check(joint, "T1", market_only["object"], "SWJ:SW-001", ["T1"])
    assert refused.value.rule == "R6.6"
    assert "不在" in render(refused.value, "zh")
    assert "is not on the checklist" in str(refused.value)
    assert joint.ledger.head().position == size


def test_every_checklist_item_is_due_until_checked_or_excused(
    joint: County, tmp_path: Path
) -> None:
    """R6.1 (the demo's bug: a health item checked on none of 113 objects, and nothing
    due): each drawn object's checklist items are obligations of their departments, on
    the deadline board by the task's planned end with object, item and department
    names; checked or excused (with the department's reason) they are done; still open
    after the end they are overdue, and the duty review records the defect of the
    department and its inspectors sent there."""
    first, second = joint_visits(joint)[:2]
    market = [p for p in first["team"] if p.startswith("S")]
    tax = [p for p in first["team"] if p.startswith("T")]
    check(joint, market[0], first["object"], "SCJGJ:SC-001", market)
    # SWJ leaves its item on the first joint visit unchecked; it excuses the second.
    excuse = {
        "basis": BASIS,
        "object": second["object"],
        "item": "SWJ:SW-001",
        "reason": "该企业已办理清税注销，无发票领用",
        "excused_on": today(),
    }
    joint.run("SWJ", "inspection.excuse", **excuse)
    store = projected(joint, tmp_path)
    during = dt.date(2026, 12, 10)  # the task runs 2026-12-01 .. 2026-12-20
    after = dt.date(2026, 12, 21)
    board = {d.subject: d for d in deadlines.deadlines(store.db, after, kind="obligation")}
    owed = len([i for a in joint.ledger.find(draw_id(TASK, 1)).performed["assignments"]
                for i in a["checklist"]])  # fmt: skip
    assert len(board) == owed
    open_item = board[f"{TASK}/1|{first['object']}|SWJ:SW-001"]
    assert (open_item.status, open_item.due, open_item.department) == (
        "overdue",
        "2026-12-20",
        "SWJ",
    )
    name = store.db.execute("SELECT name FROM objects WHERE id = ?", [first["object"]]).fetchone()
    assert name[0] in open_item.about and "事项 SW-001" in open_item.about
    assert "国家税务总局安岳县税务局" in open_item.about
    checked = board[f"{TASK}/1|{first['object']}|SCJGJ:SC-001"]
    assert checked.status == "met" and checked.done == today()
    excused = board[f"{TASK}/1|{second['object']}|SWJ:SW-001"]
    assert excused.status == "met" and "清税注销" in (excused.about or "")
    assert {d.status for d in deadlines.deadlines(store.db, during, kind="obligation")} <= {
        "due",
        "met",
    }
    overdue = deadlines.deadlines(store.db, after, department="SWJ", status="overdue")
    assert f"{TASK}/1|{first['object']}|SWJ:SW-001" in {d.subject for d in overdue}
    # The checklist listing (read, CLI and API use it).
    listed = read_inspections.checklist(store.db, TASK, 1, first["object"], after)
    by_item = {i["item"]: i for i in listed["items"]}
    assert [i["item"] for i in listed["items"]] == ["SCJGJ:SC-001", "SWJ:SW-001"]
    assert by_item["SWJ:SW-001"]["status"] == "overdue" and by_item["SWJ:SW-001"]["sent"] == tax
    assert by_item["SWJ:SW-001"]["department_name"] == "国家税务总局安岳县税务局"
    assert by_item["SCJGJ:SC-001"]["status"] == "checked"
    # The duty review: the overdue item is a defect of SWJ and its officers sent there.
    result = review(store.db, "object", first["object"], after)
    visited = {o.item: o.findings[0] for o in result.obligations}
    assert visited["SWJ:SW-001"].status == "fail" and visited["SWJ:SW-001"].r == "R6.1"
    assert visited["SCJGJ:SC-001"].status == "pass"
    verdict = {v.party: v for v in result.verdicts}
    assert verdict["SWJ"].verdict == "defect"
    assert any(d["rule"] == "visited" for d in verdict["SWJ"].defects)
    assert all(verdict[p].verdict == "defect" for p in tax)
    assert "visited" in {f["rule"] for o in result.as_dict()["obligations"] for f in o["findings"]}
    excused_review = review(store.db, "object", second["object"], after)
    assert {o.item: o.status for o in excused_review.obligations}["SWJ:SW-001"] == "excused"
    department = review(store.db, "department", "SWJ", after)
    assert f"{first['object']}" in {
        o.object for o in department.obligations if o.status == "overdue"
    }


def test_an_excuse_is_its_departments_for_an_open_item_on_the_checklist(joint: County) -> None:
    """R6.1: only the item's own department excuses it, with a reason; an item off the
    checklist, an item already checked or already excused, and a basis that is not a
    draw are refused -- each with nothing written."""
    first = joint_visits(joint)[0]
    market = [p for p in first["team"] if p.startswith("S")]
    check(joint, market[0], first["object"], "SCJGJ:SC-001", market)
    performed = joint.ledger.find(draw_id(TASK, 1)).performed
    market_only = next(a for a in performed["assignments"] if a["checklist"] == ["SCJGJ:SC-001"])
    base = {"basis": BASIS, "reason": "停业", "excused_on": today()}
    size = joint.ledger.head().position
    refusals = [
        ("SCJGJ", {"object": first["object"], "item": "SWJ:SW-001"}, PermissionDeniedError),
        ("SWJ", {"object": market_only["object"], "item": "SWJ:SW-001"}, RuleViolationError),
        ("SCJGJ", {"object": first["object"], "item": "SCJGJ:SC-001"}, ConflictError),
        (
            "SWJ",
            {"object": first["object"], "item": "SWJ:SW-001", "basis": CASE_BASIS},
            ValidationError,
        ),
    ]
    for who, fields, error in refusals:
        with pytest.raises(error):
            joint.run(who, "inspection.excuse", **{**base, **fields})
    with pytest.raises(ValidationError):
        joint.run("SWJ", "inspection.excuse", **{**base, "object": first["object"],
                                                 "item": "SWJ:SW-001", "reason": ""})  # fmt: skip
    assert joint.ledger.head().position == size
    joint.run(
        "SWJ", "inspection.excuse", **{**base, "object": first["object"], "item": "SWJ:SW-001"}
    )
    with pytest.raises(ConflictError, match="already excused"):
        joint.run(
            "SWJ", "inspection.excuse", **{**base, "object": first["object"], "item": "SWJ:SW-001"}
        )


def test_a_withdrawn_excuse_makes_the_item_due_again(joint: County, tmp_path: Path) -> None:
    """R6.1: the department that excused an item withdraws the excuse with its signed
    reason; the obligation is due again (overdue after the task's planned end), the
    excuse stays in the inspection's history, and the item can be checked or excused
    anew. Refused, with nothing written: another department's withdrawal, an item not
    excused, a basis that is not a draw, a day before the excuse, an empty reason."""
    first = joint_visits(joint)[0]
    tax = [p for p in first["team"] if p.startswith("T")]
    item = {"basis": BASIS, "object": first["object"], "item": "SWJ:SW-001"}
    withdrawal = {**item, "reason": "复核发现仍有发票领用", "withdrawn_on": today()}
    size = joint.ledger.head().position
    with pytest.raises(ConflictError, match="not excused") as refused:
        joint.run("SWJ", "inspection.withdraw_excuse", **withdrawal)
    assert refused.value.rule == "R6.1"
    joint.run("SWJ", "inspection.excuse", **item, reason="已清税注销", excused_on=today())
    excused_at = joint.ledger.head().position
    earlier = (dt.date.fromisoformat(today()) - dt.timedelta(days=1)).isoformat()
    refusals = [
        ("SCJGJ", withdrawal, PermissionDeniedError),
        ("SWJ", {**withdrawal, "basis": CASE_BASIS}, ValidationError),
        ("SWJ", {**withdrawal, "withdrawn_on": earlier}, RuleViolationError),
        ("SWJ", {**withdrawal, "reason": ""}, ValidationError),
        ("SWJ", {**withdrawal, "item": "SCJGJ:SC-001"}, PermissionDeniedError),
    ]
    for who, fields, error in refusals:
        with pytest.raises(error):
            joint.run(who, "inspection.withdraw_excuse", **fields)
    assert joint.ledger.head().position == excused_at > size
    store = projected(joint, tmp_path)
    after = dt.date(2026, 12, 21)  # after the task's planned end (2026-12-20)
    subject = f"{TASK}/1|{first['object']}|SWJ:SW-001"

    def status() -> str:
        update(joint.ledger, store)
        board = {d.subject: d for d in deadlines.deadlines(store.db, after, kind="obligation")}
        return board[subject].status

    assert status() == "met"
    recorded = joint.run("SWJ", "inspection.withdraw_excuse", **withdrawal)
    assert recorded.result == {
        "object": first["object"],
        "item": "SWJ:SW-001",
        "withdrawn_on": today(),
    }
    assert status() == "overdue"
    listed = read_inspections.checklist(store.db, TASK, 1, first["object"], after)
    mine = next(i for i in listed["items"] if i["item"] == "SWJ:SW-001")
    assert mine["status"] == "overdue" and mine["excused_on"] is None and not mine["reason"]
    verdicts = {
        o.item: o.status for o in review(store.db, "object", first["object"], after).obligations
    }
    assert verdicts["SWJ:SW-001"] == "overdue"
    inspection = joint.ledger.find(inspection_id("draw", f"{TASK}/1", first["object"]))
    history = inspection.as_dict()
    assert history["excused"] == {}
    (kept,) = history["withdrawn_excuses"]
    assert kept["reason"] == "已清税注销" and kept["withdrawal"] == "复核发现仍有发票领用"
    with pytest.raises(ConflictError, match="not excused"):
        joint.run("SWJ", "inspection.withdraw_excuse", **withdrawal)
    # Due again: it can be checked now (or excused anew).
    check(joint, tax[0], first["object"], "SWJ:SW-001", tax)
    assert status() == "met"
    trail = {
        r[0]
        for r in store.db.execute(
            "SELECT position FROM trail WHERE kind = 'department' AND subject = 'SWJ'"
        )
    }
    assert recorded.last_position in trail
    store.close()


def test_the_checklist_and_the_excuse_over_the_api(joint: County) -> None:
    """R6.1 through the API: the checklist read (any registered key), the signed excuse
    (the item's department), the board's obligation with names; an object not drawn is
    a 404 problem in both languages."""
    settings = joint.world.settings
    settings.keys_dir.mkdir(parents=True, exist_ok=True)
    write_key_file(settings.ledger_key_path, fixed_key("ledger"))
    config: dict[str, Any] = {"SHUANGSUI_HOME": str(settings.home), "TESTING": True}
    if settings.database_url:
        config["SHUANGSUI_DATABASE_URL"] = settings.database_url
    app = create_app(config)
    api = Api(app, app.test_client(), joint)
    try:
        first = joint_visits(joint)[0]
        path = f"/api/v1/tasks/{TASK}/draws/1/objects/{first['object']}/checklist"
        listed = api.get("SWJ", path, today="2026-12-21")
        assert listed.status_code == 200, listed.json
        assert [(i["item"], i["status"]) for i in listed.json["items"]] == [
            ("SCJGJ:SC-001", "overdue"),
            ("SWJ:SW-001", "overdue"),
        ]
        assert listed.json["items"][1]["department_name"] == "国家税务总局安岳县税务局"
        excused = api.command(
            "SWJ",
            "inspection.excuse",
            basis=BASIS,
            object=first["object"],
            item="SWJ:SW-001",
            reason="已清税注销",
            excused_on=today(),
        )
        assert excused.status_code == 201, excused.json
        board = api.get("SWJ", "/api/v1/deadlines", kind="obligation", today="2026-12-21")
        assert board.status_code == 200, board.json
        mine = next(d for d in board.json if d["subject"].endswith(f"{first['object']}|SWJ:SW-001"))
        assert mine["status"] == "met" and "已清税注销" in mine["about"]
        # The duty review over the API (oversight): the visit's obligations, named, with
        # the visited rule's finding; the tax bureau's excused item passes.
        auditor = key_for("auditor")
        joint.run(
            "office",
            "key.register",
            public_key=auditor.public.public_b64,
            holder="县审计局",
            roles=["auditor"],
        )
        joint.keys["auditor"] = auditor
        reviewed = api.get(
            "auditor", f"/api/v1/reviews/object/{first['object']}", today="2026-12-21"
        )
        assert reviewed.status_code == 200, reviewed.json
        owed = {o["item"]: o for o in reviewed.json["obligations"]}
        assert owed["SWJ:SW-001"]["status"] == "excused"
        assert owed["SWJ:SW-001"]["findings"][0]["r"] == "R6.1"
        assert owed["SCJGJ:SC-001"]["status"] == "overdue"
        assert owed["SCJGJ:SC-001"]["department_name"] == "安岳县市场监督管理局"
        assert owed["SCJGJ:SC-001"]["findings"][0]["status"] == "fail"
        missing = api.get("SWJ", f"/api/v1/tasks/{TASK}/draws/1/objects/NOPE/checklist")
        assert missing.status_code == 404
        assert "was not drawn" in missing.json["detail"]
    finally:
        app.extensions["shuangsui"].close()
