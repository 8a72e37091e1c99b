"""The ``plans`` area's routes: Annual plans (年度抽查计划, R6).

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api import schemas as s
from api.auth import require
from api.blueprints.common import store
from ledger.errors import NotFoundError
from ledger.i18n import _
from ledger.roles import STATE_READ
from projections import read

blp = Blueprint("plans", __name__, description="Annual plans (年度抽查计划, R6).")


@blp.route("/api/v1/plans/<department>/<int(max=999999999):year>", methods=["GET"])
@blp.response(200, s.Plan)
def plan(department: str, year: int) -> Any:
    """A department's plan for a year: name, version, publication date, late or not.
    Public once published (R6.5); a draft not yet published is read with a signature."""
    found = read.plans.plan(store(), department, year)
    if found is None:
        raise NotFoundError(_("no {year} plan of {department}", year=year, department=department))
    if found["published_on"] is None:
        require(STATE_READ, f"the unpublished {year} plan of {department}")
    return found
