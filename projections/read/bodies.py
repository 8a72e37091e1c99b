"""The register of qualified bodies (有资质的机构, R8.1), the delegating departments'
guidance, supervision and evaluation records (R8.2), and the delegated checks citing each."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from projections.read.sql import decoded, rows


def bodies(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every registered body, with its oversight records and the delegated checks citing it."""
    out = []
    for body in rows(db, "SELECT * FROM bodies ORDER BY body"):
        records = rows(
            db,
            "SELECT r.*, d.name AS department_name FROM body_records r "
            "LEFT JOIN departments d ON d.code = r.department WHERE r.body = ? "
            "ORDER BY r.position",
            (body["body"],),
        )
        cited = [
            {k: r[k] for k in ("object", "basis", "reference", "item", "department", "checked_on")}
            for r in rows(
                db,
                "SELECT * FROM inspections WHERE delegated IS NOT NULL ORDER BY position",
            )
            if json.loads(r["delegated"]).get("body") == body["body"]
        ]
        out.append({**decoded(body, "services"), "records": records, "delegated_checks": cited})
    return out
