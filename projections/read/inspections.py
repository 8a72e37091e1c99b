"""A drawn object's checklist (进一次门、查多项事, R6.1, R6.6): its obligations on the
joint visit, as the ``obligations`` table holds them.

The draws projector writes one row per drawn object and item on its checklist (the
draw's recorded checklist; a draw run before matching v2 recorded none, so its
checklist is what its matching staffed: every task item for the object's kind), due by
the task's planned end; the inspections projector marks a row checked (the first check
of that item on that draw's basis) or excused (``inspection.excuse``, with its reason).
Judged as of a day, an obligation is ``checked``, ``excused``, ``due`` (the task has not
ended) or ``overdue``. Invariant: every row names its object, item and department,
and the reads give their names beside the codes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlite_utils

from ledger.errors import NotFoundError
from ledger.i18n import _
from projections.read.sql import rows

#: An obligation's status as judged, in Chinese.
OBLIGATION_STATUS = {
    "checked": "已检查",
    "excused": "已说明理由免查",
    "due": "待检查",
    "overdue": "逾期未查",
}

_SELECT = (
    "SELECT o.*, ob.name AS object_name, d.name AS department_name, ti.name AS item_name "
    "FROM obligations o LEFT JOIN objects ob ON ob.id = o.object "
    "LEFT JOIN departments d ON d.code = o.department "
    "LEFT JOIN task_items ti ON ti.task = o.task AND ti.item = o.item"
)
#: Obligations on objects a person was sent to, for that person's own department.
_SENT = (
    "EXISTS (SELECT 1 FROM assignments a, json_each(a.team) j JOIN inspectors i "
    "ON i.person = j.value WHERE a.task = o.task AND a.draw = o.draw AND a.object = o.object "
    "AND j.value = ? AND i.unit = o.department)"
)


def status_of(row: dict[str, Any], today: dt.date) -> str:
    """``checked``, ``excused``, ``due`` or ``overdue`` (after the task's planned end)."""
    if row["checked_on"]:
        return "checked"
    if row["excused_on"]:
        return "excused"
    return "overdue" if row["due"] and row["due"] < today.isoformat() else "due"


def about(row: dict[str, Any]) -> str:
    """The obligation in names: object, item, department (codes beside them)."""
    return (
        f"{row.get('object_name') or row['object']}（{row['object']}）· "
        f"{row.get('item_name') or row['item']}（{row['item']}）· "
        f"{row.get('department_name') or row['department']}"
    )


def obligations(
    db: sqlite_utils.Database,
    today: dt.date,
    *,
    task: str | None = None,
    draw: int | None = None,
    object: str | None = None,
    department: str | None = None,
    person: str | None = None,
) -> list[dict[str, Any]]:
    """Obligations, with names and their status as of ``today``, in log order."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("o.task", task),
        ("o.draw", draw),
        ("o.object", object),
        ("o.department", department),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if person is not None:
        where.append(_SENT)
        params.append(person)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
    out = []
    for row in rows(db, sql + " ORDER BY o.position, o.rank", params):
        status = status_of(row, today)
        out.append(
            {**row, "status": status, "status_name": OBLIGATION_STATUS[status], "about": about(row)}
        )
    return out


def checklist(
    db: sqlite_utils.Database, task: str, number: int, obj: str, today: dt.date
) -> dict[str, Any]:
    """A drawn object's checklist: each item, its department, who of the team that
    department sent, and whether it is checked, excused, due or overdue (R6.1)."""
    found = rows(
        db,
        "SELECT a.team, ob.name FROM assignments a LEFT JOIN objects ob ON ob.id = a.object "
        "WHERE a.task = ? AND a.draw = ? AND a.object = ?",
        (task, number, obj),
    )
    if not found:
        raise NotFoundError(
            _("{obj} was not drawn in {task}/{number}", obj=obj, task=task, number=number)
        )
    team = json.loads(found[0]["team"])
    units = {
        r["person"]: r["unit"]
        for r in rows(
            db,
            f"SELECT person, unit FROM inspectors WHERE person IN ({', '.join('?' * len(team))})",
            team,
        )
    }
    items = obligations(db, today, task=task, draw=number, object=obj)
    for item in items:
        item["sent"] = [p for p in team if units.get(p) == item["department"]]
    return {
        "task": task,
        "draw": number,
        "object": obj,
        "object_name": found[0]["name"],
        "team": team,
        "as_of": today.isoformat(),
        "items": items,
    }
