"""进一次门、查多项事: a joint visit's obligations, on both backends (R6.1, R7.2, R9.1).

The drawable county's task gains a participant (SWJ, with its item SW-001 and its two
officers), so each drawn enterprise is visited by both departments: each checks its
own item, and only those present at an item's check enter its result.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import PermissionDeniedError, RuleViolationError
from ledger.ids import draw_id
from projections.review import review
from projections.runner import update
from projections.store import Store
from tests.support.county import County, add_people, key_for
from tests.support.draws import TASK, ceremony

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


@pytest.fixture
def joint(drawable: County) -> County:
    """The drawable county with SWJ joined to the task (SW-001, T1 and T2) and drawn."""
    add_people(drawable)
    add_tax_officers(drawable)
    with drawable.dated():
        drawable.run("SWJ", "task.join", task=TASK, items=["SW-001"], inspectors=["T1", "T2"])
    ceremony(drawable)
    return drawable


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
