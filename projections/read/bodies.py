"""The register of qualified bodies (有资质的机构, R8.1), the delegating departments'
guidance, supervision and evaluation records (R8.2), and the delegated checks citing each."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from projections.read.sql import decoded, rows

#: The keys that name one delegated check (the inspections table's key).
DELEGATION_KEYS = ("basis", "reference", "object", "item")


def delegation_key(record: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(record[k]) for k in DELEGATION_KEYS)


def delegations(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every delegated check (R8.1) with the body it cites, the delegating department
    (the item's), the service, the digest of the body's conclusion it adopted, the
    result entered for the check (if one is), and the supervision and evaluation records
    citing it (R8.2)."""
    records: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows(db, "SELECT * FROM body_records WHERE delegation IS NOT NULL ORDER BY position"):
        cited = json.loads(r["delegation"])
        records.setdefault((r["body"], *delegation_key(cited)), []).append(
            {k: r[k] for k in ("position", "kind", "held_on", "rating")}
        )
    out = []
    for r in rows(
        db,
        "SELECT i.*, r.result FROM inspections i LEFT JOIN results r ON r.object = i.object "
        "AND r.basis = i.basis AND r.reference = i.reference AND r.item = i.item "
        "WHERE i.delegated IS NOT NULL ORDER BY i.position",
    ):
        delegated = json.loads(r["delegated"])
        row = {
            "basis": r["basis"],
            "reference": r["reference"],
            "object": r["object"],
            "item": r["item"],
            "department": r["item"].partition(":")[0],
            "checked_on": r["checked_on"],
            "body": delegated.get("body"),
            "service": delegated.get("kind"),
            "conclusion_sha256": delegated.get("conclusion_sha256"),
            "result": r["result"],
            "position": r["position"],
        }
        row["records"] = records.get((row["body"], *delegation_key(row)), [])
        out.append(row)
    return out


def bodies(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every registered body, with its oversight records and the delegated checks citing
    it (each with the records that cite it, R8.2)."""
    checks = delegations(db)
    out = []
    for body in rows(db, "SELECT * FROM bodies ORDER BY body"):
        records = [
            decoded(r, "delegation")
            for r in rows(
                db,
                "SELECT r.*, d.name AS department_name FROM body_records r "
                "LEFT JOIN departments d ON d.code = r.department WHERE r.body = ? "
                "ORDER BY r.position",
                (body["body"],),
            )
        ]
        cited = [
            {
                **{k: c[k] for k in ("object", "basis", "reference", "item", "checked_on")},
                # the delegating department: the item's, who supervises the body (R8.2)
                "department": c["department"],
                "service": c["service"],
                "conclusion_sha256": c["conclusion_sha256"],
                "result": c["result"],
                "evaluated_on": [r["held_on"] for r in c["records"] if r["kind"] == "evaluation"],
            }
            for c in checks
            if c["body"] == body["body"]
        ]
        out.append({**decoded(body, "services"), "records": records, "delegated_checks": cited})
    return out
