"""The working-day calendar a command's handler may use: the one the log records.

A handler reads nothing but the log, the command and its signed ``created`` time
(issue 11.1), so a replay years later decides exactly as the ledger did. The
``chinesecalendar`` package is data that changes with each release (a newly announced
year, a corrected holiday); a rule in a handler that counted working days with it could
decide differently on replay. :func:`recorded_calendar` is built from the calendar
area's stream alone -- the office's amendments and the years it declared -- and refuses
a date in a year the office has not recorded rather than ask the package.
(Projections and reads may still use the official calendar: they are rebuilt, not
replayed.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from ledger.areas.calendar.events import Calendar
from ledger.ids import calendar_id
from ledger.workdays import WorkCalendar


class _Finds(Protocol):
    def find(self, aggregate_id: Any) -> Any | None: ...


def recorded_calendar(ledger: _Finds) -> WorkCalendar:
    """The working-day calendar as recorded in ``ledger`` (``ctx.ledger``), never
    consulting the ``chinesecalendar`` package."""
    found = ledger.find(calendar_id())
    if not isinstance(found, Calendar):
        return WorkCalendar(official=False)
    return WorkCalendar(
        {dt.date.fromisoformat(day): bool(working) for day, working in found.days.items()},
        found.years,
        official=False,
    )
