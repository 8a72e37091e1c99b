"""The working-day calendar's amendments, recorded by the office."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import calendar_id


class Calendar(Aggregate):
    """The office's amendments to the official working-day calendar (one stream)."""

    TOPIC = "shuangsui.calendar"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.calendar.opened"

    class Amended(Aggregate.Event):
        TOPIC = "shuangsui.calendar.amended"
        days: dict[str, bool]
        declare_years: tuple[int, ...]
        note: str

    @event(Created)
    def __init__(self) -> None:
        self.days: dict[str, bool] = {}
        self.years: set[int] = set()

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return calendar_id()

    @event(Amended)
    def amend(self, days: dict[str, bool], declare_years: tuple[int, ...], note: str) -> None:
        self.days.update(days)
        self.years.update(declare_years)
