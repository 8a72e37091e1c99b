"""``report.submit``: a quarterly report or the annual summary; ``report.collate``: the
office's collation of them for the level above, recorded when sent (R10.6)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from ledger import formats
from ledger.areas.departments.rules import load_department, require_operator
from ledger.areas.reports.appraisal import appraise
from ledger.areas.reports.events import TEXT_MEDIA_TYPE, Appraisal, Collation, ProgressReport
from ledger.audit.hashing import sha256
from ledger.canonical import canonical_bytes
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, RuleViolationError, ValidationError
from ledger.fields import choice, custom, integer, optional_text, past_date, text
from ledger.i18n import _
from ledger.ids import appraisal_id, collation_id, report_id
from ledger.params import Params
from ledger.roles import DEPARTMENT, OFFICE

#: The longest report text accepted, in characters (a written annual summary of a
#: county department runs to a few thousand).
REPORT_TEXT_MAX = 200_000
#: The largest report file accepted, in bytes (a scanned, signed annual summary as a PDF
#: runs to a few MiB); its base64 in the request stays under the API's 16 MiB body limit.
REPORT_FILE_MAX = 8 * 1024 * 1024
#: A media type as ``type/subtype`` (RFC 6838 names, lower case, no parameters).
MEDIA_TYPE = r"[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}"


def read_file(p: Params, name: str) -> str | None:
    """A report filed as a file (R10.6): its bytes in canonical base64, not empty and at
    most :data:`REPORT_FILE_MAX` bytes; ``None`` when absent."""
    value = p.raw.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        p.fail(name, _("must be the file's bytes in base64"))
        return None
    if len(value) > 4 * ((REPORT_FILE_MAX + 2) // 3):
        p.fail(name, _("is larger than {n} bytes", n=REPORT_FILE_MAX))
        return None
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        p.fail(name, _("must be the file's bytes in base64"))
        return None
    if len(data) > REPORT_FILE_MAX:
        p.fail(name, _("is larger than {n} bytes", n=REPORT_FILE_MAX))
        return None
    if base64.b64encode(data).decode("ascii") != value:  # one spelling per file
        p.fail(name, _("must be the file's bytes in base64"))
        return None
    return value


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
    media_type: str = text(
        required=False,
        max_length=190,
        pattern=MEDIA_TYPE,
        description="The file's media type, e.g. application/pdf (with file only).",
    )
    text: str | None = optional_text(
        max_length=REPORT_TEXT_MAX,
        description="The report itself (报送的书面材料, R10.6); its SHA-256 is summary_sha256.",
    )
    file: str | None = custom(
        "string",
        read_file,
        required=False,
        description=(
            "Or the report as a file of any type (a PDF, a DOCX ...), its bytes in base64, "
            "at most 8 MiB; its SHA-256 is summary_sha256 (R10.6)."
        ),
    )

    def check(self, params: Params) -> None:
        if self.text and self.file:
            params.fail("file", _("a report is a text or a file, not both"))
        elif self.file and not self.media_type:
            params.fail("media_type", _("a file names its media type, e.g. application/pdf"))
        elif self.media_type and not self.file:
            params.fail("media_type", _("only a file names its media type"))
        if self.text and sha256(self.text.encode()).hex() != self.summary_sha256:
            params.fail(
                "summary_sha256",
                _("is not the SHA-256 of the report's text (UTF-8)"),
            )
        if self.file and sha256(base64.b64decode(self.file)).hex() != self.summary_sha256:
            params.fail("summary_sha256", _("is not the SHA-256 of the report's file"))

    def handle(self, ctx: Context) -> Outcome:
        department = require_operator(ctx)
        kind, year, quarter = self.kind, self.year, self.quarter
        if (kind == "quarterly") != bool(quarter):
            raise RuleViolationError(
                _("a quarterly report names its quarter; the annual summary does not"), rule="R10.6"
            )
        if not self.text and not self.file and formats.since(ctx.ledger, 2):
            raise RuleViolationError(
                _("a report carries its text, not only a digest"),
                rule="R10.6",
            )
        period = f"{year}-Q{quarter}" if kind == "quarterly" else str(year)
        if ctx.ledger.find(report_id(department, kind, period)) is not None:
            raise ConflictError(
                _(
                    "{department} already submitted its {kind} report for {period}",
                    department=department,
                    kind=kind,
                    period=period,
                )
            )
        report = ProgressReport(
            department=department,
            kind=kind,
            period=period,
            submitted_on=ctx.today.isoformat(),
            summary_sha256=self.summary_sha256,
            note=self.note,
            text=self.text or "",
            media_type=self.media_type if self.file else TEXT_MEDIA_TYPE if self.text else "",
            file=self.file or "",
        )
        return Outcome([report], {"department": department, "kind": kind, "period": period})


def read_content(p: Params, name: str) -> dict[str, Any]:
    """The collation as generated from the projections (``report collate``): an object
    with its ``period`` and one entry per member department."""
    value = p.raw.get(name)
    if not isinstance(value, dict):
        p.fail(name, _("must be an object (the generated collation)"))
        return {}
    departments = value.get("departments")
    if not isinstance(departments, list) or not all(isinstance(d, dict) for d in departments):
        p.fail(f"{name}.departments", _("must be a list of objects"))
        return {}
    return value


@dataclass(frozen=True)
class CollateReports(Command):
    """Record the office's collation for the level above as sent (R10.6)."""

    ACTION = "report.collate"
    ROLES = frozenset({OFFICE})
    ROUTE = Route("POST", "/api/v1/collations")
    RULE = "R10.6"

    year: int = integer(minimum=2000, maximum=2100)
    quarter: int = integer(required=False, minimum=1, maximum=4)
    recipient: str = text(max_length=200, description="The level above (上级联席会议).")
    sent_on: str = past_date(description="The day it was sent (报送日期).")
    content: dict[str, Any] = custom(
        "object",
        read_content,
        description="The collation generated from the log (GET /api/v1/collations/draft).",
    )

    def handle(self, ctx: Context) -> Outcome:
        period = f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)
        if self.content.get("period") != period:
            raise ValidationError(
                _(
                    "the content collates {content_period!r}, not {period}",
                    content_period=self.content.get("period"),
                    period=period,
                ),
                {"content.period": [_("is not {period}", period=period)]},
            )
        if ctx.ledger.find(collation_id(period)) is not None:
            raise ConflictError(_("the collation for {period} was already sent", period=period))
        kind = "quarterly" if self.quarter else "annual"
        for entry in self.content["departments"]:
            code = str(entry.get("department"))
            load_department(ctx, code)
            cited = entry.get("report")
            if cited is None:
                continue
            found = ctx.ledger.find(report_id(code, kind, period))
            if (
                not isinstance(found, ProgressReport)
                or not isinstance(cited, dict)
                or cited.get("summary_sha256") != found.summary_sha256
            ):
                raise RuleViolationError(
                    _(
                        "the collation cites a {kind} report of {code} for {period} the log does "
                        "not hold",
                        kind=kind,
                        code=code,
                        period=period,
                    ),
                    rule="R10.6",
                )
        collation = Collation(
            period=period,
            recipient=self.recipient,
            sent_on=self.sent_on,
            content=self.content,
            content_sha256=sha256(canonical_bytes(self.content)).hex(),
        )
        return Outcome(
            [collation],
            {"period": period, "sent_on": self.sent_on, "sha256": collation.content_sha256},
        )


def read_appraisal(p: Params, name: str) -> dict[str, Any]:
    """The appraisal as computed from the log (``report appraisal``): an object with its
    ``year`` and one entry per member department."""
    value = p.raw.get(name)
    if not isinstance(value, dict):
        p.fail(name, _("must be an object (the appraisal computed from the log)"))
        return {}
    if not isinstance(value.get("departments"), list):
        p.fail(f"{name}.departments", _("must be a list of objects"))
        return {}
    return value


def first_difference(signed: Any, computed: Any, path: str = "content") -> str | None:
    """Where ``signed`` first differs from ``computed`` (a JSON path), or ``None``."""
    if isinstance(signed, dict) and isinstance(computed, dict):
        for key in sorted(set(signed) | set(computed)):
            if key not in signed or key not in computed:
                return f"{path}.{key}"
            found = first_difference(signed[key], computed[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(signed, list) and isinstance(computed, list):
        if len(signed) != len(computed):
            return f"{path} ({len(signed)} != {len(computed)})"
        for n, (a, b) in enumerate(zip(signed, computed, strict=True)):
            found = first_difference(a, b, f"{path}[{n}]")
            if found:
                return found
        return None
    same = type(signed) is type(computed) and signed == computed
    return None if same else f"{path}: {signed!r} != {computed!r}"


@dataclass(frozen=True)
class RecordAppraisal(Command):
    """Record the office's yearly appraisal input as sent to the government's performance
    appraisal (纳入政府绩效考核体系, R10.2): the figures the log gives that day, signed."""

    ACTION = "report.appraise"
    ROLES = frozenset({OFFICE})
    ROUTE = Route("POST", "/api/v1/appraisals")
    RULE = "R10.2"

    year: int = integer(minimum=2000, maximum=2100)
    recipient: str = text(
        max_length=200, description="The government's performance appraisal (县政府绩效考核)."
    )
    sent_on: str = past_date(description="The day it was sent (报送日期).")
    content: dict[str, Any] = custom(
        "object",
        read_appraisal,
        description="The appraisal computed from the log (GET /api/v1/appraisals/draft/{year}).",
    )

    def handle(self, ctx: Context) -> Outcome:
        if ctx.ledger.find(appraisal_id(self.year)) is not None:
            raise ConflictError(
                _("the appraisal input for {year} was already sent", year=self.year),
                rule="R10.2",
            )
        computed = appraise(ctx.ledger, self.year, ctx.today)
        differs = first_difference(self.content, computed)
        if differs is not None:
            raise RuleViolationError(
                _(
                    "the signed appraisal is not what the log gives as of {today}; first "
                    "difference at {path} -- compute it again (report appraisal) and sign that",
                    today=ctx.today.isoformat(),
                    path=differs,
                ),
                rule="R10.2",
            )
        appraisal = Appraisal(
            year=self.year,
            recipient=self.recipient,
            sent_on=self.sent_on,
            content=computed,
            content_sha256=sha256(canonical_bytes(computed)).hex(),
        )
        return Outcome(
            [appraisal],
            {"year": self.year, "sent_on": self.sent_on, "sha256": appraisal.content_sha256},
        )


COMMANDS = (SubmitReport, CollateReports, RecordAppraisal)
