"""Quarterly reports and the annual summary (R10.6)."""

from __future__ import annotations

from typing import Any

from ledger.areas.reports.events import ProgressReport
from projections.batch import Batch, Handlers

HANDLERS = Handlers()
on = HANDLERS.on


@on(ProgressReport.Created.TOPIC)
def report_submitted(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.execute(
        "INSERT OR REPLACE INTO reports VALUES (?,?,?,?,?,?)",
        (s["department"], s["kind"], s["period"], s["submitted_on"], s["summary_sha256"], position),
    )
    if s.get("text"):
        b.execute(
            "INSERT OR REPLACE INTO report_texts VALUES (?,?,?,?)",
            (s["department"], s["kind"], s["period"], s["text"]),
        )
    b.touch("department", s["department"], position)
