"""Quarterly reports and the annual summary as data (R10.6)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections import Counter
from typing import Any

import sqlite_utils

from ledger.errors import NotFoundError, StorageError
from ledger.i18n import _
from projections.read.deadlines import deadlines
from projections.read.sql import decoded, rows


def period_bounds(year: int, quarter: int | None) -> tuple[str, str]:
    if quarter is None:
        return f"{year}-01-01", f"{year}-12-31"
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start.isoformat(), (end - dt.timedelta(days=1)).isoformat()


def progress_report(
    db: sqlite_utils.Database, department: str, year: int, quarter: int | None, today: dt.date
) -> dict[str, Any]:
    """The quarterly report or (``quarter=None``) the annual summary as data (R10.6)."""
    start, end = period_bounds(year, quarter)
    span = (department, start, end)
    tasks = rows(
        db,
        "SELECT task, name, participants FROM tasks WHERE year = ? AND (lead = ? "
        "OR participants LIKE ?)",
        (year, department, f'%"{department}"%'),
    )
    checks = rows(
        db,
        "SELECT basis, COUNT(*) AS n FROM inspections WHERE department = ? AND "
        "checked_on BETWEEN ? AND ? GROUP BY basis",
        span,
    )
    results = rows(
        db,
        "SELECT result, COUNT(*) AS n FROM results WHERE department = ? AND "
        "formed_on BETWEEN ? AND ? GROUP BY result",
        span,
    )
    published = rows(
        db,
        "SELECT COUNT(*) AS n FROM results WHERE department = ? AND published_on BETWEEN ? AND ?",
        span,
    )[0]["n"]
    board = [
        d for d in deadlines(db, today, department=department) if d.due and start <= d.due <= end
    ]
    return {
        "department": department,
        "period": f"{year}-Q{quarter}" if quarter else str(year),
        "from": start,
        "to": end,
        "tasks": len(tasks),
        "joint_tasks": sum(1 for t in tasks if json.loads(t["participants"])),
        "inspections": {r["basis"]: r["n"] for r in checks},
        "results": {r["result"]: r["n"] for r in results},
        "published": published,
        "deadlines": dict(Counter(d.status for d in board)),
    }


def submitted(
    db: sqlite_utils.Database, *, department: str | None = None, year: int | None = None
) -> list[dict[str, Any]]:
    """The reports submitted to the office (R10.6), with their text where the ledger holds
    it (reports of format 1 carry only their digest: ``text`` is then ``None``); a report
    filed as a file shows its ``media_type`` and ``size`` in bytes (its bytes:
    :func:`report_file`)."""
    where, params = [], []
    if department:
        where.append("r.department = ?")
        params.append(department)
    if year:
        where.append("substr(r.period, 1, 4) = ?")
        params.append(str(year))
    found = rows(
        db,
        "SELECT r.department, d.name AS department_name, r.kind, r.period, r.submitted_on, "
        "r.summary_sha256, t.text, t.media_type, t.file, r.position FROM reports r "
        "LEFT JOIN departments d ON d.code = r.department "
        "LEFT JOIN report_texts t ON t.department = r.department AND t.kind = r.kind "
        "AND t.period = r.period"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY r.department, r.period, r.kind",
        params,
    )
    for r in found:
        encoded = r.pop("file")
        if encoded is not None:  # base64: 4 characters for 3 bytes, less the padding
            r["size"] = len(encoded) * 3 // 4 - encoded[-2:].count("=")
        else:
            r["size"] = len(r["text"].encode()) if r["text"] is not None else None
    return found


def report_file(
    db: sqlite_utils.Database, department: str, kind: str, period: str
) -> tuple[str, bytes, str]:
    """A submitted report as its bytes (R10.6): (media type, bytes, SHA-256), exactly as
    filed -- a file's own bytes, a text's UTF-8 -- once the bytes are checked against the
    digest the report was signed with."""
    found = rows(
        db,
        "SELECT r.summary_sha256, t.text, t.media_type, t.file FROM reports r "
        "LEFT JOIN report_texts t ON t.department = r.department AND t.kind = r.kind "
        "AND t.period = r.period WHERE r.department = ? AND r.kind = ? AND r.period = ?",
        (department, kind, period),
    )
    if not found:
        raise NotFoundError(
            _(
                "{department} submitted no {kind} report for {period}",
                department=department,
                kind=kind,
                period=period,
            ),
            rule="R10.6",
        )
    row = found[0]
    if row["file"] is not None:
        data = base64.b64decode(row["file"])
    elif row["text"] is not None:
        data = row["text"].encode("utf-8")
    else:
        raise NotFoundError(
            _(
                "the {kind} report of {department} for {period} was filed as a digest only",
                kind=kind,
                department=department,
                period=period,
            ),
            rule="R10.6",
        )
    digest = hashlib.sha256(data).hexdigest()
    if digest != row["summary_sha256"]:
        raise StorageError(
            _(
                "the stored {kind} report of {department} for {period} does not match the "
                "digest it was submitted with (sha256 {digest}, signed {signed})",
                kind=kind,
                department=department,
                period=period,
                digest=digest,
                signed=row["summary_sha256"],
            )
        )
    return row["media_type"] or "text/plain; charset=utf-8", data, digest


def collation(
    db: sqlite_utils.Database, year: int, quarter: int | None, today: dt.date
) -> dict[str, Any]:
    """The office's collation for the level above (梳理汇总后，向上级联席会议报送, R10.6),
    generated from the log: for every member department, the report it submitted (its
    digest and date, or none) and the same data ``progress`` shows; the notices issued in
    the period and whether they were rectified. ``report.collate`` records it as sent."""
    from projections.read.deadlines import member_years
    from projections.read.notices import notices

    kind = "quarterly" if quarter else "annual"
    period = f"{year}-Q{quarter}" if quarter else str(year)
    start, end = period_bounds(year, quarter)
    names = {r["code"]: r["name"] for r in db.query("SELECT code, name FROM departments")}
    submitted_reports = {
        r["department"]: r
        for r in db.query(
            "SELECT department, submitted_on, summary_sha256 FROM reports "
            "WHERE kind = ? AND period = ?",
            (kind, period),
        )
    }
    departments = []
    for code, years in member_years(db, today).items():
        if year not in years:
            continue
        cited = submitted_reports.get(code)
        departments.append(
            {
                "department": code,
                "name": names.get(code),
                "report": (
                    {
                        "submitted_on": cited["submitted_on"],
                        "summary_sha256": cited["summary_sha256"],
                    }
                    if cited
                    else None
                ),
                "progress": progress_report(db, code, year, quarter, today),
            }
        )
    issued = [
        {k: n[k] for k in ("notice", "department", "issued_on", "due", "done_on", "state")}
        for n in notices(db, today)
        if start <= n["issued_on"] <= end
    ]
    return {
        "period": period,
        "kind": kind,
        "from": start,
        "to": end,
        "as_of": today.isoformat(),
        "departments": departments,
        "reported": sum(1 for d in departments if d["report"]),
        "not_reported": [d["department"] for d in departments if not d["report"]],
        "notices": issued,
    }


def collations(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The collations the office recorded as sent to the level above (R10.6)."""
    return [decoded(r, "content") for r in rows(db, "SELECT * FROM collations ORDER BY position")]


def appraisals(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The appraisal inputs the office recorded as sent to the government's performance
    appraisal (R10.2), each with the figures it signed."""
    return [decoded(r, "content") for r in rows(db, "SELECT * FROM appraisals ORDER BY year")]
