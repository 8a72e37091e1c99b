"""What people read from the projections: deadlines, trails, coverage, reports, the feed.

Everything here reads the projection database only and never the log. Due dates that
count working days are worked out now, from each deadline's base date and the calendar
the log holds now (the package's plus the office's amendments): a deadline in a year
nobody has recorded is reported as such, never guessed (``calendar unknown``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
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


def rows(db: sqlite_utils.Database, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    return list(db.query(sql, params))


def work_calendar(db: sqlite_utils.Database) -> WorkCalendar:
    """The package's calendar plus every amendment the office has recorded."""
    days = {
        dt.date.fromisoformat(r["day"]): bool(r["working"])
        for r in db.query("SELECT day, working FROM calendar_days")
    }
    years = [r["year"] for r in db.query("SELECT year FROM calendar_years")]
    return WorkCalendar(days, years)


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


# --- trails -------------------------------------------------------------------------------

SUBJECT_KINDS = ("object", "task", "person", "department")


@dataclass
class TrailEntry:
    position: int
    time: str
    topic: str
    action: str
    actor: str
    signer: str | None
    deadlines: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def trail_positions(db: sqlite_utils.Database, kind: str, subject: str) -> list[int]:
    return [
        r["position"]
        for r in db.query(
            "SELECT position FROM trail WHERE kind = ? AND subject = ? ORDER BY position",
            (kind, subject),
        )
    ]


def trail(
    db: sqlite_utils.Database,
    kind: str,
    subject: str,
    today: dt.date,
    *,
    limit: int | None = None,
    after: int = 0,
) -> list[TrailEntry]:
    """Every entry that touched the subject, in order, who signed it, and the deadlines
    it opened or met (R10.4)."""
    if kind not in SUBJECT_KINDS:
        raise ValidationError(f"unknown trail kind {kind!r}", {"kind": list(SUBJECT_KINDS)})
    sql = (
        "SELECT e.position, e.time, e.topic, e.action, e.actor, k.holder FROM trail t "
        "JOIN entries e ON e.position = t.position LEFT JOIN keys k ON k.key_id = e.actor "
        "WHERE t.kind = ? AND t.subject = ? AND t.position > ? ORDER BY t.position"
    )
    params: list[Any] = [kind, subject, after]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    found = [
        TrailEntry(r["position"], r["time"], r["topic"], r["action"], r["actor"], r["holder"])
        for r in db.query(sql, params)
    ]
    if not found:
        return found
    at = {e.position: e for e in found}
    marks = ",".join("?" * len(at))
    calendar = work_calendar(db)
    for row in db.query(
        f"SELECT * FROM deadlines WHERE position IN ({marks}) OR done_position IN ({marks})",
        [*at, *at],
    ):
        d = judged(row, calendar, today)
        label = DEADLINE_LABELS.get(d.kind, d.kind)
        if row["position"] in at:
            at[row["position"]].deadlines.append(f"{label}: due {d.due or '—'} ({d.status})")
        if row["done_position"] in at:
            at[row["done_position"]].deadlines.append(
                f"{label}: done {d.done}, due {d.due or '—'} ({d.status})"
            )
    return found


def subject_exists(db: sqlite_utils.Database, kind: str, subject: str) -> bool:
    table = {
        "object": ("objects", "id"),
        "task": ("tasks", "task"),
        "person": ("inspectors", "person"),
        "department": ("departments", "code"),
    }[kind]
    found = rows(db, f"SELECT 1 FROM {table[0]} WHERE {table[1]} = ?", (subject,))
    return bool(found) or bool(trail_positions(db, kind, subject))


# --- results, the public feed, the credit record ----------------------------------------------


def feed(
    db: sqlite_utils.Database, *, after: int = 0, limit: int = 100, department: str | None = None
) -> dict[str, Any]:
    """The public publication feed (R9.1, R9.3), paged by log position."""
    limit = max(1, min(limit, 1000))
    sql = "SELECT * FROM publications WHERE position > ?"
    params: list[Any] = [after]
    if department:
        sql += " AND department = ?"
        params.append(department)
    page = rows(db, sql + " ORDER BY position LIMIT ?", [*params, limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {"items": page, "next": page[-1]["position"] if more else None}


def object_record(db: sqlite_utils.Database, key: str) -> dict[str, Any] | None:
    """An object's directory row with every result any department entered for it (R5.1,
    R9.3: results are recognised across departments)."""
    found = rows(db, "SELECT * FROM objects WHERE id = ?", (key,))
    if not found:
        return None
    record = found[0]
    for name in ("supervisors", "penalties"):
        record[name] = json.loads(record[name])
    record["results"] = rows(db, "SELECT * FROM results WHERE object = ? ORDER BY position", (key,))
    return record


# --- the task ledger (R10.3), coverage (R1.2), reports (R10.6) -------------------------------


def task_ledger(
    db: sqlite_utils.Database,
    *,
    department: str | None = None,
    section: str | None = None,
    person: str | None = None,
) -> list[dict[str, Any]]:
    """Who was assigned which object of which task, with the dates (R10.3)."""
    out = []
    for a in db.query(
        "SELECT a.task, a.draw, a.object, a.team, t.name AS task_name, t.lead, t.organised_on, "
        "d.organise_from FROM assignments a JOIN tasks t ON t.task = a.task "
        'JOIN draws d ON d.task = a.task AND d.draw = a.draw ORDER BY a.task, a.draw, a."order"'
    ):
        reference = f"{a['task']}/{a['draw']}"
        checks = rows(
            db,
            "SELECT item, checked_on FROM inspections WHERE object = ? AND "
            "basis = 'draw' AND reference = ?",
            (a["object"], reference),
        )
        results = rows(
            db,
            "SELECT item, result, entered_by, formed_on, published_on, "
            "withheld_on FROM results WHERE object = ? AND basis = 'draw' "
            "AND reference = ?",
            (a["object"], reference),
        )
        for member in json.loads(a["team"]):
            info = rows(
                db, "SELECT name, unit, section FROM inspectors WHERE person = ?", (member,)
            )
            who = info[0] if info else {"name": None, "unit": None, "section": None}
            if person and member != person:
                continue
            if department and who["unit"] != department:
                continue
            if section and who["section"] != section:
                continue
            out.append(
                {
                    "task": a["task"],
                    "task_name": a["task_name"],
                    "draw": a["draw"],
                    "lead": a["lead"],
                    "object": a["object"],
                    "person": member,
                    "name": who["name"],
                    "department": who["unit"],
                    "section": who["section"],
                    "drawn_on": a["organise_from"],
                    "organised_on": a["organised_on"],
                    "checked_on": max((c["checked_on"] for c in checks), default=None),
                    "results": results,
                }
            )
    return out


def coverage(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per department and item (R1.2): on the list, used in a joint task, inspected, and
    how: drawn, case lead, or arbitrary."""
    used: dict[str, int] = Counter()
    joint: dict[str, int] = Counter()
    for t in db.query("SELECT lead, participants, items FROM tasks"):
        participants = json.loads(t["participants"])
        for code in json.loads(t["items"]):
            used[code] += 1
            if participants:
                joint[code] += 1
    inspected: dict[tuple[str, str], int] = Counter()
    for r in db.query("SELECT item, basis, COUNT(*) AS n FROM inspections GROUP BY item, basis"):
        inspected[(r["item"], r["basis"])] = r["n"]
    out = []
    for item in db.query("SELECT department, code, name FROM items ORDER BY department, code"):
        key = f"{item['department']}:{item['code']}"
        out.append(
            {
                "department": item["department"],
                "item": item["code"],
                "name": item["name"],
                "tasks": used[key],
                "joint_tasks": joint[key],
                "drawn_inspections": inspected[(key, "draw")],
                "case_inspections": inspected[(key, "case")],
                "arbitrary_inspections": inspected[(key, "none")],
            }
        )
    return out


def period_bounds(year: int, quarter: int | None) -> tuple[str, str]:
    if quarter is None:
        return f"{year}-01-01", f"{year}-12-31"
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start.isoformat(), (end - dt.timedelta(days=1)).isoformat()


def progress_report(
    db: sqlite_utils.Database, department: str, year: int, quarter: int | None, today: dt.date
) -> dict[str, Any]:
    """The quarterly report or (``quarter=None``) the annual summary as data (R10.6)."""
    start, end = period_bounds(year, quarter)
    span = (department, start, end)
    tasks = rows(
        db,
        "SELECT task, name, participants FROM tasks WHERE year = ? AND (lead = ? "
        "OR participants LIKE ?)",
        (year, department, f'%"{department}"%'),
    )
    checks = rows(
        db,
        "SELECT basis, COUNT(*) AS n FROM inspections WHERE department = ? AND "
        "checked_on BETWEEN ? AND ? GROUP BY basis",
        span,
    )
    results = rows(
        db,
        "SELECT result, COUNT(*) AS n FROM results WHERE department = ? AND "
        "formed_on BETWEEN ? AND ? GROUP BY result",
        span,
    )
    published = rows(
        db,
        "SELECT COUNT(*) AS n FROM results WHERE department = ? AND published_on BETWEEN ? AND ?",
        span,
    )[0]["n"]
    board = [
        d for d in deadlines(db, today, department=department) if d.due and start <= d.due <= end
    ]
    return {
        "department": department,
        "period": f"{year}-Q{quarter}" if quarter else str(year),
        "from": start,
        "to": end,
        "tasks": len(tasks),
        "joint_tasks": sum(1 for t in tasks if json.loads(t["participants"])),
        "inspections": {r["basis"]: r["n"] for r in checks},
        "results": {r["result"]: r["n"] for r in results},
        "published": published,
        "deadlines": dict(Counter(d.status for d in board)),
    }
