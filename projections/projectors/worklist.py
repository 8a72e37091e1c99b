"""The task ledger's own entries (工作任务台账, R10.3), with their time nodes."""

from __future__ import annotations

from typing import Any

from ledger.areas.worklist.events import WorkEntry
from projections.batch import Batch, Handlers

HANDLERS = Handlers()
on = HANDLERS.on


@on(WorkEntry.Created.TOPIC)
def work_assigned(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "work", s["department"], s["entry"])
    b.execute(
        "INSERT OR REPLACE INTO work_entries VALUES (?,?,?,?,?,?,?,?,NULL,NULL,?,NULL)",
        (
            s["department"],
            s["entry"],
            s["title"],
            s["section"],
            s["person"],
            s["source"],
            s["assigned_on"],
            s["due"],
            position,
        ),
    )
    subject = f"{s['department']}/{s['entry']}"
    b.deadline("work", subject, s["department"], position, due=s["due"])
    b.touch("department", s["department"], position)
    b.touch("person", s["person"], position)


@on(WorkEntry.Completed.TOPIC)
def work_completed(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    department, entry = b.ident(stream)
    b.execute(
        "UPDATE work_entries SET done_on = ?, note = ?, done_position = ? "
        "WHERE department = ? AND entry = ?",
        (s["done_on"], s["note"], position, department, entry),
    )
    b.done("work", f"{department}/{entry}", s["done_on"], position)
    b.touch("department", department, position)
