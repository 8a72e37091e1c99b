"""``report.submit``: a quarterly report or the annual summary (R10.6)."""

from __future__ import annotations

from dataclasses import dataclass

from ledger import formats
from ledger.areas.departments.rules import require_operator
from ledger.areas.reports.events import ProgressReport
from ledger.audit.hashing import sha256
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, RuleViolationError
from ledger.fields import choice, integer, optional_text, text
from ledger.ids import report_id
from ledger.params import Params
from ledger.roles import DEPARTMENT

#: The longest report text accepted, in characters (a written annual summary of a
#: county department runs to a few thousand).
REPORT_TEXT_MAX = 200_000


@dataclass(frozen=True)
class SubmitReport(Command):
    """Submit a quarterly report or the annual summary to the office (R10.6)."""

    ACTION = "report.submit"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/reports")

    kind: str = choice(("quarterly", "annual"))
    year: int = integer(minimum=2000, maximum=2100)
    quarter: int = integer(required=False, minimum=1, maximum=4)
    summary_sha256: str = text(max_length=64, pattern=r"[0-9a-f]{64}")
    note: str = text(required=False, max_length=1000)
    text: str | None = optional_text(
        max_length=REPORT_TEXT_MAX,
        description="The report itself (报送的书面材料, R10.6); its SHA-256 is summary_sha256.",
    )

    def check(self, params: Params) -> None:
        if self.text and sha256(self.text.encode()).hex() != self.summary_sha256:
            params.fail(
                "summary_sha256",
                "is not the SHA-256 of the report's text (UTF-8) / 与报告正文的摘要不一致",
            )

    def handle(self, ctx: Context) -> Outcome:
        department = require_operator(ctx)
        kind, year, quarter = self.kind, self.year, self.quarter
        if (kind == "quarterly") != bool(quarter):
            raise RuleViolationError(
                "a quarterly report names its quarter; the annual summary does not", rule="R10.6"
            )
        if not self.text and formats.since(ctx.ledger, 2):
            raise RuleViolationError(
                "a report carries its text, not only a digest "
                "(报送工作推进情况和年度书面总结须附正文)",
                rule="R10.6",
            )
        period = f"{year}-Q{quarter}" if kind == "quarterly" else str(year)
        if ctx.ledger.find(report_id(department, kind, period)) is not None:
            raise ConflictError(f"{department} already submitted its {kind} report for {period}")
        report = ProgressReport(
            department=department,
            kind=kind,
            period=period,
            submitted_on=ctx.today.isoformat(),
            summary_sha256=self.summary_sha256,
            note=self.note,
            text=self.text or "",
        )
        return Outcome([report], {"department": department, "kind": kind, "period": period})


COMMANDS = (SubmitReport,)
