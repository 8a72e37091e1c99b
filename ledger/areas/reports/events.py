"""Quarterly reports and the annual summary (R10.6)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import report_id


class ProgressReport(Aggregate):
    """A department's quarterly progress report or annual summary to the office (R10.6)."""

    TOPIC = "shuangsui.report"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.report.submitted"
        department: str
        kind: str
        period: str
        submitted_on: str
        summary_sha256: str
        note: str

    @event(Created)
    def __init__(
        self,
        department: str,
        kind: str,
        period: str,
        submitted_on: str,
        summary_sha256: str,
        note: str,
    ) -> None:
        self.department = department
        self.kind = kind
        self.period = period

    @staticmethod
    def create_id(department: str, kind: str, period: str, **_: Any) -> UUID:
        return report_id(department, kind, period)
