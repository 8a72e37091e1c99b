"""Annual plans (年度抽查计划, R6): name, version, publication date, late or not."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from projections.read.sql import rows


def plan(db: sqlite_utils.Database, department: str, year: int) -> dict[str, Any] | None:
    """A department's plan for a year, or ``None``."""
    found = rows(db, "SELECT * FROM plans WHERE department = ? AND year = ?", (department, year))
    return found[0] if found else None
