"""Quarterly reports, the annual summary and the office's collation for the level above (R10.6)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import appraisal_id, collation_id, report_id

#: The media type of a report filed as text (R10.6).
TEXT_MEDIA_TYPE = "text/plain; charset=utf-8"


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
        #: The report's media type: ``text/plain; charset=utf-8`` for a text, the file's
        #: own (``application/pdf`` ...) for a file, empty for a digest-only report.
        media_type: str
        #: A report filed as a file of any type (a PDF, a DOCX ...): its bytes, in
        #: canonical base64 (the log is JSON); empty for a text or digest-only report.
        #: ``summary_sha256`` is the SHA-256 of these bytes.
        file: str

        # Schema 2 added ``text``, schema 3 ``media_type`` and ``file``: the entry records
        # the schema an event was written at, and a replay compares an older one after
        # these upcasts (issue 11.1).
        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["text"] = ""

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["media_type"] = TEXT_MEDIA_TYPE if state["text"] else ""
            state["file"] = ""

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
        media_type: str = "",
        file: str = "",
    ) -> None:
        self.department = department
        self.kind = kind
        self.period = period
        self.submitted_on = submitted_on
        self.summary_sha256 = summary_sha256
        self.text = text
        self.media_type = media_type
        self.file = file

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


class Appraisal(Aggregate):
    """The office's yearly appraisal input, sent to the government's performance appraisal
    (纳入政府绩效考核体系, R10.2): per member department the facts the log gives
    (:mod:`ledger.areas.reports.appraisal`), signed by the office and equal, when recorded,
    to what the log computes (the handler recomputes it, and so does a replay)."""

    TOPIC = "shuangsui.appraisal"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.report.appraised"
        year: int
        recipient: str
        sent_on: str
        content: dict[str, Any]
        content_sha256: str

    @event(Created)
    def __init__(
        self, year: int, recipient: str, sent_on: str, content: dict[str, Any], content_sha256: str
    ) -> None:
        self.year = year
        self.sent_on = sent_on
        self.content_sha256 = content_sha256

    @staticmethod
    def create_id(year: int, **_: Any) -> UUID:
        return appraisal_id(year)
