"""The ``inspections`` area's routes: Inspections of one object for one item (R8.1, R1.1).

Its read is a drawn object's checklist (R6.1); its write routes are generated from the
area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import access, store, today
from ledger.roles import STATE_READ
from projections import read

blp = Blueprint(
    "inspections", __name__, description="Inspections of one object for one item (R8.1, R1.1)."
)


@blp.route(
    "/api/v1/tasks/<task>/draws/<int(max=999999999):number>/objects/<obj>/checklist",
    methods=["GET"],
)
@blp.response(200, s.Checklist)
@access(STATE_READ)
def checklist(task: str, number: int, obj: str) -> Any:
    """A drawn object's checklist (进一次门、查多项事, R6.1, R6.6): each participating
    department's item that applies to it, who of its team that department sent, and
    whether it is checked, excused (with the reason), due or overdue. ?today= judges
    as of that day."""
    return read.inspections.checklist(store(), task, number, obj, today())
