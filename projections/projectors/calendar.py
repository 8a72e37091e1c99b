"""The office's working-day calendar amendments."""

from __future__ import annotations

from typing import Any

from ledger.areas.calendar.events import Calendar
from projections.batch import Batch, Handlers

HANDLERS = Handlers()
on = HANDLERS.on


@on(Calendar.Amended.TOPIC)
def calendar_amended(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.conn.executemany(
        "INSERT OR REPLACE INTO calendar_days VALUES (?,?)",
        [(day, int(working)) for day, working in s["days"].items()],
    )
    b.conn.executemany(
        "INSERT OR IGNORE INTO calendar_years VALUES (?)", [(year,) for year in s["declare_years"]]
    )
