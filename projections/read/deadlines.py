"""The deadline board (R6.5, R7.4, R9.1, R9.2, R10.6), judged as of a day.

A read model across areas: plans, draws and results open deadlines (the ``deadlines``
table), and every department with a plan owes its quarterly reports and annual summary
(worked out here from ``plans`` and ``reports``). Due dates that count working days
are worked out now, from each deadline's base date and the calendar the log holds now
(the package's plus the office's amendments): a deadline in a year nobody has recorded
is reported as such, never guessed (``calendar unknown``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import sqlite_utils

from ledger.clock import china_today
from ledger.errors import ValidationError
from ledger.workdays import (
    WorkCalendar,
    annual_summary_deadline,
    judge,
    quarterly_report_deadline,
)
from projections.read.calendar import work_calendar
from projections.read.sql import rows

NO_DEADLINE = "no deadline"
CALENDAR_UNKNOWN = "calendar unknown"
DONE = "done"

#: Chinese labels for what the board and the trail print.
DEADLINE_LABELS = {
    "annual_plan": "年度抽查计划（1月31日前）",
    "organise": "抽取后5个工作日内组织实施",
    "publish": "结果形成后20个工作日内公示",
    "follow_up": "违法行为后续处置",
    "quarterly": "季度工作进展报送",
    "annual": "年度工作总结（12月10日前）",
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
            f"today {text!r} is not YYYY-MM-DD", {"today": ["YYYY-MM-DD"]}
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
        return None, str(exc)


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
    )


def report_deadlines(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """R10.6: every department with a plan for a year owes four quarterly reports and the
    annual summary for it (see ``ledger.workdays`` for the quarterly convention)."""
    submitted = {
        (r["department"], r["kind"], r["period"]): r for r in db.query("SELECT * FROM reports")
    }
    out = []
    for plan in db.query("SELECT department, year FROM plans ORDER BY department, year"):
        department, year = plan["department"], plan["year"]
        periods = [
            ("quarterly", f"{year}-Q{q}", quarterly_report_deadline(year, q)) for q in range(1, 5)
        ]
        periods.append(("annual", str(year), annual_summary_deadline(year)))
        for kind, period, due in periods:
            done = submitted.get((department, kind, period))
            out.append(
                {
                    "kind": kind,
                    "subject": f"{department}/{period}",
                    "department": department,
                    "base": None,
                    "working_days": 0,
                    "due": due.isoformat(),
                    "done": done["submitted_on"] if done else None,
                    "position": None,
                    "done_position": done["position"] if done else None,
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
        for r in report_deadlines(db)
        if (not department or r["department"] == department) and (not kind or r["kind"] == kind)
    ]
    board = []
    for row in source:
        entry = judged(row, calendar, today)
        if status and entry.status != status:
            continue
        board.append(entry)
    return board
