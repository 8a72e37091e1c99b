"""进一次门、查多项事: a joint visit's obligations, on both backends (R6.1, R7.2, R9.1).

The test county's joint task has a participant (SWJ, with its item SW-001 and its two
officers); every third object is supervised by both departments, so some drawn
enterprises are visited by both: each department checks its own item, and only those
present at an item's check enter its result.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.areas.directory.importer import import_objects
from ledger.draw.algorithm import MATCHING_V2
from ledger.draw.world import SNAPSHOT_TOPICS, fold
from ledger.errors import PermissionDeniedError, RuleViolationError
from ledger.ids import draw_id
from projections.review import review
from projections.runner import update
from projections.store import Store
from tests.support.county import County, add_people, build_county, key_for
from tests.support.draws import TASK, ceremony, verify, witness
from tests.support.world import World
from tools.fakecounty import write_generated_objects

BASIS = {"kind": "draw", "task": TASK, "draw": 1}


def today() -> str:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()


def add_tax_officers(county: County) -> None:
    """Keys for SWJ's officers T1 and T2."""
    with county.dated():
        for person in ("T1", "T2"):
            key = key_for(f"inspector {person}")
            county.run(
                "office",
                "key.register",
                public_key=key.public.public_b64,
                holder=f"检查员{person}",
                roles=["inspector"],
                organisation="SWJ",
                person=person,
            )
            county.keys[person] = key


def joint_objects(path: Path) -> None:
    """600 generated SCJGJ objects, every third one supervised by SWJ too."""
    write_generated_objects(path, 600, departments=("SCJGJ",), seed=7)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    at = header.index("supervisors")
    out = [lines[0]]
    for n, line in enumerate(lines[1:]):
        row = next(csv.reader([line]))
        if n % 3 == 0:
            row[at] = "SCJGJ;SWJ"
        buffer = io.StringIO()
        csv.writer(buffer).writerow(row)
        out.append(buffer.getvalue())
    path.write_text("".join(out), encoding="utf-8")


def joint_county(world: World, tmp_path: Path) -> County:
    """The test county with the joint task: SCJGJ's SC-001 (S1-S3) and SWJ's SW-001 (T1,
    T2), over 600 objects of which every third is supervised by both; not yet drawn."""
    county = build_county(world)
    add_people(county)
    add_tax_officers(county)
    with county.dated():
        source = tmp_path / "objects.csv"
        joint_objects(source)
        import_objects(source, "SCJGJ", county.submitter("SCJGJ"))
        county.run(
            "SCJGJ",
            "task.create",
            task=TASK,
            name="市场监管和税务联合抽查",
            year=2026,
            items=["SC-001"],
            inspectors=["S1", "S2", "S3"],
            matching="dispersed",
            team_size=2,
            planned_start="2026-12-01",
            planned_end="2026-12-20",
            ratios={"A": "0.02", "B": "0.04", "C": "0.06", "D": "0.08"},
            directed={"ratio": "0.1", "penalty_years": 3, "min_complaints": 2},
            scope={"kinds": ["enterprise"], "regions": [], "industries": []},
        )
        county.run("SWJ", "task.join", task=TASK, items=["SW-001"], inspectors=["T1", "T2"])
        for name in ("jiwei", "notary"):
            witness(county, name)
    return county


@pytest.fixture
def joint(world: World, tmp_path: Path) -> County:
    """The joint county, drawn."""
    county = joint_county(world, tmp_path)
    ceremony(county)
    return county


def visit(county: County) -> tuple[str, list[str]]:
    """The first drawn object with a team of both departments, and that team."""
    performed = county.world.ledger.find(draw_id(TASK, 1)).performed
    for assignment in performed["assignments"]:
        team = list(assignment["team"])
        if any(p.startswith("S") for p in team) and any(p.startswith("T") for p in team):
            return assignment["object"], team
    raise AssertionError("no object with a team of both departments")


def check(county: County, who: str, obj: str, item: str, people: list[str], **extra: Any) -> Any:
    return county.run(
        who,
        "inspection.record",
        basis=extra.pop("basis", BASIS),
        object=obj,
        item=item,
        method="on_site",
        inspectors=people,
        checked_on=today(),
        **extra,
    )


def enter(county: County, who: str, obj: str, item: str, **extra: Any) -> Any:
    return county.run(
        who,
        "result.enter",
        basis=BASIS,
        object=obj,
        item=item,
        result="no_problem",
        formed_on=today(),
        **extra,
    )


def test_a_draw_is_no_basis_for_an_item_outside_the_task(joint: County, tmp_path: Path) -> None:
    """R7.2 (format 2): the task fixes the items its drawn objects are checked for; an
    inspection citing the draw for another item (SC-002, on SCJGJ's list but not the
    task's) is refused, and nothing is written. The review says so of such a record."""
    obj, team = visit(joint)
    officer = next(p for p in team if p.startswith("S"))
    size = joint.ledger.head().position
    with pytest.raises(RuleViolationError, match="不是任务") as refused:
        check(joint, officer, obj, "SCJGJ:SC-002", [officer])
    assert refused.value.rule == "R7.2"
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
    with pytest.raises(PermissionDeniedError, match="谁检查") as refused:
        enter(joint, market[0], obj, "SWJ:SW-001")
    assert refused.value.rule == "R9.1"
    assert f"{market[0]} was not present at the check of SWJ:SW-001" in str(refused.value)
    with pytest.raises(PermissionDeniedError, match="未参加"):
        enter(joint, tax[0], obj, "SCJGJ:SC-001")
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
