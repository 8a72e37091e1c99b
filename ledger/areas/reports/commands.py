"""``report.submit``: a quarterly report or the annual summary (R10.6)."""

from __future__ import annotations

from ledger.areas.departments.rules import require_operator
from ledger.areas.ids import stream_id
from ledger.areas.reports.events import ProgressReport
from ledger.commanding import Context, Outcome, command
from ledger.errors import ConflictError, RuleViolation


@command("report.submit", "Submit a quarterly report or the annual summary to the office (R10.6).")
def submit_report(ctx: Context) -> Outcome:
    department = require_operator(ctx)
    p = ctx.params
    kind = p.choice("kind", ("quarterly", "annual"))
    year = p.integer("year", minimum=2000, maximum=2100)
    quarter = p.integer("quarter", required=False, minimum=1, maximum=4)
    digest = p.text("summary_sha256", max_length=64, pattern=r"[0-9a-f]{64}")
    note = p.text("note", required=False, max_length=1000)
    p.done()
    if (kind == "quarterly") != bool(quarter):
        raise RuleViolation(
            "a quarterly report names its quarter; the annual summary does not", rule="R10.6"
        )
    period = f"{year}-Q{quarter}" if kind == "quarterly" else str(year)
    if ctx.ledger.find(stream_id("report", department, kind, period)) is not None:
        raise ConflictError(f"{department} already submitted its {kind} report for {period}")
    report = ProgressReport(
        department=department,
        kind=kind,
        period=period,
        submitted_on=ctx.today.isoformat(),
        summary_sha256=digest,
        note=note,
    )
    return Outcome([report], {"department": department, "kind": kind, "period": period})
