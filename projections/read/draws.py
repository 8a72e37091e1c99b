"""Draws (摇号, R7.4, R7.5): commitment, seed, assignments after recusals."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from projections.read.sql import decoded, rows


def draw(db: sqlite_utils.Database, task: str, number: int) -> dict[str, Any] | None:
    """A draw: its commitment, seed, assignments (after recusals), recusals and (v2) the
    lead's recusal requests with their status, or ``None``."""
    found = rows(db, "SELECT * FROM draws WHERE task = ? AND draw = ?", (task, number))
    if not found:
        return None
    assignments = rows(
        db,
        'SELECT object, stratum, team, "order" FROM assignments WHERE task = ? '
        'AND draw = ? ORDER BY "order"',
        (task, number),
    )
    return {
        **found[0],
        "assignments": [decoded(a, "team") for a in assignments],
        "recusals": rows(db, "SELECT * FROM recusals WHERE task = ? AND draw = ?", (task, number)),
        "recusal_requests": rows(
            db,
            "SELECT * FROM recusal_requests WHERE task = ? AND draw = ? ORDER BY position",
            (task, number),
        ),
    }
