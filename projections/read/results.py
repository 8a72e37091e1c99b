"""Results across departments (结果互认, R9.3) and the public publication feed (R9.1)."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from projections.read.sql import rows


def results(
    db: sqlite_utils.Database,
    *,
    after: int,
    limit: int,
    object: str | None = None,
    department: str | None = None,
) -> list[dict[str, Any]]:
    """Results entered after log position ``after``, in log order, at most ``limit``."""
    sql = "SELECT * FROM results WHERE position > ?"
    params: list[Any] = [after]
    for name, value in (("object", object), ("department", department)):
        if value:
            sql += f" AND {name} = ?"
            params.append(value)
    return rows(db, sql + " ORDER BY position LIMIT ?", [*params, limit])


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
