"""The object directory (检查对象名录库, R4.1) with every result recorded for an object."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from projections.read.sql import rows


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
