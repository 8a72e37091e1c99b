"""Carrying out, results, publication, deadlines and the duty review, on both backends
(R1.1, R3.4, R7.4, R8, R9, R10.4).

Commands are signed "on" a chosen day (``created``) and executed as of that moment, so
the county can organise late, publish across the National Day and Spring Festival
holidays, and let a deadline pass, exactly as it would over weeks of real time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from ledger.clock import CHINA
from ledger.errors import ConflictError, PermissionDeniedError, RuleViolationError, ValidationError
from ledger.i18n import render
from ledger.ids import draw_id
from projections.read import calendar, deadlines, directory, results, tasks, trails
from projections.read.names import named
from projections.review import review
from projections.runner import update
from projections.store import Store
from tests.support.county import County, add_people, inspector, objects
from tests.support.draws import TASK, ceremony

CASE = {
    "kind": "case",
    "case": "TS-2026-0042",
    "trigger": "complaint",
    "reference": "12315 投诉 20260921-0042",
}


def project(county: County, tmp_path: Path) -> Store:
    store = Store(tmp_path / "projections.sqlite3")
    update(county.world.ledger, store)
    return store


@pytest.fixture
def county(drawable: County) -> County:
    add_people(drawable)
    return drawable


def first_assignment(county: County) -> tuple[str, list[str]]:
    performed = county.world.ledger.find(draw_id(TASK, 1)).performed
    first = performed["assignments"][0]
    return first["object"], list(first["team"])


def case_inspection(
    county: County,
    obj: str,
    day: str,
    result: str = "no_problem",
    people: tuple[str, ...] = ("S1", "S2"),
    basis: dict[str, Any] = CASE,
    item: str = "SCJGJ:SC-001",
) -> None:
    county.run(
        people[0],
        "inspection.record",
        on=day,
        basis=basis,
        object=obj,
        item=item,
        method="on_site",
        inspectors=list(people),
        checked_on=day,
    )
    county.run(
        people[0],
        "result.enter",
        on=day,
        basis=basis,
        object=obj,
        item=item,
        result=result,
        formed_on=day,
    )


def verdicts(result: Any) -> dict[str, str]:
    return {v.party: v.verdict for v in result.verdicts}


def findings(result: Any, rule: str) -> list[Any]:
    return [f for i in result.inspections for f in i.findings if f.rule == rule]


# --- the whole cycle --------------------------------------------------------------------------


def test_duty_done_per_the_list_is_exempt(county: County, tmp_path: Path) -> None:
    """A drawn object, organised on time, checked by its drawn team, the result entered
    by one of them and published on time: every party is exempt (R10.4)."""
    ceremony(county)
    # Signed now, after the draw (also signed now): a fixed hour of today would precede
    # it by more than the time-order tolerance for most of the day.
    drawn_on = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    day = drawn_on.isoformat()
    county.run("SCJGJ", "task.organise", task=TASK, draw=1, organised_on=day)
    obj, team = first_assignment(county)
    basis = {"kind": "draw", "task": TASK, "draw": 1}
    county.run(
        team[0],
        "inspection.record",
        basis=basis,
        object=obj,
        item="SCJGJ:SC-001",
        method="on_site",
        inspectors=team,
        checked_on=day,
    )
    county.run(
        team[1],
        "result.enter",
        basis=basis,
        object=obj,
        item="SCJGJ:SC-001",
        result="no_problem",
        formed_on=day,
    )
    county.run(
        "SCJGJ",
        "result.publish",
        basis=basis,
        object=obj,
        item="SCJGJ:SC-001",
        published_on=day,
    )
    store = project(county, tmp_path)
    result = review(store.db, "object", obj, drawn_on)
    assert set(verdicts(result).values()) == {"exempt"}, result.as_dict()
    assert {*team, "SCJGJ"} <= set(verdicts(result))
    statuses = {f.rule: f.status for f in result.inspections[0].findings}
    assert statuses == {
        "listed": "pass",
        "basis": "pass",
        "team": "pass",
        "organised": "pass",
        "entered": "pass",
        "published": "pass",
        "followed": "n/a",
    }
    # The trail shows the draw, the check, the result and the publication, with deadlines.
    entries = trails.trail(store.db, "object", obj, drawn_on)
    topics = [e.topic for e in entries]
    assert "shuangsui.draw.performed" in topics and "shuangsui.inspection.published" in topics
    marks = [m for e in entries for m in e.deadlines]
    assert any("20个工作日" in m and "(met)" in m for m in marks)
    # The public feed has it, and the task ledger names the team with the dates (R10.3).
    page = results.feed(store.db)
    assert [p["object"] for p in page["items"]] == [obj] and page["next"] is None
    ledger_rows = tasks.task_ledger(store.db, person=team[0])
    assert any(r["object"] == obj and r["checked_on"] == day for r in ledger_rows)
    assert directory.object_record(store.db, obj)["results"][0]["result"] == "no_problem"


def test_only_an_assigned_inspector_enters_the_result(county: County) -> None:
    """谁检查谁录入 (R9.1): a result from anyone else is refused and nothing is written."""
    ceremony(county)
    obj, team = first_assignment(county)
    outsider = next(p for p in ("S1", "S2", "S3") if p not in team)
    basis = {"kind": "draw", "task": TASK, "draw": 1}
    county.run(
        team[0],
        "inspection.record",
        basis=basis,
        object=obj,
        item="SCJGJ:SC-001",
        method="on_site",
        inspectors=team,
        checked_on=dt.datetime.now(CHINA).date().isoformat(),
    )
    size = county.world.ledger.head().position
    for who in (outsider, "SCJGJ"):
        with pytest.raises(PermissionDeniedError, match="enters its result"):
            county.run(
                who,
                "result.enter",
                basis=basis,
                object=obj,
                item="SCJGJ:SC-001",
                result="no_problem",
                formed_on=dt.datetime.now(CHINA).date().isoformat(),
            )
    assert county.world.ledger.head().position == size
    # A draw's basis must name an object the draw drew (R1.1).
    drawn = {
        a["object"] for a in county.world.ledger.find(draw_id(TASK, 1)).performed["assignments"]
    }
    undrawn = next(o for o in objects(county) if o not in drawn)
    with pytest.raises(RuleViolationError, match="not drawn"):
        county.run(
            team[0],
            "inspection.record",
            basis=basis,
            object=undrawn,
            item="SCJGJ:SC-001",
            method="on_site",
            inspectors=team,
            checked_on=dt.datetime.now(CHINA).date().isoformat(),
        )


def test_dates_in_the_future_and_double_entries_are_refused(county: County) -> None:
    obj = objects(county)[0]
    with pytest.raises(ValidationError) as refused:
        county.run(
            "S1",
            "inspection.record",
            on="2026-03-02",
            basis=CASE,
            object=obj,
            item="SCJGJ:SC-001",
            method="on_site",
            inspectors=["S1"],
            checked_on="2026-03-03",
        )
    assert refused.value.errors == {"checked_on": ["is in the future"]}
    with pytest.raises(ValidationError) as refused:
        county.run(
            "S1",
            "inspection.record",
            on="2026-03-02",
            basis={"kind": "case"},
            object=obj,
            item="SC-001",
            method="by_phone",
            inspectors=[],
            checked_on="x",
        )
    assert {
        "basis.case",
        "basis.trigger",
        "basis.reference",
        "item",
        "method",
        "inspectors",
        "checked_on",
    } <= set(refused.value.errors)
    case_inspection(county, obj, "2026-03-02")
    with pytest.raises(ConflictError, match="already entered"):
        county.run(
            "S1",
            "result.enter",
            on="2026-03-02",
            basis=CASE,
            object=obj,
            item="SCJGJ:SC-001",
            result="violation",
            formed_on="2026-03-02",
        )
    with pytest.raises(PermissionDeniedError):  # another department does not publish it
        county.run(
            "SWJ",
            "result.publish",
            on="2026-03-03",
            basis=CASE,
            object=obj,
            item="SCJGJ:SC-001",
            published_on="2026-03-03",
        )
    county.run(
        "SCJGJ",
        "result.publish",
        on="2026-03-03",
        basis=CASE,
        object=obj,
        item="SCJGJ:SC-001",
        published_on="2026-03-03",
    )
    with pytest.raises(ConflictError, match="already decided"):
        county.run(
            "SCJGJ",
            "result.withhold",
            on="2026-03-04",
            basis=CASE,
            object=obj,
            item="SCJGJ:SC-001",
            legal_basis="x",
            decided_on="2026-03-04",
        )


# --- the rules failing ------------------------------------------------------------------------


def test_arbitrary_inspection_and_late_publication_are_defects(
    county: County, tmp_path: Path
) -> None:
    """随意检查 (R1.1) and publication after 20 working days (R9.1): the department and
    the inspectors present have procedural defects (R10.4: a defect with its rule and
    evidence, not 失职照单问责 for the whole department), with the positions that prove it."""
    first, second = objects(county)[:2]
    none = {"kind": "none", "reference": "县局领导临时安排"}
    case_inspection(county, first, "2026-09-22", basis=none, people=("S1",))
    case_inspection(county, second, "2026-09-22")
    county.run(
        "SCJGJ",
        "result.publish",
        on="2026-10-27",
        basis=CASE,
        object=second,
        item="SCJGJ:SC-001",
        published_on="2026-10-27",
    )
    # 20 working days from 22 September 2026 cross Mid-Autumn (25 Sept), the National Day
    # week (1-7 Oct) and count the adjusted working Saturday 10 October: due 27 October.
    late = county.run(
        "SCJGJ",
        "result.publish",
        on="2026-10-28",
        basis=none,
        object=first,
        item="SCJGJ:SC-001",
        published_on="2026-10-28",
    )
    store = project(county, tmp_path)
    today = dt.date(2026, 11, 26)
    bad = review(store.db, "object", first, today)
    assert verdicts(bad) == {"SCJGJ": "defect", "S1": "defect"}
    published = findings(bad, "published")[0]
    assert published.status == "fail" and "due 2026-10-27" in published.detail
    assert late.last_position in published.evidence
    assert findings(bad, "basis")[0].status == "fail"
    department = next(v for v in bad.verdicts if v.party == "SCJGJ")
    assert any(r.startswith("R1.1 basis") for r in department.rules)
    assert any(r.startswith("R9.1 published") for r in department.rules)
    good = review(store.db, "object", second, today)
    assert set(verdicts(good).values()) == {"exempt"}
    # The person's review only judges that person.
    assert verdicts(review(store.db, "person", "S2", today)) == {"S2": "exempt"}


def test_organised_late_and_violation_not_followed_up(county: County, tmp_path: Path) -> None:
    """R7.4's five working days and R9.2's follow-up, failing then passing."""
    ceremony(county)
    day = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    due = calendar.work_calendar(project(county, tmp_path / "a").db).add_workdays(day, 5)
    late = (due + dt.timedelta(days=1)).isoformat()
    county.run("SCJGJ", "task.organise", on=late, task=TASK, draw=1, organised_on=late)
    obj, team = first_assignment(county)
    basis = {"kind": "draw", "task": TASK, "draw": 1}
    county.run(
        team[0],
        "inspection.record",
        on=late,
        basis=basis,
        object=obj,
        item="SCJGJ:SC-001",
        method="on_site",
        inspectors=team,
        checked_on=late,
    )
    county.run(
        team[0],
        "result.enter",
        on=late,
        basis=basis,
        object=obj,
        item="SCJGJ:SC-001",
        result="violation",
        formed_on=late,
    )
    county.run(
        "SCJGJ",
        "result.withhold",
        on=late,
        basis=basis,
        object=obj,
        item="SCJGJ:SC-001",
        legal_basis="《行政处罚法》第四十八条：尚未作出处罚决定",
        decided_on=late,
    )
    store = project(county, tmp_path)
    later = dt.date(2027, 6, 1)
    result = review(store.db, "task", TASK, later)
    organised = findings(result, "organised")[0]
    assert organised.status == "fail" and f"due {due.isoformat()}" in organised.detail
    assert findings(result, "published")[0].status == "pass"  # lawfully withheld
    followed = findings(result, "followed")[0]
    # The publication deadline runs into 2027, which the installed calendar does not know.
    assert followed.status == "pending"
    assert verdicts(result)["SCJGJ"] == "defect"
    # The inspector's only defects on this task are the other drawn objects they were
    # sent to and never checked (R6.1, overdue after the task's end), not this check.
    mine = next(v for v in result.verdicts if v.party == team[0])
    assert mine.defects and {d["rule"] for d in mine.defects} == {"visited"}
    assert obj not in " ".join(d["detail"] for d in mine.defects)
    # Follow-up recorded: R9.2 passes; the lead keeps its R7.4 defect.
    county.run(
        "SCJGJ",
        "result.follow_up",
        {"on": late},
        on=late,
        basis=basis,
        object=obj,
        item="SCJGJ:SC-001",
        kind="penalty_case",
        reference="安市监罚〔2026〕88号",
    )
    update(county.world.ledger, store)
    result = review(store.db, "task", TASK, later)
    assert findings(result, "followed")[0].status == "pass"
    assert verdicts(result)["SCJGJ"] == "defect"
    lead = next(v for v in result.verdicts if v.party == "SCJGJ")
    # Beside R7.4's, only the other drawn objects' items never checked (R6.1).
    assert [d["rule"] for d in lead.defects if d["rule"] != "visited"] == ["organised"]


def test_uncertified_conflicted_and_unlisted(county: County, tmp_path: Path) -> None:
    """R7.4's inspector conditions and R3.4's list, each failing with its reason."""
    obj = objects(county)[0]
    proposed = county.rows(
        "SCJGJ",
        "inspectors.propose",
        [inspector("S9", "SCJGJ", certificate_until="2025-12-31", conflicts=[obj])],
        on="2026-03-01",
        action="enrol",
    )
    proposal = proposed.result["proposals"]["S9"]
    county.run(
        "SFJ",
        "inspectors.decide",
        on="2026-03-01",
        decisions=[{"person": "S9", "proposal": proposal, "approve": True}],
    )
    county.run(
        "SCJGJ",
        "inspection.record",
        on="2026-03-02",
        basis=CASE,
        object=obj,
        item="SCJGJ:SC-001",
        method="on_site",
        inspectors=["S1", "S9"],
        checked_on="2026-03-02",
    )
    county.run(
        "SCJGJ",
        "inspection.record",
        on="2026-03-02",
        basis=CASE,
        object=obj,
        item="SCJGJ:SC-404",
        method="written",
        inspectors=["S1"],
        checked_on="2026-03-02",
    )
    store = project(county, tmp_path)
    result = review(store.db, "object", obj, dt.date(2026, 3, 3))
    team = {f.detail.split(":")[0]: f for f in result.inspections[0].findings if f.rule == "team"}
    assert [f.status for f in result.inspections[1].findings if f.rule == "team"] == ["pass"]
    assert team["S1"].status == "pass"
    assert team["S9"].status == "fail"
    assert "no valid enforcement certificate" in team["S9"].detail
    assert "应回避" in render(team["S9"].detail, "zh")
    listed = findings(result, "listed")
    assert [f.status for f in listed] == ["pass", "fail"]
    assert verdicts(result)["S9"] == "defect" and verdicts(result)["S1"] == "exempt"
    assert verdicts(result)["SCJGJ"] == "defect"


def test_a_later_problem_opens_the_analysis_which_a_settlement_closes(
    county: County, tmp_path: Path
) -> None:
    """Nothing found, then a later check finds a violation: the entity turned out to
    have a problem, so the first inspectors' 免责/问责 analysis opens (R10.4); a
    discipline inspector settles it with a signed event, and only a discipline
    inspector can."""
    obj = objects(county)[0]
    case_inspection(county, obj, "2026-03-02")
    county.run(
        "SCJGJ",
        "result.publish",
        on="2026-03-03",
        basis=CASE,
        object=obj,
        item="SCJGJ:SC-001",
        published_on="2026-03-03",
    )
    second = {**CASE, "case": "TS-2026-0077", "reference": "12315 投诉 0077"}
    case_inspection(county, obj, "2026-05-06", result="violation", people=("S3",), basis=second)
    county.run(
        "SCJGJ",
        "result.publish",
        on="2026-05-07",
        basis=second,
        object=obj,
        item="SCJGJ:SC-001",
        published_on="2026-05-07",
    )
    county.run(
        "SCJGJ",
        "result.follow_up",
        {"on": "2026-05-08"},
        on="2026-05-08",
        basis=second,
        object=obj,
        item="SCJGJ:SC-001",
        kind="penalty_case",
        reference="安市监罚〔2026〕12号",
    )
    store = project(county, tmp_path)
    result = review(store.db, "object", obj, dt.date(2026, 6, 1))
    assert verdicts(result) == {
        "S1": "analysis",
        "S2": "analysis",
        "S3": "exempt",
        "SCJGJ": "analysis",  # the department of the check that missed it
    }
    missed = findings(result, "problem")[0]
    assert len(missed.evidence) == 2
    subject = {"kind": "object", "id": obj}
    with pytest.raises(PermissionDeniedError):
        county.run(
            "SCJGJ",
            "review.settle",
            subject=subject,
            party="S1",
            verdict="exempt",
            reasoning="x",
            evidence=missed.evidence,
        )
    county.run(
        "discipline",
        "review.settle",
        subject=subject,
        party="S1",
        verdict="exempt",
        reasoning="经调查，首次检查时该违法行为尚未发生，检查人员已按清单履职",
        evidence=missed.evidence,
    )
    update(county.world.ledger, store)
    result = review(store.db, "object", obj, dt.date(2026, 6, 1))
    settled = next(v for v in result.verdicts if v.party == "S1")
    assert settled.verdict == "exempt" and settled.settled["computed"] == "analysis"
    assert settled.analysis is not None and settled.analysis["status"] == "settled"
    assert verdicts(result)["S2"] == "analysis"


# --- deadlines --------------------------------------------------------------------------------


def test_deadline_board_across_holidays_and_an_unknown_year(county: County, tmp_path: Path) -> None:
    """R9.1's 20 working days across Spring Festival and the National Day (with its
    adjusted working Saturday), met / met late / overdue, and a year the calendar does
    not know, until the office records it."""
    spring, autumn, winter, pending = objects(county)[:4]
    case_inspection(county, spring, "2026-02-10")  # Spring Festival 15-23 Feb: due 16 March
    county.run(
        "SCJGJ",
        "result.publish",
        on="2026-03-17",
        basis=CASE,
        object=spring,
        item="SCJGJ:SC-001",
        published_on="2026-03-17",
    )
    case_inspection(county, autumn, "2026-09-22")  # due 27 October (see above)
    case_inspection(county, pending, "2026-09-22")  # never published
    county.run(
        "SCJGJ",
        "result.publish",
        on="2026-10-27",
        basis=CASE,
        object=autumn,
        item="SCJGJ:SC-001",
        published_on="2026-10-27",
    )
    case_inspection(county, winter, "2026-12-10")  # 20 working days run into 2027
    store = project(county, tmp_path)
    today = dt.date(2026, 12, 10)
    board = {
        d.subject.split("|")[0]: d for d in deadlines.deadlines(store.db, today, kind="publish")
    }
    assert (board[spring].due, board[spring].status) == ("2026-03-16", "met late")
    assert (board[autumn].due, board[autumn].status) == ("2026-10-27", "met")
    assert (board[pending].due, board[pending].status) == ("2026-10-27", "overdue")
    assert board[winter].status == "calendar unknown" and board[winter].due is None
    assert "2027" in (board[winter].problem or "")
    # its reason has a Chinese form beside it in a listing (issue 12 §7)
    shown = named(board[winter].as_dict())
    assert "2027" in shown["problem_zh"] and any(
        "\u4e00" <= c <= "\u9fff" for c in shown["problem_zh"]
    )
    # The office records 2027 (New Year's Day off): the deadline is now computed.
    county.run(
        "office",
        "calendar.amend",
        on="2026-12-10",
        days={"2027-01-01": False},
        declare_years=[2027],
        note="2027年元旦放假安排（测试）",
    )
    update(county.world.ledger, store)
    board = {
        d.subject.split("|")[0]: d for d in deadlines.deadlines(store.db, today, kind="publish")
    }
    assert (board[winter].due, board[winter].status) == ("2027-01-08", "due")
    with pytest.raises(PermissionDeniedError):
        county.run(
            "SCJGJ",
            "calendar.amend",
            on="2026-12-10",
            days={"2027-01-02": True},
            declare_years=[],
            note="x",
        )
    with pytest.raises(ValidationError):
        county.run(
            "office",
            "calendar.amend",
            on="2026-12-10",
            days={"2027-13-01": True},
            declare_years=[],
            note="x",
        )


def test_undrawn_unqualified_unfollowed_and_misentered(county: County, tmp_path: Path) -> None:
    """The remaining failing cases: an inspector present who was not drawn, one not
    qualified for the item, a violation never followed up, and a result whose recorded
    enterer was not assigned (data no command can produce; the review still says so)."""
    ceremony(county)
    obj, team = first_assignment(county)
    outsider = next(p for p in ("S1", "S2", "S3") if p not in team)
    proposed = county.rows(
        "SCJGJ",
        "inspectors.propose",
        [inspector("S8", "SCJGJ", qualifications=["key"])],
        action="enrol",
    )
    county.run(
        "SFJ",
        "inspectors.decide",
        decisions=[
            {"person": "S8", "proposal": proposed.result["proposals"]["S8"], "approve": True}
        ],
    )
    basis = {"kind": "draw", "task": TASK, "draw": 1}
    day = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    county.run(
        "SCJGJ",
        "inspection.record",
        on=day,
        basis=basis,
        object=obj,
        item="SCJGJ:SC-001",
        method="on_site",
        inspectors=[*team, outsider, "S8"],
        checked_on=day,
    )
    county.run(
        team[0],
        "result.enter",
        on=day,
        basis=basis,
        object=obj,
        item="SCJGJ:SC-001",
        result="violation",
        formed_on=day,
    )
    county.run(
        "SCJGJ",
        "result.publish",
        on=day,
        basis=basis,
        object=obj,
        item="SCJGJ:SC-001",
        published_on=day,
    )
    store = project(county, tmp_path)
    later = dt.date(2027, 6, 1)
    county.run(
        "office",
        "calendar.amend",
        on=day,
        days={"2027-01-01": False},
        declare_years=[2027],
        note="2027",
    )
    update(county.world.ledger, store)
    result = review(store.db, "object", obj, later)
    team_findings = {f.detail.split(":")[0]: f for f in findings(result, "team")}
    assert "not drawn for this object" in team_findings[outsider].detail
    assert (
        "not drawn" in team_findings["S8"].detail and "not qualified" in team_findings["S8"].detail
    )
    assert all(team_findings[p].status == "pass" for p in team)
    followed = findings(result, "followed")[0]
    assert followed.status == "fail" and "no penalty case or referral" in followed.detail
    assert verdicts(result)[outsider] == "defect"
    assert verdicts(result)["SCJGJ"] == "defect"
    assert verdicts(result)[team[0]] == "exempt"
    store.db.execute("UPDATE results SET entered_by = ? WHERE object = ?", (outsider, obj))
    entered = findings(review(store.db, "object", obj, later), "entered")[0]
    assert entered.status == "fail" and entered.parties == [outsider]
