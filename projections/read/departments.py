"""Member departments (成员单位) and their sections (股室), R10.1."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from projections.read.sql import decoded, rows


def departments(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every registered department: code, name, kind and sections, by code."""
    return [decoded(r, "sections") for r in rows(db, "SELECT * FROM departments ORDER BY code")]


def department_exists(db: sqlite_utils.Database, code: str) -> bool:
    return bool(rows(db, "SELECT 1 FROM departments WHERE code = ?", (code,)))
