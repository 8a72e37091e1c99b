"""The ``notices`` area's routes: notices naming a unit (通报批评) and their rectification
(整改), R10.2.

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import access, store, today
from ledger.roles import STATE_READ
from projections import read

blp = Blueprint(
    "notices", __name__, description="Notices naming a unit (通报批评) and 整改 (R10.2)."
)


@blp.route("/api/v1/notices", methods=["GET"])
@blp.response(200, s.NoticeRow(many=True))
@access(STATE_READ)
def notices() -> Any:
    """Every notice and its state as of ?today= (?department=, ?open=1)."""
    return read.notices.notices(
        store(),
        today(),
        department=request.args.get("department") or None,
        open_only=request.args.get("open") in ("1", "true"),
    )
