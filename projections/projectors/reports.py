"""Quarterly reports and the annual summary (R10.6)."""

from __future__ import annotations

from typing import Any

from ledger.areas.reports.events import Appraisal, Collation, ProgressReport
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


@on(ProgressReport.Created.TOPIC)
def report_submitted(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.execute(
        "INSERT OR REPLACE INTO reports VALUES (?,?,?,?,?,?)",
        (s["department"], s["kind"], s["period"], s["submitted_on"], s["summary_sha256"], position),
    )
    if s.get("text") or s.get("file"):
        b.execute(
            "INSERT OR REPLACE INTO report_texts VALUES (?,?,?,?,?,?)",
            (
                s["department"],
                s["kind"],
                s["period"],
                s.get("text") or None,
                s.get("media_type") or "text/plain; charset=utf-8",
                s.get("file") or None,
            ),
        )
    b.touch("department", s["department"], position)


@on(Collation.Created.TOPIC)
def collated(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.execute(
        "INSERT OR REPLACE INTO collations VALUES (?,?,?,?,?,?)",
        (
            s["period"],
            s["recipient"],
            s["sent_on"],
            dumps(s["content"]),
            s["content_sha256"],
            position,
        ),
    )


@on(Appraisal.Created.TOPIC)
def appraised(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.execute(
        "INSERT OR REPLACE INTO appraisals VALUES (?,?,?,?,?,?)",
        (
            s["year"],
            s["recipient"],
            s["sent_on"],
            dumps(s["content"]),
            s["content_sha256"],
            position,
        ),
    )
