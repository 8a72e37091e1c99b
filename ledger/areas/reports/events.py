"""Quarterly reports, the annual summary and the office's collation for the level above (R10.6)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import collation_id, report_id


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
        #: recorded before it was added (schema 1), which load with an empty text.
        text: str

        # Schema 2 added ``text``: the entry records the schema an event was written at,
        # and a replay compares an older one after this upcast (issue 11.1).
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["text"] = ""

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


class Collation(Aggregate):
    """The office's collation of the departments' reports for the level above (梳理汇总后，
    向上级联席会议报送, R10.6): generated from the log, recorded when sent."""

    TOPIC = "shuangsui.collation"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.report.collated"
        period: str
        recipient: str
        sent_on: str
        content: dict[str, Any]
        content_sha256: str

    @event(Created)
    def __init__(
        self,
        period: str,
        recipient: str,
        sent_on: str,
        content: dict[str, Any],
        content_sha256: str,
    ) -> None:
        self.period = period
        self.sent_on = sent_on
        self.content_sha256 = content_sha256

    @staticmethod
    def create_id(period: str, **_: Any) -> UUID:
        return collation_id(period)
