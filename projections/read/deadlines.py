"""The deadline board (R6.1, R6.5, R7.4, R9.1, R9.2, R10.6), judged as of a day.

A read model across areas: plans, draws and results open deadlines (the ``deadlines``
table), and every member department owes, whether or not it has started any task
(R3.4, R6.5, R10.2, R10.6; worked out here from ``departments``, ``item_versions``,
``plans`` and ``reports``): its item list by 31 December of the year it joined (the
2020 list by 31 December 2020), its annual plan by 31 January, four quarterly reports
and the annual summary by 10 December of every year from the year it joined to the
year the board is judged in; and each item on a drawn object's checklist is due by its
task's planned end until it is checked or excused (R6.1, ``obligations``). Due dates
that count working days are worked out now, from each deadline's base date and the
calendar the log holds now (the package's plus the office's amendments): a deadline in
a year nobody has recorded is reported as such, never guessed (``calendar unknown``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import sqlite_utils

from ledger.areas.bodies.events import SERVICE_NAMES
from ledger.clock import china_date, china_today
from ledger.errors import ValidationError
from ledger.i18n import _
from ledger.workdays import (
    WorkCalendar,
    annual_summary_deadline,
    judge,
    quarterly_report_deadline,
)
from projections.read import inspections
from projections.read.calendar import work_calendar
from projections.read.sql import rows

NO_DEADLINE = "no deadline"
CALENDAR_UNKNOWN = "calendar unknown"
DONE = "done"

#: Chinese labels for what the board and the trail print.
DEADLINE_LABELS = {
    "item_list": "抽查事项清单公示（当年12月底前）",
    "annual_plan": "年度抽查计划（1月31日前）",
    "organise": "抽取后5个工作日内组织实施",
    "publish": "结果形成后20个工作日内公示",
    "follow_up": "违法行为后续处置",
    "quarterly": "季度工作进展报送",
    "annual": "年度工作总结（12月10日前）",
    "rectification": "通报批评限期整改",
    "work": "工作任务台账时间节点",
    "obligation": "联合抽查清单事项逐项检查（任务结束日前）",
    "evaluation": "委托第三方的评价（任务结束后）",
}
STATUS_LABELS = {
    "met": "按时完成",
    "met late": "逾期完成",
    "overdue": "已逾期",
    "due": "未到期",
    NO_DEADLINE: "无法定时限",
    DONE: "已完成",
    CALENDAR_UNKNOWN: "工作日历未载明",
}


def as_of(text: str | None) -> dt.date:
    """The day to judge deadlines as of: ``text`` (YYYY-MM-DD), or today in China."""
    if not text:
        return china_today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            _("today {text!r} is not YYYY-MM-DD", text=text), {"today": [_("YYYY-MM-DD")]}
        ) from None


@dataclass
class Deadline:
    kind: str
    subject: str
    department: str
    due: str | None
    done: str | None
    status: str
    opened_at: int | None = None
    done_at: int | None = None
    problem: str | None = None
    #: What the deadline is about, in names (an obligation: object, item, department).
    about: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def due_of(row: dict[str, Any], calendar: WorkCalendar) -> tuple[str | None, str | None]:
    """(due date, problem) of a deadline row."""
    if row["due"]:
        return row["due"], None
    if not row["working_days"]:
        return None, None
    try:
        base = dt.date.fromisoformat(row["base"])
        return calendar.add_workdays(base, row["working_days"]).isoformat(), None
    except ValidationError as exc:
        # The message itself (not str(): a listing shows its Chinese beside it, problem_zh)
        if exc.rule:
            return None, _("{problem} ({rule})", problem=exc.message, rule=exc.rule)
        return None, exc.message


def judged(row: dict[str, Any], calendar: WorkCalendar, today: dt.date) -> Deadline:
    due, problem = due_of(row, calendar)
    done = row["done"]
    if due is not None:
        done_day = dt.date.fromisoformat(done) if done else None
        # The act's own date, not today, decides met or late (a back-dated record is
        # judged by the date it carries; ``judge`` refuses one after ``today``).
        status = judge(dt.date.fromisoformat(due), done_day, max(today, done_day or today)).value
    elif problem:
        status = CALENDAR_UNKNOWN
    else:
        status = DONE if done else NO_DEADLINE
    return Deadline(
        row["kind"],
        row["subject"],
        row["department"],
        due,
        done,
        status,
        row["position"],
        row.get("done_position"),
        problem,
        row.get("about"),
    )


#: Kinds of unit that take part as reviewers (R4.2 司法, R7.5 纪检监察, 审计), not as
#: supervising members: they owe no list, plan or report.
NOT_MEMBERS = ("judicial", "discipline", "audit")


def member_years(db: sqlite_utils.Database, today: dt.date) -> dict[str, range]:
    """Each member department and the years it owes for (R10.2): from the year it was
    registered (the China date of its first entry) through the year of ``today``."""
    out = {}
    for row in db.query(
        "SELECT d.code, MIN(e.time) AS joined FROM departments d "
        "JOIN streams s ON s.kind = 'department' AND s.ident = d.code "
        "JOIN entries e ON e.stream = s.stream "
        f"WHERE d.kind NOT IN ({', '.join('?' * len(NOT_MEMBERS))}) GROUP BY d.code "
        "ORDER BY d.code",
        NOT_MEMBERS,
    ):
        joined = china_date(dt.datetime.fromisoformat(row["joined"]))
        out[row["code"]] = range(joined.year, max(joined.year, today.year) + 1)
    return out


def _owed(
    kind: str, department: str, period: str, due: dt.date, done: dict[str, Any] | None, on: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "subject": f"{department}/{period}",
        "department": department,
        "base": None,
        "working_days": 0,
        "due": due.isoformat(),
        "done": done[on] if done else None,
        "position": None,
        "done_position": done["position"] if done else None,
    }


def report_deadlines(
    db: sqlite_utils.Database, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """What every member department owes whether or not it has started any task
    (R3.4, R6.5, R10.2, R10.6): its first published item list by 31 December of the year
    it joined, an annual plan by 31 January (where no draft has opened that deadline
    already), four quarterly reports and the annual summary for every year it is a
    member (see ``ledger.workdays`` for the quarterly convention)."""
    today = today or china_today()
    submitted = {
        (r["department"], r["kind"], r["period"]): r for r in db.query("SELECT * FROM reports")
    }
    lists = {
        r["department"]: r
        for r in db.query(
            "SELECT department, MIN(published_on) AS published_on, MIN(position) AS position "
            "FROM item_versions WHERE published_on IS NOT NULL GROUP BY department"
        )
    }
    opened = {
        r["subject"]
        for r in db.query("SELECT subject FROM deadlines WHERE kind = ?", ["annual_plan"])
    }
    out = []
    for department, years in member_years(db, today).items():
        first = years[0]
        out.append(
            _owed(
                "item_list",
                department,
                f"{first}-list",
                dt.date(first, 12, 31),
                lists.get(department),
                "published_on",
            )
        )
        for year in years:
            if f"{department}/{year}" not in opened:  # no draft yet: nothing done
                out.append(
                    _owed("annual_plan", department, str(year), dt.date(year, 1, 31), None, "")
                )
            periods = [
                ("quarterly", f"{year}-Q{q}", quarterly_report_deadline(year, q))
                for q in range(1, 5)
            ]
            periods.append(("annual", str(year), annual_summary_deadline(year)))
            for kind, period, due in periods:
                out.append(
                    _owed(
                        kind,
                        department,
                        period,
                        due,
                        submitted.get((department, kind, period)),
                        "submitted_on",
                    )
                )
    return out


def obligation_deadlines(
    db: sqlite_utils.Database, today: dt.date, department: str | None = None
) -> list[dict[str, Any]]:
    """Each joint visit's checklist items (R6.1, R6.6) as deadlines: due by the task's
    planned end, done when checked or excused (with its reason), named in full."""
    out = []
    for row in inspections.obligations(db, today, department=department):
        excused = row["excused_on"] and not row["checked_on"]
        out.append(
            {
                "kind": "obligation",
                "subject": f"{row['task']}/{row['draw']}|{row['object']}|{row['item']}",
                "department": row["department"],
                "base": None,
                "working_days": 0,
                "due": row["due"],
                "done": row["checked_on"] or row["excused_on"],
                "position": row["position"],
                "done_position": row["check_position"] or row["excuse_position"],
                "about": row["about"]
                + (f"；已说明理由免查 excused: {row['reason']}" if excused else ""),
            }
        )
    return out


def evaluation_deadlines(
    db: sqlite_utils.Database, today: dt.date, department: str | None = None
) -> list[dict[str, Any]]:
    """Each delegation of a finished task (R8.2): a check of a draw whose task's planned
    end has passed that delegated testing, audit or survey to a qualified body is owed an
    evaluation by the delegating department (the item's) -- done once an evaluation
    citing it is recorded. The source sets no time limit, so none is invented: an
    unevaluated one stays on the board (``no deadline``) until it is evaluated."""
    from projections.read.bodies import delegations

    ends = {r["task"]: r["planned_end"] for r in db.query("SELECT * FROM task_dates")}
    names = {r["body"]: r["name"] for r in db.query("SELECT body, name FROM bodies")}
    out = []
    for d in delegations(db):
        end = ends.get(d["reference"].rpartition("/")[0]) if d["basis"] == "draw" else None
        if not end or end >= today.isoformat():
            continue
        if department and d["department"] != department:
            continue
        evaluated = [r for r in d["records"] if r["kind"] == "evaluation"]
        out.append(
            {
                "kind": "evaluation",
                "subject": f"{d['reference']}|{d['object']}|{d['item']}|{d['body']}",
                "department": d["department"],
                "base": None,
                "working_days": 0,
                "due": None,
                "done": evaluated[0]["held_on"] if evaluated else None,
                "position": d["position"],
                "done_position": evaluated[0]["position"] if evaluated else None,
                "about": (
                    f"{d['object']} {d['item']}：委托 {names.get(d['body'], d['body'])} "
                    f"（{d['body']}）{SERVICE_NAMES.get(d['service'], d['service'])}，"
                    f"任务已于 {end} 结束 / delegated {d['service']} to {d['body']}, "
                    f"task ended {end}"
                ),
            }
        )
    return out


def deadlines(
    db: sqlite_utils.Database,
    today: dt.date,
    *,
    department: str | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> list[Deadline]:
    """The deadline board (R6.5, R7.4, R9.1, R9.2, R10.6), judged as of ``today``."""
    calendar = work_calendar(db)
    where, params = [], []
    for name, value in (("department", department), ("kind", kind)):
        if value:
            where.append(f"{name} = ?")
            params.append(value)
    sql = "SELECT * FROM deadlines" + (" WHERE " + " AND ".join(where) if where else "")
    source = rows(db, sql + " ORDER BY position", params) + [
        r
        for r in report_deadlines(db, today)
        if (not department or r["department"] == department) and (not kind or r["kind"] == kind)
    ]
    if not kind or kind == "obligation":
        source += obligation_deadlines(db, today, department)
    if not kind or kind == "evaluation":
        source += evaluation_deadlines(db, today, department)
    board = []
    for row in source:
        entry = judged(row, calendar, today)
        if status and entry.status != status:
            continue
        board.append(entry)
    return board
