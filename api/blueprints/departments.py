"""The ``departments`` area's routes: Member departments (成员单位) and their sections (股室)
(R10.1).

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
    "departments",
    __name__,
    description="Member departments (成员单位) and their sections (股室) (R10.1).",
)


@blp.route("/api/v1/departments", methods=["GET"])
@blp.response(200, s.Department(many=True))
@access(STATE_READ)
def departments() -> Any:
    """The member departments and their sections."""
    return read.departments.departments(store())
