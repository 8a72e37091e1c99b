"""The ``bodies`` area's routes: qualified third-party bodies (有资质的机构) and their
supervision (R8.1, R8.2).

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import access, store
from ledger.roles import STATE_READ
from projections import read

blp = Blueprint(
    "bodies", __name__, description="Qualified third-party bodies and their supervision (R8)."
)


@blp.route("/api/v1/bodies", methods=["GET"])
@blp.response(200, s.BodyRow(many=True))
@access(STATE_READ)
def bodies() -> Any:
    """Every registered body, its oversight records and the delegated checks citing it."""
    return read.bodies.bodies(store())
