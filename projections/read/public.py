"""What the public pages read (一公开, R3.4, R6.5, R9.1, R10.5): the publication feed with
names and filters, an object's public record, every published version of the item lists.

Only what is published: a withheld result is counted on its object's page, never shown;
an object's directory row gives its name and nothing else (credit class, complaints and
penalties are the departments' working data, not publications).
"""

from __future__ import annotations

import json
import re
from typing import Any

import sqlite_utils

from projections.read.sql import rows
from projections.store import SEARCH

#: 统一社会信用代码: 18 characters of digits and capital letters (GB 32100-2015).
USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
PAGE = 20


def names(db: sqlite_utils.Database) -> dict[str, dict[str, str]]:
    """Display names: departments by code, items by ``DEPT:CODE`` (current list first,
    then any published version, so a repealed item keeps its name)."""
    departments = {r["code"]: r["name"] for r in rows(db, "SELECT code, name FROM departments")}
    items: dict[str, str] = {}
    for r in rows(db, "SELECT department, items FROM item_versions ORDER BY version"):
        for item in json.loads(r["items"]):
            items[f"{r['department']}:{item['code']}"] = item["name"]
    for r in rows(db, "SELECT department, code, name FROM items"):
        items[f"{r['department']}:{r['code']}"] = r["name"]
    return {"departments": departments, "items": items}


def feed(
    db: sqlite_utils.Database,
    *,
    q: str | None = None,
    department: str | None = None,
    item: str | None = None,
    result: str | None = None,
    since: str | None = None,
    until: str | None = None,
    before: int | None = None,
    limit: int = PAGE,
) -> dict[str, Any]:
    """Published results, newest first, filtered; ``next`` is the ``before`` of the next
    page (keyset paging on the log position: the same cost on page 1 and page 50 000).

    ``q`` is a 统一社会信用代码 (an exact match) or part of a name."""
    limit = max(1, min(limit, 1000))
    sql = "SELECT * FROM publications WHERE 1 = 1"
    order = "position"
    params: list[Any] = []
    if q:
        q = q.strip()
        like = "%" + re.sub(r"([%_\\])", r"\\\1", q) + "%"
        if USCC.match(q.upper()):
            sql += " AND object = ?"
            params.append(q.upper())
        elif rows(db, "SELECT 1 FROM publications WHERE object = ? LIMIT 1", (q,)):
            sql += " AND object = ?"  # an object's own key, typed as it is
            params.append(q)
        elif len(q) >= 3:
            # Three characters or more: the trigram index finds the names that hold the
            # text, newest first, without scanning the table (SEARCH in projections/store.py);
            # LIKE on those few rows keeps the exact meaning of a substring search.
            sql = (
                f"SELECT p.* FROM {SEARCH} f JOIN publications p ON p.position = f.rowid "
                f"WHERE {SEARCH} MATCH ? AND (p.name LIKE ? ESCAPE '\\')"
            )
            params += ['"' + q.replace('"', '""') + '"', like]
            order = "f.rowid"
        else:
            sql += " AND (name LIKE ? ESCAPE '\\' OR object = ?)"
            params += [like, q]
    for column, value in (("department", department), ("item", item), ("result", result)):
        if value:
            sql += f" AND {column} = ?"
            params.append(value)
    if since:
        sql += " AND published_on >= ?"
        params.append(since)
    if until:
        sql += " AND published_on <= ?"
        params.append(until)
    if before is not None:
        sql += " AND position < ?"
        params.append(before)
    page = rows(db, sql + f" ORDER BY {order} DESC LIMIT ?", [*params, limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {"items": page, "next": page[-1]["position"] if more else None}


def publication(db: sqlite_utils.Database, position: int) -> dict[str, Any] | None:
    """One published result by the log position of its publication (its stable address)."""
    found = rows(db, "SELECT * FROM publications WHERE position = ?", (position,))
    return found[0] if found else None


def object_page(db: sqlite_utils.Database, key: str) -> dict[str, Any] | None:
    """An object's public record: its name, its published results (newest first) and how
    many of its results were withheld by law (the count only); ``None`` if unknown."""
    found = rows(db, "SELECT id, name, kind FROM objects WHERE id = ?", (key,))
    published = rows(
        db, "SELECT * FROM publications WHERE object = ? ORDER BY position DESC", (key,)
    )
    if not found and not published:
        return None
    withheld = rows(
        db,
        "SELECT COUNT(*) AS n FROM results WHERE object = ? AND withheld_on IS NOT NULL",
        (key,),
    )[0]["n"]
    head = found[0] if found else {"id": key, "name": published[0]["name"], "kind": None}
    return {**head, "published": published, "withheld": withheld}


def item_versions(db: sqlite_utils.Database, department: str) -> list[dict[str, Any]]:
    """Every published version of a department's item list, newest first, with its reason
    and note (drafts are not publications)."""
    found = rows(
        db,
        "SELECT version, reason, note, items, published_on, position FROM item_versions "
        "WHERE department = ? AND position IS NOT NULL ORDER BY version DESC",
        (department,),
    )
    return [{**r, "items": json.loads(r["items"])} for r in found]


def draws(db: sqlite_utils.Database, limit: int = 50) -> list[dict[str, Any]]:
    """The latest draws with their task's name and lead, newest first."""
    return rows(
        db,
        "SELECT d.task, d.draw, d.commitment_hash, d.eligible, d.drawn, d.seed, d.position, "
        "t.name, t.lead FROM draws d LEFT JOIN tasks t ON t.task = d.task "
        "ORDER BY d.position DESC LIMIT ?",
        (limit,),
    )


def object_names(db: sqlite_utils.Database, keys: list[str]) -> dict[str, str]:
    """Names of these objects (those the directory knows)."""
    out: dict[str, str] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for r in rows(db, f"SELECT id, name FROM objects WHERE id IN ({marks})", chunk):
            out[r["id"]] = r["name"]
    return out
