"""The ``worklist`` area's routes: the task ledger (工作任务台账), R10.3.

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import access, store
from ledger.roles import STATE_READ
from projections import read

blp = Blueprint("worklist", __name__, description="The task ledger (工作任务台账, R10.3).")


@blp.route("/api/v1/worklist", methods=["GET"])
@blp.response(200, s.WorkEntryRow(many=True))
@access(STATE_READ)
def entries() -> Any:
    """Tasks assigned to sections and people, by due date (?department=&section=&person=)."""
    return read.worklist.entries(
        store(),
        department=request.args.get("department") or None,
        section=request.args.get("section") or None,
        person=request.args.get("person") or None,
    )
