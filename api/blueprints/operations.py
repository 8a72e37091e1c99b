"""Operating the service: ``/healthz`` (the process answers), ``/readyz`` (the database
answers and the read models are within ``SHUANGSUI_READY_LAG`` entries of the log's
head) and ``/metrics`` (Prometheus text, :mod:`api.observe`). Public, unsigned: they
show nothing the checkpoint does not; keep ``/metrics`` on the county's own network.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api import schemas as s
from api.blueprints.common import service
from api.observe import database_unavailable, ledger_facts
from api.problems import PROBLEM, unavailable

DESCRIPTION = "Health, readiness and metrics for the people who run the service. Public."
blp = Blueprint("operations", __name__, description=DESCRIPTION)

#: Default for ``SHUANGSUI_READY_LAG``: how many entries the projections may trail.
READY_LAG = 1000


@blp.route("/healthz", methods=["GET"])
@blp.response(200, s.Health)
def healthz() -> Any:
    """The process is up and answering (reads nothing). Public."""
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@blp.response(200, s.Ready)
@blp.alt_response(
    503, schema=s.Problem, description="Not ready: database or projections", content_type=PROBLEM
)
def readyz() -> Any:
    """Ready to serve: the database answers and the read models are within
    ``SHUANGSUI_READY_LAG`` (default 1000) entries of the head. Public."""
    allowed = int(os.environ.get("SHUANGSUI_READY_LAG") or READY_LAG)
    try:
        facts = ledger_facts(service())
    except Exception as exc:
        if database_unavailable(exc):
            return unavailable("the ledger database does not answer (数据库无响应)")
        raise
    if facts["projection_lag"] > allowed:
        return unavailable(
            f"the read models are {facts['projection_lag']} entries behind the log "
            f"(allowed {allowed}); they are catching up (投影追赶中)"
        )
    return {"status": "ready", "ready_lag": allowed, **facts}


@blp.route("/metrics", methods=["GET"])
@blp.response(200, content_type="text/plain", description="Prometheus text format 0.0.4.")
def metrics() -> Any:
    """Request counts and latencies, log size, projection lag, checkpoint age. Public."""
    registry = current_app.extensions["shuangsui.metrics"].exposed()
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
