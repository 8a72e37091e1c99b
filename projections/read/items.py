"""Item lists (抽查事项清单, R3): the current published items, the R3.3 report, and
coverage (R1.2) per department and item."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import sqlite_utils

from projections.read.departments import department_exists
from projections.read.sql import rows


def item_list(db: sqlite_utils.Database, department: str) -> list[dict[str, Any]] | None:
    """A department's published items (the current version), by code; ``None`` when
    there is no such department (a department with no published list has none)."""
    found = rows(db, "SELECT * FROM items WHERE department = ? ORDER BY code", (department,))
    if not found and not department_exists(db, department):
        return None
    return found


def published_items(db: sqlite_utils.Database, department: str) -> tuple[int | None, list[Any]]:
    """(version, items) of the department's latest published list; (None, []) if none."""
    found = rows(
        db,
        "SELECT version, items FROM item_versions WHERE department = ? AND position IS NOT NULL "
        "ORDER BY position DESC LIMIT 1",
        (department,),
    )
    return (found[0]["version"], json.loads(found[0]["items"])) if found else (None, [])


def item_report(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per department: key items and the caps of general items (R3.3)."""
    report = []
    for department in rows(db, "SELECT code, name FROM departments ORDER BY code"):
        version, listed = published_items(db, department["code"])
        items = {i["code"]: i for i in listed}
        general = {code: i["ratio_cap"] for code, i in items.items() if i["category"] == "general"}
        report.append(
            {
                "department": department["code"],
                "name": department["name"],
                "published_version": version,
                "key_items": sum(1 for i in items.values() if i["category"] == "key"),
                "general_items": len(general),
                "general_caps": general,
                "highest_cap": max(general.values(), default=None, key=float),
            }
        )
    return report


def coverage(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per department and item (R1.2): on the list, used in a joint task, inspected, and
    how: drawn, case lead, or arbitrary."""
    used: dict[str, int] = Counter()
    joint: dict[str, int] = Counter()
    for t in db.query("SELECT lead, participants, items FROM tasks"):
        participants = json.loads(t["participants"])
        for code in json.loads(t["items"]):
            used[code] += 1
            if participants:
                joint[code] += 1
    inspected: dict[tuple[str, str], int] = Counter()
    for r in db.query("SELECT item, basis, COUNT(*) AS n FROM inspections GROUP BY item, basis"):
        inspected[(r["item"], r["basis"])] = r["n"]
    out = []
    for item in db.query("SELECT department, code, name FROM items ORDER BY department, code"):
        key = f"{item['department']}:{item['code']}"
        out.append(
            {
                "department": item["department"],
                "item": item["code"],
                "name": item["name"],
                "tasks": used[key],
                "joint_tasks": joint[key],
                "drawn_inspections": inspected[(key, "draw")],
                "case_inspections": inspected[(key, "case")],
                "arbitrary_inspections": inspected[(key, "none")],
            }
        )
    return out
