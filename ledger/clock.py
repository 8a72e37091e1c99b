"""Dates in China Standard Time (UTC+8, no daylight saving): deadlines are days there."""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


def china_date(moment: dt.datetime) -> dt.date:
    """The calendar date in China of an aware datetime (event timestamps are UTC)."""
    return moment.astimezone(CHINA).date()


def china_today() -> dt.date:
    return dt.datetime.now(CHINA).date()
