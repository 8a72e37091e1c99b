"""``calendar.amend``: the office amends the working-day calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ledger.areas.calendar.events import Calendar
from ledger.commanding import Command, Context, Outcome, Route
from ledger.fields import custom, text
from ledger.i18n import _
from ledger.ids import calendar_id
from ledger.params import Params
from ledger.roles import OFFICE


def read_days(p: Params, name: str) -> dict[str, bool]:
    """Dates (YYYY-MM-DD) mapped to true (a working day) or false (a day off)."""
    raw = p.raw.get(name)
    days: dict[str, bool] = {}
    if raw is None:
        p.fail(name, _("is required"))
        return days
    if not isinstance(raw, dict):
        p.fail(name, _("must map dates to true (working) or false (day off)"))
        return days
    for day, working in raw.items():
        try:
            dt.date.fromisoformat(day)
        except (TypeError, ValueError):
            p.fail(name, _("{day!r} is not YYYY-MM-DD", day=day))
            continue
        if not isinstance(working, bool):
            p.fail(name, _("{day}: true or false", day=day))
        days[day] = bool(working)
    return days


def read_years(p: Params, name: str) -> list[Any]:
    """Whole years (2000-2100) declared complete: every day not amended is as computed."""
    years = p.raw.get(name)
    if years is None:
        p.fail(name, _("is required"))
        return []
    if not isinstance(years, list) or not all(
        isinstance(y, int) and 2000 <= y <= 2100 for y in years
    ):
        p.fail(name, _("must be a list of years"))
        return []
    return years


@dataclass(frozen=True)
class AmendCalendar(Command):
    """Amend the working-day calendar (office): days and whole years."""

    ACTION = "calendar.amend"
    ROLES = frozenset({OFFICE})
    ROUTE = Route("POST", "/api/v1/calendar/amendments")

    days: dict[str, bool] = custom("map", read_days, values="boolean")
    declare_years: list[int] = custom("integers", read_years)
    note: str = text(max_length=500)

    def handle(self, ctx: Context) -> Outcome:
        found = ctx.ledger.find(calendar_id())
        calendar = found if isinstance(found, Calendar) else Calendar()
        calendar.amend(days=self.days, declare_years=tuple(self.declare_years), note=self.note)
        return Outcome([calendar], {"days": len(self.days), "declared_years": self.declare_years})


COMMANDS = (AmendCalendar,)
