"""The task ledger's own entries (工作任务台账, R10.3): who (section, person) owes what by when."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from projections.read.sql import rows


def entries(
    db: sqlite_utils.Database,
    *,
    department: str | None = None,
    section: str | None = None,
    person: str | None = None,
) -> list[dict[str, Any]]:
    """Entries assigned to sections and people (beyond the draw's assignments), by due date."""
    where, params = [], []
    for name, value in (("w.department", department), ("w.section", section), ("w.person", person)):
        if value:
            where.append(f"{name} = ?")
            params.append(value)
    return rows(
        db,
        "SELECT w.*, d.name AS department_name, i.name AS person_name FROM work_entries w "
        "LEFT JOIN departments d ON d.code = w.department "
        "LEFT JOIN inspectors i ON i.person = w.person"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY w.due, w.department, w.entry",
        params,
    )
