"""Pages for people with a role (issue 13, clause 4), behind the sign-in of
:mod:`api.pages.session`: trails and duty reviews for the office, discipline inspectors
and auditors (R10.4); deadline boards, the task ledger and coverage for departments
(their own) and the office (every department's).

Reads only: a settlement on the review page is signed in the browser and sent to the
API's ``review.settle`` route, like any API write.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request, session

from api import exports
from api.blueprints.common import KIND, service, store, today
from api.client import command_request
from api.pages.base import bp, render
from api.pages.session import actor, need
from ledger import formats
from ledger.errors import NotFoundError
from ledger.roles import AUDITOR, DISCIPLINE, OFFICE, OVERSIGHT_READ, STATE_READ
from projections import read
from projections.review import review as duty_review
from projections.review.rules import RULES

EVERY_DEPARTMENT = frozenset({OFFICE, DISCIPLINE, AUDITOR})


def download(listing: str, rows: list[dict[str, Any]], name: str) -> Response | None:
    """The listing as a file when ``?format=csv`` or ``?format=xlsx`` asks for one."""
    fmt = request.args.get("format")
    if fmt not in ("csv", "xlsx"):
        return None
    data = exports.render(listing, rows, fmt, read.public.names(store()), title=name)
    mimetype = "text/csv" if fmt == "csv" else exports.XLSX
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


def scope(key: Any) -> str | None:
    """The department whose rows a key sees: its own, unless it oversees every one."""
    if set(key.roles) & EVERY_DEPARTMENT:
        return request.args.get("department") or None
    return str(key.organisation or "") or "-"


@bp.route("/mine")
def mine() -> Response:
    """Who is signed in, and the pages their roles open."""
    key = need(STATE_READ, "the signed-in pages")
    return render("mine.html", key=key, oversight=bool(set(key.roles) & OVERSIGHT_READ))


@bp.route(f"/trails/{KIND}/<subject>")
def trail(kind: str, subject: str) -> Response:
    """Every entry that touched a subject: signer, date, proof and bundle (R10.4)."""
    need(OVERSIGHT_READ, f"the trail of {kind} {subject}")
    entries = read.trails.trail(store(), kind, subject, today())
    if not entries:
        raise NotFoundError(f"nothing in the log touches {kind} {subject}")
    rows = [e.as_dict() for e in entries]
    found = download("trail", rows, f"trail-{kind}-{subject}")
    return found or render("trail.html", kind=kind, subject=subject, entries=rows)


@bp.route(f"/trails/{KIND}/<subject>/bundle")
def trail_bundle(kind: str, subject: str) -> Response:
    """The trail's entries with inclusion proofs to one checkpoint (offline check)."""
    from api.pages.public import bundle_download

    need(OVERSIGHT_READ, f"the evidence bundle of {kind} {subject}")
    positions = read.trails.trail_positions(store(), kind, subject)
    if not positions:
        raise NotFoundError(f"nothing in the log touches {kind} {subject}")
    return bundle_download(positions, {kind: subject}, f"trail-{kind}-{subject}.jsonl")


@bp.route(f"/reviews/{KIND}/<subject>")
def review(kind: str, subject: str) -> Response:
    """The duty review: each verdict with its rule and evidence; the settle action."""
    key = need(OVERSIGHT_READ, f"the review of {kind} {subject}")
    result = duty_review(store(), kind, subject, today()).as_dict()
    found = download("reviews", result["verdicts"], f"review-{kind}-{subject}")
    if found:
        return found
    _, settle_path, _ = command_request(
        "review.settle",
        {"subject": {}, "party": "", "verdict": "", "reasoning": "", "evidence": []},
    )
    return render(
        "review.html",
        kind=kind,
        subject=subject,
        review=result,
        rules=RULES,
        can_settle=DISCIPLINE in key.roles,
        settle_path=settle_path,
        # R10.4 (format 5): accountable only where the analysis is open; the form offers
        # it only there, never a choice the ledger would refuse.
        accountable_needs_analysis=formats.since(service().ledger, 5),
    )


@bp.route("/board")
def board() -> Response:
    """The deadline board: a department's own; the office's (and oversight's) every one."""
    key = need(STATE_READ, "the deadline board")
    department = scope(key)
    rows = [
        d.as_dict()
        for d in read.deadlines.deadlines(
            store(),
            today(),
            department=department,
            kind=request.args.get("kind") or None,
            status=request.args.get("status") or None,
        )
    ]
    found = download("deadlines", rows, "deadlines")
    return found or render(
        "board.html",
        rows=rows,
        department=department,
        choose=bool(set(key.roles) & EVERY_DEPARTMENT),
        departments=read.departments.departments(store()),
        kinds=exports.KINDS,
        statuses=exports.STATUS,
        names=read.public.names(store()),
    )


@bp.route("/task-ledger")
def task_ledger() -> Response:
    """Who was assigned which object of which task, with the dates (R10.3)."""
    key = need(STATE_READ, "the task ledger")
    department = scope(key)
    rows = read.tasks.task_ledger(store(), department=department)
    found = download("task_ledger", rows, "task-ledger")
    return found or render(
        "task_ledger.html", rows=rows, department=department, names=read.public.names(store())
    )


@bp.route("/coverage")
def coverage() -> Response:
    """Per department and item: tasks, joint tasks, inspections by basis (R1.2)."""
    key = need(STATE_READ, "coverage")
    department = scope(key)
    rows = [r for r in read.items.coverage(store()) if department in (None, r["department"])]
    found = download("coverage", rows, "coverage")
    return found or render(
        "coverage.html", rows=rows, department=department, names=read.public.names(store())
    )


@bp.app_context_processor
def signed_in() -> dict[str, Any]:
    """Every page knows whether someone is signed in (the header's link)."""
    if request.blueprint != "pages" or "key" not in session:
        return {"signed_in": None}
    return {"signed_in": actor()}
