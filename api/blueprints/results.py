"""The ``results`` area's routes: Results across departments (R9.3) and the public publication
feed (R9.1): the feed needs no signature.

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import access, store
from ledger.roles import STATE_READ
from projections import read

DESCRIPTION = (
    "Results across departments (R9.3) and the public publication feed (R9.1): "
    "the feed needs no signature."
)
blp = Blueprint("results", __name__, description=DESCRIPTION)


@blp.route("/api/v1/results", methods=["GET"])
@blp.arguments(s.ResultQuery, location="query")
@blp.response(200, s.ResultRow(many=True))
@access(STATE_READ)
def results(args: dict[str, Any]) -> Any:
    """Results, across departments (结果互认, R9.3), paged by position (?after=)."""
    return read.results.results(
        store(),
        after=args["after"],
        limit=args["limit"],
        object=args.get("object"),
        department=args.get("department"),
    )


@blp.route("/api/v1/publications", methods=["GET"])
@blp.arguments(s.FeedQuery, location="query")
@blp.response(200, s.Page)
def publications(args: dict[str, Any]) -> Any:
    """Published results in log order. Public. Page with ?after=<next>."""
    return read.results.feed(
        store(), after=args["after"], limit=args["limit"], department=args.get("department")
    )
