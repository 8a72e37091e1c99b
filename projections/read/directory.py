"""The object directory (检查对象名录库, R4.1) with every result recorded for an object."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from projections.read.public import names
from projections.read.sql import rows


def object_record(db: sqlite_utils.Database, key: str) -> dict[str, Any] | None:
    """An object's directory row with every result any department entered for it (R5.1,
    R9.3: results are recognised across departments) and its credit record: the verified
    violations, penalty cases and judicial referrals recorded under its name (记于市场主体
    名下, R5.4). ``penalties`` holds the imported penalty days and those of the penalty
    cases the log records, as the draw counts them (R5.3)."""
    found = rows(db, "SELECT * FROM objects WHERE id = ?", (key,))
    if not found:
        return None
    record = found[0]
    for name in ("supervisors", "penalties"):
        record[name] = json.loads(record[name])
    record["results"] = rows(db, "SELECT * FROM results WHERE object = ? ORDER BY position", (key,))
    record["credit_record"] = rows(
        db,
        "SELECT kind, day, department, item, basis, reference, position FROM credit_record "
        "WHERE object = ? ORDER BY position",
        (key,),
    )
    logged = {e["day"] for e in record["credit_record"] if e["kind"] == "penalty_case"}
    record["penalties"] = sorted(set(record["penalties"]) | logged)
    return record


#: The credit record's kinds with their Chinese names (R5.4, 记于市场主体名下).
CREDIT_KIND_NAMES = {
    "violation": "查实违法违规",
    "penalty_case": "立案处罚",
    "judicial_referral": "移送司法机关",
}


def credit_record(db: sqlite_utils.Database, key: str) -> dict[str, Any] | None:
    """An object's credit record as an official reads it (R5.1, R5.4): its name, credit
    class, imported penalties and verified complaints, and every entry the log records
    under its name, each with the department's and the item's names beside the codes.
    None if the directory has no such object."""
    record = object_record(db, key)
    if record is None:
        return None
    named = names(db)
    entries = [
        {
            **entry,
            "kind_name": CREDIT_KIND_NAMES.get(entry["kind"], entry["kind"]),
            "department_name": named["departments"].get(entry["department"]),
            "item_name": named["items"].get(entry["item"]),
        }
        for entry in record["credit_record"]
    ]
    return {
        "object": record["id"],
        "name": record.get("name"),
        "kind": record.get("kind"),
        "credit_class": record.get("credit_class"),
        "penalties": record["penalties"],
        "complaints": record.get("complaints"),
        "entries": entries,
    }
