"""Notices naming a unit (通报批评) and whether their rectification is done (R10.2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlite_utils

from projections.read.sql import rows

#: What a notice's state reads as, in Chinese first.
STATES = {
    "rectified": "已整改",
    "rectified late": "逾期整改",
    "open": "整改中",
    "overdue": "逾期未整改",
}


def state(row: dict[str, Any], today: dt.date) -> str:
    if row["done_on"]:
        return "rectified late" if row["done_on"] > row["due"] else "rectified"
    return "overdue" if today.isoformat() > row["due"] else "open"


def notices(
    db: sqlite_utils.Database,
    today: dt.date,
    *,
    department: str | None = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Every notice, oldest first, with the named unit's name and its state as of ``today``."""
    found = rows(
        db,
        "SELECT n.*, d.name AS department_name FROM notices n "
        "LEFT JOIN departments d ON d.code = n.department"
        + (" WHERE n.department = ?" if department else "")
        + " ORDER BY n.position",
        (department,) if department else (),
    )
    out = []
    for row in found:
        row["state"] = state(row, today)
        row["state_zh"] = STATES[row["state"]]
        if open_only and row["done_on"]:
            continue
        out.append(row)
    return out
