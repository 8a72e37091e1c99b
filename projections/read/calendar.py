"""The working-day calendar as the log holds it now."""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from ledger.workdays import WorkCalendar


def work_calendar(db: sqlite_utils.Database) -> WorkCalendar:
    """The package's calendar plus every amendment the office has recorded."""
    days = {
        dt.date.fromisoformat(r["day"]): bool(r["working"])
        for r in db.query("SELECT day, working FROM calendar_days")
    }
    years = [r["year"] for r in db.query("SELECT year FROM calendar_years")]
    return WorkCalendar(days, years)
