"""The ``reports`` area's routes: Coverage (R1.2) and progress reports (R10.6).

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

import base64
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import access, service, store, today
from ledger.errors import ValidationError
from ledger.i18n import _
from ledger.roles import STATE_READ
from projections import read

blp = Blueprint("reports", __name__, description="Coverage (R1.2) and progress reports (R10.6).")


@blp.route("/api/v1/coverage", methods=["GET"])
@blp.response(200, s.Coverage(many=True))
@access(STATE_READ)
def coverage() -> Any:
    """Per department and item: tasks, joint tasks, inspections by basis (R1.2)."""
    return read.items.coverage(store())


@blp.route("/api/v1/progress/<department>/<int(max=999999999):year>", methods=["GET"])
@blp.response(200, s.Progress)
@access(STATE_READ)
def progress(department: str, year: int) -> Any:
    """The annual summary as data, or a quarter's report with ?quarter=1..4 (R10.6)."""
    quarter = request.args.get("quarter", type=int)
    if quarter is not None and not 1 <= quarter <= 4:
        raise ValidationError(_("quarter is 1-4"), {"quarter": [_("1, 2, 3 or 4")]})
    return read.reports.progress_report(store(), department, year, quarter, today())


@blp.route("/api/v1/reports", methods=["GET"])
@blp.response(200, s.SubmittedReport(many=True))
@access(STATE_READ)
def submitted() -> Any:
    """The reports submitted to the office, with their text (R10.6); ?department=&year=."""
    return read.reports.submitted(
        store(),
        department=request.args.get("department") or None,
        year=request.args.get("year", type=int),
    )


@blp.route(
    "/api/v1/reports/<department>/<any(quarterly, annual):kind>/<period>/file", methods=["GET"]
)
@blp.response(
    200,
    content_type="application/octet-stream",
    description="The report's bytes, with its own media type and `Repr-Digest`.",
)
@access(STATE_READ)
def report_file(department: str, kind: str, period: str) -> Any:
    """A submitted report's bytes exactly as filed -- a file's own (PDF, DOCX ...), a
    text's UTF-8 -- with its media type, once they match the digest it was submitted with;
    ``Repr-Digest`` carries that SHA-256 (RFC 9530). ``period`` is 2026-Q3 or 2026."""
    media_type, data, digest = read.reports.report_file(store(), department, kind, period)
    return Response(
        data,
        content_type=media_type,
        headers={
            "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(digest)).decode()}:",
            "Content-Disposition": f'attachment; filename="report-{department}-{period}"',
        },
    )


@blp.route("/api/v1/collations/draft/<int(max=999999999):year>", methods=["GET"])
@blp.response(200, s.CollationDraft)
@access(STATE_READ)
def collation_draft(year: int) -> Any:
    """The office's collation for the level above, generated from the log (R10.6);
    ?quarter=1..4, ?today=. Record it as sent with POST /api/v1/collations."""
    quarter = request.args.get("quarter", type=int)
    if quarter is not None and not 1 <= quarter <= 4:
        raise ValidationError(_("quarter is 1-4"), {"quarter": [_("1, 2, 3 or 4")]})
    return read.reports.collation(store(), year, quarter, today())


@blp.route("/api/v1/collations", methods=["GET"])
@blp.response(200, s.CollationRow(many=True))
@access(STATE_READ)
def collations() -> Any:
    """The collations the office recorded as sent to the level above (R10.6)."""
    return read.reports.collations(store())


@blp.route("/api/v1/appraisals/draft/<int(max=999999999):year>", methods=["GET"])
@blp.response(200, s.AppraisalDraft)
@access(STATE_READ)
def appraisal_draft(year: int) -> Any:
    """The office's appraisal input for the government's performance appraisal, per member
    department, computed from the log as of ?today= (R10.2). Record it as sent with
    POST /api/v1/appraisals (computed as of the day it is signed)."""
    from ledger.areas.reports.appraisal import appraise

    if not 2000 <= year <= 2100:
        raise ValidationError(_("year is 2000-2100"), {"year": [_("2000-2100")]})
    return appraise(service().ledger, year, today())


@blp.route("/api/v1/appraisals", methods=["GET"])
@blp.response(200, s.AppraisalRow(many=True))
@access(STATE_READ)
def appraisals() -> Any:
    """The appraisal inputs the office recorded as sent (R10.2), with their figures."""
    return read.reports.appraisals(store())
