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
        #: The report itself (R10.6: the text, not only a reference); absent on reports
        #: recorded before format 2.
        text: str

    @event(Created)
    def __init__(
        self,
        department: str,
        kind: str,
        period: str,
        submitted_on: str,
        summary_sha256: str,
        note: str,
        text: str = "",
    ) -> None:
        self.department = department
        self.kind = kind
        self.period = period
        self.submitted_on = submitted_on
        self.summary_sha256 = summary_sha256
        self.text = text

    @staticmethod
    def create_id(department: str, kind: str, period: str, **_: Any) -> UUID:
        return report_id(department, kind, period)
