"""``calendar.amend``: the office amends the working-day calendar."""

from __future__ import annotations

import datetime as dt

from ledger.areas.calendar.events import Calendar
from ledger.areas.ids import stream_id
from ledger.commanding import Context, Outcome, command


@command("calendar.amend", "Amend the working-day calendar (office): days and whole years.")
def amend(ctx: Context) -> Outcome:
    ctx.require_role("office")
    p = ctx.params
    raw = p.raw.get("days", {})
    days: dict[str, bool] = {}
    if not isinstance(raw, dict):
        p.fail("days", "must map dates to true (working) or false (day off)")
    else:
        for day, working in raw.items():
            try:
                dt.date.fromisoformat(day)
            except (TypeError, ValueError):
                p.fail("days", f"{day!r} is not YYYY-MM-DD")
                continue
            if not isinstance(working, bool):
                p.fail("days", f"{day}: true or false")
            days[day] = bool(working)
    years = p.raw.get("declare_years", [])
    if not isinstance(years, list) or not all(
        isinstance(y, int) and 2000 <= y <= 2100 for y in years
    ):
        p.fail("declare_years", "must be a list of years")
        years = []
    note = p.text("note", max_length=500)
    p.done()
    found = ctx.ledger.find(stream_id("calendar"))
    calendar = found if isinstance(found, Calendar) else Calendar()
    calendar.amend(days=days, declare_years=tuple(years), note=note)
    return Outcome([calendar], {"days": len(days), "declared_years": years})
