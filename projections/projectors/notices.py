"""Notices naming a unit (通报批评) and their rectification (整改), R10.2."""

from __future__ import annotations

from typing import Any

from ledger.areas.notices.events import Notice
from projections.batch import Batch, Handlers

HANDLERS = Handlers()
on = HANDLERS.on


@on(Notice.Created.TOPIC)
def notice_issued(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "notice", s["notice"], s["department"])
    b.execute(
        "INSERT OR REPLACE INTO notices VALUES (?,?,?,?,?,?,?,NULL,NULL,?,NULL)",
        (
            s["notice"],
            s["department"],
            s["finding"],
            s["rectification"],
            s["rule"],
            s["issued_on"],
            s["due"],
            position,
        ),
    )
    b.deadline("rectification", s["notice"], s["department"], position, due=s["due"])
    b.touch("department", s["department"], position)


@on(Notice.Rectified.TOPIC)
def notice_rectified(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    notice, department = b.ident(stream)
    b.execute(
        "UPDATE notices SET done_on = ?, account = ?, done_position = ? WHERE notice = ?",
        (s["done_on"], s["account"], position, notice),
    )
    b.done("rectification", notice, s["done_on"], position)
    b.touch("department", department, position)
