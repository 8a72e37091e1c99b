"""The ``draws`` area's routes: The verifiable draw and its witnesses (R7.4, R7.5).

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import access, store
from ledger.errors import NotFoundError
from ledger.i18n import _
from ledger.roles import STATE_READ
from projections import read

blp = Blueprint(
    "draws", __name__, description="The verifiable draw and its witnesses (R7.4, R7.5)."
)


@blp.route("/api/v1/tasks/<task>/draws/<int(max=999999999):number>", methods=["GET"])
@blp.response(200, s.Draw)
@access(STATE_READ)
def draw(task: str, number: int) -> Any:
    """A draw: its commitment, seed and assignments (after recusals)."""
    found = read.draws.draw(store(), task, number)
    if found is None:
        raise NotFoundError(_("no draw {task}/{number}", task=task, number=number))
    return found
