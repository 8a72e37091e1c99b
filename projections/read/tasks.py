"""Joint tasks (联合抽查任务, R7.1-R7.4) and the task ledger (R10.3)."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from projections.read.sql import decoded, rows


def task(db: sqlite_utils.Database, code: str) -> dict[str, Any] | None:
    """A joint task with its participants, items, inspectors and draws, or ``None``."""
    found = rows(db, "SELECT * FROM tasks WHERE task = ?", (code,))
    if not found:
        return None
    draws = rows(db, "SELECT * FROM draws WHERE task = ?", (code,))
    return {**decoded(found[0], "participants", "items", "inspectors"), "draws": draws}


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
