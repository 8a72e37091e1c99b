"""The appraisal (R10.2) reads the topics the event classes declare, and judges as the
deadline board does."""

from __future__ import annotations

import datetime as dt

from ledger.areas.departments.events import Department
from ledger.areas.draws.events import Draw
from ledger.areas.inspections.events import Inspection
from ledger.areas.items.events import ItemList
from ledger.areas.notices.events import Notice
from ledger.areas.plans.events import AnnualPlan
from ledger.areas.reports import appraisal
from ledger.areas.reports.commands import first_difference
from ledger.areas.reports.events import ProgressReport
from ledger.areas.tasks.events import JointTask


def test_r10_2_the_appraisal_reads_the_topics_the_events_declare() -> None:
    """Each topic the fold dispatches on is an event class's own, read once."""
    declared = {
        appraisal.DEPARTMENT: Department.Created.TOPIC,
        appraisal.LIST_CREATED: ItemList.Created.TOPIC,
        appraisal.LIST_PUBLISHED: ItemList.VersionPublished.TOPIC,
        appraisal.PLAN_CREATED: AnnualPlan.Created.TOPIC,
        appraisal.PLAN_PUBLISHED: AnnualPlan.VersionPublished.TOPIC,
        appraisal.REPORT: ProgressReport.Created.TOPIC,
        appraisal.TASK: JointTask.Created.TOPIC,
        appraisal.ORGANISED: JointTask.Organised.TOPIC,
        appraisal.DRAW: Draw.Created.TOPIC,
        appraisal.PERFORMED: Draw.Performed.TOPIC,
        appraisal.OPENED: Inspection.Created.TOPIC,
        appraisal.CHECKED: Inspection.CheckRecorded.TOPIC,
        appraisal.RESULT: Inspection.ResultEntered.TOPIC,
        appraisal.PUBLISHED: Inspection.Published.TOPIC,
        appraisal.WITHHELD: Inspection.Withheld.TOPIC,
        appraisal.NOTICE: Notice.Created.TOPIC,
        appraisal.RECTIFIED: Notice.Rectified.TOPIC,
    }
    assert all(mine == theirs for mine, theirs in declared.items()), declared
    assert set(appraisal.TOPICS) == set(declared)


def test_r10_2_statuses_are_the_boards() -> None:
    due = dt.date(2026, 1, 31)
    today = dt.date(2026, 3, 1)
    assert appraisal._status(due, "2026-01-31", today) == "met"
    assert appraisal._status(due, "2026-02-01", today) == "met late"
    assert appraisal._status(due, None, today) == "overdue"
    assert appraisal._status(due, None, dt.date(2026, 1, 2)) == "due"
    assert appraisal._status(None, None, today) == "calendar unknown"


def test_r10_2_the_first_difference_is_named_by_its_path() -> None:
    assert first_difference({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "x"}]}) is None
    assert first_difference({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "y"}]}) == (
        "content.a[1].b: 'x' != 'y'"
    )
    assert first_difference({"a": 1}, {"a": 1, "c": 2}) == "content.c"
    assert first_difference({"a": [1]}, {"a": [1, 2]}) == "content.a (1 != 2)"
    assert first_difference({"a": True}, {"a": 1}) is not None  # JSON types count
