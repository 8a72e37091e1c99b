"""The office's yearly appraisal input per member department, computed from the log (R10.2).

"县政府将各成员单位“双随机、一公开”工作情况纳入政府绩效考核体系": the office sends the
government's performance appraisal what it can tell of each member department's year --
facts, not a score. For every member department (the judicial, discipline and audit
reviewers owe nothing, as on the deadline board) and the appraised year, as of a day:

* its item list (due by 31 December of the year it joined, R3.4) and its annual plan (its
  first published version, due by 31 January, R6.5): when published, on time or not;
* its four quarterly reports and the annual summary (R10.6): when submitted, on time or not;
* the tasks it led that year (R7.1-R7.4): objects drawn, organised within 5 working days of
  the draw or not, checks recorded by the task's planned end or after it, drawn objects
  not checked at all;
* the results it entered that year (R9.1): published within 20 working days of being
  formed, late, withheld by law, overdue, not yet due;
* the notices naming it (通报批评, R10.2) issued that year: rectified by the due day,
  late, overdue, still open;
* ``summary``: how many of those owed acts were met, met late, overdue or still due --
  counts of the statuses above, no weights.

A status is the deadline board's (``ledger.workdays.judge``: met, met late, overdue, due).
Working days are counted on the calendar the log records (``calendar.amend``:
:func:`ledger.areas.calendar.rules.recorded_calendar`), never the ``chinesecalendar``
package, so a command's handler (``report.appraise``) and a replay years later compute the
very same figures; a date in a year the office has not recorded is ``calendar unknown``.

Invariants: :func:`appraise` reads only the log (``topic_events`` and ``find``) and the
day it is judged as of; its result is JSON (dicts, lists, strings, integers, ``None``),
departments sorted by code, every list in log order -- equal inputs give equal output.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

from ledger.areas.calendar.rules import recorded_calendar
from ledger.areas.departments.events import Department
from ledger.areas.draws.events import Draw
from ledger.areas.inspections.events import Inspection
from ledger.areas.items.events import ItemList
from ledger.areas.notices.events import Notice
from ledger.areas.plans.events import AnnualPlan
from ledger.areas.reports.events import ProgressReport
from ledger.areas.tasks.events import JointTask
from ledger.clock import china_date
from ledger.errors import ValidationError
from ledger.workdays import (
    ORGANISE_WORKDAYS,
    PUBLICATION_WORKDAYS,
    WorkCalendar,
    annual_plan_deadline,
    annual_summary_deadline,
    judge,
    quarterly_report_deadline,
)

#: Kinds of unit that review the mechanism and owe nothing (as on the deadline board).
NOT_MEMBERS = ("judicial", "discipline", "audit")
CALENDAR_UNKNOWN = "calendar unknown"

DEPARTMENT = Department.Created.TOPIC
LIST_CREATED = ItemList.Created.TOPIC
LIST_PUBLISHED = ItemList.VersionPublished.TOPIC
PLAN_CREATED = AnnualPlan.Created.TOPIC
PLAN_PUBLISHED = AnnualPlan.VersionPublished.TOPIC
REPORT = ProgressReport.Created.TOPIC
TASK = JointTask.Created.TOPIC
ORGANISED = JointTask.Organised.TOPIC
DRAW = Draw.Created.TOPIC
PERFORMED = Draw.Performed.TOPIC
OPENED = Inspection.Created.TOPIC
CHECKED = Inspection.CheckRecorded.TOPIC
RESULT = Inspection.ResultEntered.TOPIC
PUBLISHED = Inspection.Published.TOPIC
WITHHELD = Inspection.Withheld.TOPIC
NOTICE = Notice.Created.TOPIC
RECTIFIED = Notice.Rectified.TOPIC

#: Every topic the appraisal reads.
TOPICS = (
    DEPARTMENT,
    LIST_CREATED,
    LIST_PUBLISHED,
    PLAN_CREATED,
    PLAN_PUBLISHED,
    REPORT,
    TASK,
    ORGANISED,
    DRAW,
    PERFORMED,
    OPENED,
    CHECKED,
    RESULT,
    PUBLISHED,
    WITHHELD,
    NOTICE,
    RECTIFIED,
)


class Log(Protocol):
    """What the appraisal reads: a handler's ``ctx.ledger`` or an opened ledger."""

    def find(self, aggregate_id: Any) -> Any | None: ...

    def topic_events(
        self, topics: Any, up_to: int | None = None, page: int = 500
    ) -> Iterable[tuple[int, str, str, dict[str, Any]]]: ...


def _day(state: dict[str, Any]) -> dt.date:
    """The China date of an event (its time is the command's signed time)."""
    stamp = state["timestamp"]
    text = stamp["_data_"] if isinstance(stamp, dict) else str(stamp)
    return china_date(dt.datetime.fromisoformat(text))


def _status(due: dt.date | None, done: str | None, today: dt.date) -> str:
    if due is None:
        return CALENDAR_UNKNOWN
    day = dt.date.fromisoformat(done) if done else None
    return judge(due, day, max(today, day or today)).value


def _add(calendar: WorkCalendar, start: str, days: int) -> dt.date | None:
    try:
        return calendar.add_workdays(dt.date.fromisoformat(start), days)
    except ValidationError:
        return None  # a year the office has not recorded: never guessed


class _Fold:
    """The log's facts the appraisal needs, folded in log order."""

    def __init__(self) -> None:
        self.departments: dict[str, dict[str, Any]] = {}
        self.stream_owner: dict[str, Any] = {}
        self.lists: dict[str, str] = {}  # department -> first publication day
        self.plans: dict[tuple[str, int], str] = {}  # (department, year) -> first published
        self.reports: dict[tuple[str, str, str], str] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.draws: dict[tuple[str, int], dict[str, Any]] = {}
        self.inspections: dict[str, dict[str, Any]] = {}
        self.checks: list[dict[str, Any]] = []
        self.results: dict[tuple[str, str], dict[str, Any]] = {}
        self.notices: dict[str, dict[str, Any]] = {}

    def apply(self, stream: str, topic: str, s: dict[str, Any]) -> None:
        if topic == DEPARTMENT:
            self.departments.setdefault(
                s["code"], {"name": s["name"], "kind": s["kind"], "joined": _day(s).year}
            )
        elif topic == LIST_CREATED:
            self.stream_owner[stream] = s["department"]
        elif topic == LIST_PUBLISHED:
            self.lists.setdefault(self.stream_owner[stream], s["published_on"])
        elif topic == PLAN_CREATED:
            self.stream_owner[stream] = (s["department"], int(s["year"]))
        elif topic == PLAN_PUBLISHED:
            self.plans.setdefault(self.stream_owner[stream], s["published_on"])
        elif topic == REPORT:
            self.reports[(s["department"], s["kind"], s["period"])] = s["submitted_on"]
        elif topic == TASK:
            self.stream_owner[stream] = s["task"]
            spec = s["spec"]
            self.tasks[s["task"]] = {
                "lead": s["lead"],
                "name": spec.get("name", ""),
                "year": int(spec.get("year") or 0),
                "planned_end": spec.get("planned_end"),
                "organised": {},
            }
        elif topic == ORGANISED:
            task = self.stream_owner.get(stream)
            if task in self.tasks:
                self.tasks[task]["organised"].setdefault(int(s["draw"]), s["organised_on"])
        elif topic == DRAW:
            self.stream_owner[stream] = (s["task"], int(s["number"]))
        elif topic == PERFORMED:
            task, number = self.stream_owner[stream]
            self.draws[(task, number)] = {
                "organise_from": s["organise_from"],
                "objects": [a["object"] for a in s["assignments"]],
            }
        elif topic == OPENED:
            self.inspections[stream] = {"object": s["object"], "basis": s["basis"]}
        elif topic == CHECKED:
            self.checks.append({**self.inspections[stream], "checked_on": s["checked_on"]})
        elif topic == RESULT:
            self.results[(stream, s["item"])] = {
                "department": s["department"],
                "formed_on": s["formed_on"],
                "done": None,
                "withheld": False,
            }
        elif topic in (PUBLISHED, WITHHELD):
            found = self.results.get((stream, s["item"]))
            if found is not None and found["done"] is None:
                found["done"] = s["published_on"] if topic == PUBLISHED else s["decided_on"]
                found["withheld"] = topic == WITHHELD
        elif topic == NOTICE:
            self.stream_owner[stream] = s["notice"]
            self.notices[s["notice"]] = {
                "department": s["department"],
                "issued_on": s["issued_on"],
                "due": s["due"],
                "done_on": None,
            }
        elif topic == RECTIFIED:
            self.notices[self.stream_owner[stream]]["done_on"] = s["done_on"]


def fold(events: Iterable[tuple[int, str, str, dict[str, Any]]]) -> _Fold:
    folded = _Fold()
    for _position, stream, topic, state in events:
        folded.apply(stream, topic, state)
    return folded


def appraise(log: Log, year: int, today: dt.date) -> dict[str, Any]:
    """The appraisal input for ``year``, judged as of ``today``, from ``log`` alone."""
    folded = fold(log.topic_events(TOPICS))
    calendar = recorded_calendar(log)
    return appraisal(folded, calendar, year, today)


def appraisal(f: _Fold, calendar: WorkCalendar, year: int, today: dt.date) -> dict[str, Any]:
    departments = []
    for code in sorted(f.departments):
        known = f.departments[code]
        if known["kind"] in NOT_MEMBERS or known["joined"] > year:
            continue
        owed: list[str] = []
        listed = f.lists.get(code)
        list_due = dt.date(known["joined"], 12, 31)
        item_list: dict[str, Any] = {
            "owed_in": known["joined"],
            "due": list_due.isoformat(),
            "published_on": listed,
            "status": _status(list_due, listed, today),
        }
        if known["joined"] == year:
            owed.append(item_list["status"])
        plan_due = annual_plan_deadline(year)
        planned = f.plans.get((code, year))
        plan: dict[str, Any] = {
            "due": plan_due.isoformat(),
            "published_on": planned,
            "status": _status(plan_due, planned, today),
        }
        owed.append(plan["status"])
        reports = []
        periods = [
            ("quarterly", f"{year}-Q{q}", quarterly_report_deadline(year, q)) for q in (1, 2, 3, 4)
        ]
        periods.append(("annual", str(year), annual_summary_deadline(year)))
        for kind, period, due in periods:
            submitted = f.reports.get((code, kind, period))
            status = _status(due, submitted, today)
            reports.append(
                {
                    "kind": kind,
                    "period": period,
                    "due": due.isoformat(),
                    "submitted_on": submitted,
                    "status": status,
                }
            )
            owed.append(status)
        tasks = _tasks_led(f, calendar, code, year, today, owed)
        results = _results(f, calendar, code, year, today, owed)
        notices = _notices(f, code, year, today, owed)
        counted = Counter(owed)
        departments.append(
            {
                "department": code,
                "name": known["name"],
                "item_list": item_list,
                "annual_plan": plan,
                "reports": reports,
                "tasks_led": tasks,
                "results": results,
                "notices": notices,
                "summary": {
                    status: counted.get(status, 0)
                    for status in ("met", "met late", "overdue", "due", CALENDAR_UNKNOWN)
                },
            }
        )
    return {
        "year": year,
        "as_of": today.isoformat(),
        "calendar_years": sorted(calendar.declared_years),
        "departments": departments,
    }


def _tasks_led(
    f: _Fold, calendar: WorkCalendar, code: str, year: int, today: dt.date, owed: list[str]
) -> list[dict[str, Any]]:
    out = []
    for task, t in f.tasks.items():
        if t["lead"] != code or t["year"] != year:
            continue
        end = t["planned_end"]
        draws = []
        for (drawn_task, number), d in f.draws.items():
            if drawn_task != task:
                continue
            due = _add(calendar, d["organise_from"], ORGANISE_WORKDAYS)
            organised = t["organised"].get(number)
            status = _status(due, organised, today)
            owed.append(status)
            reference = f"{task}/{number}"
            checks = [
                c
                for c in f.checks
                if c["basis"].get("kind") == "draw"
                and f"{c['basis'].get('task')}/{c['basis'].get('draw')}" == reference
            ]
            checked = {c["object"] for c in checks}
            draws.append(
                {
                    "draw": number,
                    "objects": len(d["objects"]),
                    "organise_due": due.isoformat() if due else None,
                    "organised_on": organised,
                    "organise_status": status,
                    "checks_by_planned_end": sum(
                        1 for c in checks if end and c["checked_on"] <= end
                    ),
                    "checks_after_planned_end": sum(
                        1 for c in checks if end and c["checked_on"] > end
                    ),
                    "objects_unchecked": sum(1 for o in d["objects"] if o not in checked),
                }
            )
        out.append({"task": task, "name": t["name"], "planned_end": end, "draws": draws})
    return out


def _results(
    f: _Fold, calendar: WorkCalendar, code: str, year: int, today: dt.date, owed: list[str]
) -> dict[str, int]:
    counted: Counter[str] = Counter()
    for r in f.results.values():
        if r["department"] != code or not r["formed_on"].startswith(f"{year}-"):
            continue
        counted["entered"] += 1
        due = _add(calendar, r["formed_on"], PUBLICATION_WORKDAYS)
        status = _status(due, r["done"], today)
        owed.append(status)
        if r["withheld"] and status in ("met", "met late"):
            counted["withheld_by_law" if status == "met" else "withheld_late"] += 1
        else:
            counted[status] += 1
    return {
        "entered": counted["entered"],
        "published_within_20_working_days": counted["met"],
        "published_late": counted["met late"],
        "withheld_by_law": counted["withheld_by_law"],
        "withheld_late": counted["withheld_late"],
        "overdue": counted["overdue"],
        "not_yet_due": counted["due"],
        "calendar_unknown": counted[CALENDAR_UNKNOWN],
    }


def _notices(
    f: _Fold, code: str, year: int, today: dt.date, owed: list[str]
) -> list[dict[str, Any]]:
    out = []
    for notice, n in f.notices.items():
        if n["department"] != code or not n["issued_on"].startswith(f"{year}-"):
            continue
        status = _status(dt.date.fromisoformat(n["due"]), n["done_on"], today)
        owed.append(status)
        out.append(
            {
                "notice": notice,
                "issued_on": n["issued_on"],
                "due": n["due"],
                "rectified_on": n["done_on"],
                "status": status,
            }
        )
    return out
