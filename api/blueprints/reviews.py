"""The ``reviews`` area's routes: Trails, deadlines and the duty review (R10.4). Trails and
reviews: oversight roles.

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Response
from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import KIND, access, service, store, today
from ledger.areas.reviews.rules import SUBJECT_WORDS
from ledger.errors import NotFoundError
from ledger.i18n import _
from ledger.roles import OVERSIGHT_READ, STATE_READ
from projections import read
from projections.review import review as duty_review

DESCRIPTION = "Trails, deadlines and the duty review (R10.4). Trails and reviews: oversight roles."
blp = Blueprint("reviews", __name__, description=DESCRIPTION)


@blp.route(f"/api/v1/trails/{KIND}/<subject>", methods=["GET"])
@blp.arguments(s.Cursor, location="query")
@blp.response(200, s.TrailPage)
@access(OVERSIGHT_READ)
def trail(args: dict[str, Any], kind: str, subject: str) -> Any:
    """Every entry that touched a subject, in order, its signer and deadlines."""
    db = store()
    entries = read.trails.trail(
        db, kind, subject, today(), after=args["after"], limit=args["limit"] + 1
    )
    if not entries and not args["after"]:
        raise NotFoundError(
            _(
                "nothing in the log touches {kind} {subject}",
                kind=SUBJECT_WORDS.get(kind, kind),
                subject=subject,
            )
        )
    more = len(entries) > args["limit"]
    entries = entries[: args["limit"]]
    return {"items": [e.as_dict() for e in entries], "next": entries[-1].position if more else None}


@blp.route(f"/api/v1/trails/{KIND}/<subject>/bundle", methods=["GET"])
@blp.arguments(s.BundleQuery, location="query")
@blp.response(
    200,
    content_type="application/x-ndjson",
    description="An evidence bundle: `shuangsui verify --bundle FILE` checks it.",
)
@access(OVERSIGHT_READ)
def trail_bundle(args: dict[str, Any], kind: str, subject: str) -> Any:
    """The trail's entries with inclusion proofs to one signed checkpoint (offline check);
    ``?consistency_from=N`` (repeatable) adds the consistency proof from the auditor's
    trusted checkpoint of size N (``verify --bundle --trusted-checkpoint``)."""
    positions = read.trails.trail_positions(store(), kind, subject)
    if not positions:
        raise NotFoundError(
            _(
                "nothing in the log touches {kind} {subject}",
                kind=SUBJECT_WORDS.get(kind, kind),
                subject=subject,
            )
        )
    with tempfile.TemporaryDirectory() as where:
        out = Path(where) / "bundle.jsonl"
        service().ledger.transparency.export(
            out,
            positions=positions,
            query={kind: subject},
            consistency_from=args["consistency_from"],
        )
        data = out.read_bytes()
    return Response(
        data,
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="trail-{kind}-{subject}.jsonl"'},
    )


@blp.route(f"/api/v1/reviews/{KIND}/<subject>", methods=["GET"])
@blp.response(200, s.Review)
@access(OVERSIGHT_READ)
def review(kind: str, subject: str) -> Any:
    """The duty review (R10.4): each party exempt, accountable (rule, evidence) or
    needs judgement; settled verdicts marked. ?today= judges as of that day."""
    return duty_review(store(), kind, subject, today()).as_dict()


@blp.route("/api/v1/deadlines", methods=["GET"])
@blp.arguments(s.DeadlineQuery, location="query")
@blp.response(200, s.Deadline(many=True))
@access(STATE_READ)
def deadlines(args: dict[str, Any]) -> Any:
    """The deadline board: due, overdue, met late, met (R6.1, R6.5, R7.4, R9.1, R10.6)."""
    board = read.deadlines.deadlines(
        store(),
        today(),
        department=args.get("department"),
        kind=args.get("kind"),
        status=args.get("status"),
    )
    return [d.as_dict() for d in board]
