"""The object directory (检查对象名录库, R4.1): imports and per-object changes."""

from __future__ import annotations

import json
from typing import Any

from ledger.areas.directory.events import DirectoryObject, ImportBatch, ObjectImport
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


@on(ObjectImport.Created.TOPIC)
def import_begun(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "import", s["import_id"], s["department"])
    b.touch("department", s["department"], position)


@on(ImportBatch.Created.TOPIC)
def import_batch(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.execute(
        "INSERT OR REPLACE INTO import_rows VALUES (?,?,?,?)",
        (s["import_id"], s["seq"], dumps(s["columns"]), dumps(s["rows"])),
    )
    at = s["columns"].index("id")
    b.trail.extend(("object", row[at], position) for row in s["rows"])


@on(ObjectImport.Completed.TOPIC)
def import_completed(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    import_id, _ = b.ident(stream)
    staged = b.execute(
        "SELECT columns, rows FROM import_rows WHERE import_id = ? ORDER BY seq", (import_id,)
    ).fetchall()
    for columns_text, rows_text in staged:
        columns = json.loads(columns_text)
        at = {c: i for i, c in enumerate(columns)}
        b.conn.executemany(
            "INSERT OR REPLACE INTO objects VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    r[at["id"]],
                    r[at["name"]],
                    r[at["kind"]],
                    r[at["region"]],
                    r[at["industry"]],
                    dumps(r[at["supervisors"]]),
                    r[at["credit_class"]],
                    dumps(r[at["penalties"]]),
                    r[at["complaints"]],
                    r[at["status"]],
                    position,
                )
                for r in json.loads(rows_text)
            ],
        )
    b.execute("DELETE FROM import_rows WHERE import_id = ?", (import_id,))


@on(DirectoryObject.Created.TOPIC)
def object_opened(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "object", s["object_key"])


def _supervised(b: Batch, key: str, department: str) -> bool:
    row = b.one("SELECT supervisors FROM objects WHERE id = ?", (key,))
    return bool(row) and department in json.loads(row[0])


@on(DirectoryObject.Updated.TOPIC)
def object_updated(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    key, _ = b.ident(stream)
    b.touch("object", key, position)
    if not _supervised(b, key, s["department"]):
        return
    for name, value in s["fields"].items():
        stored = dumps(value) if isinstance(value, list) else value
        b.execute(
            f"UPDATE objects SET {name} = ?, position = ? WHERE id = ?",
            (stored, position, key),
        )


@on(DirectoryObject.Closed.TOPIC)
def object_closed(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    key, _ = b.ident(stream)
    b.touch("object", key, position)
    if _supervised(b, key, s["department"]):
        b.execute(
            "UPDATE objects SET status = 'closed', position = ? WHERE id = ?", (position, key)
        )
