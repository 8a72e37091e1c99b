"""``report.submit``: a quarterly report or the annual summary (R10.6)."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.areas.departments.rules import require_operator
from ledger.areas.reports.events import ProgressReport
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, RuleViolationError
from ledger.fields import choice, integer, text
from ledger.ids import report_id
from ledger.roles import DEPARTMENT


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

    def handle(self, ctx: Context) -> Outcome:
        department = require_operator(ctx)
        kind, year, quarter = self.kind, self.year, self.quarter
        if (kind == "quarterly") != bool(quarter):
            raise RuleViolationError(
                "a quarterly report names its quarter; the annual summary does not", rule="R10.6"
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
        )
        return Outcome([report], {"department": department, "kind": kind, "period": period})


COMMANDS = (SubmitReport,)
