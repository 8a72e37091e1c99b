"""The inspector directory (执法检查人员名录库, R4.2): records and pending changes."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from projections.read.sql import decoded, rows


def inspector(db: sqlite_utils.Database, person: str) -> dict[str, Any] | None:
    """One inspector's effective record (``record``: the approved fields), or ``None``."""
    found = rows(db, "SELECT * FROM inspectors WHERE person = ?", (person,))
    return decoded(found[0], "record") if found else None


def pending_proposals(
    db: sqlite_utils.Database, department: str | None = None
) -> list[dict[str, Any]]:
    """Inspector-directory changes waiting for the judicial department (R4.2), by person
    and then in the order proposed."""
    sql = (
        "SELECT person, proposal, department, action, fields FROM inspector_proposals "
        "WHERE decision IS NULL"
    )
    params: list[Any] = []
    if department is not None:
        sql += " AND department = ?"
        params.append(department)
    return [decoded(r, "fields") for r in rows(db, sql + " ORDER BY person, position", params)]
