"""The ``inspectors`` area's routes: The inspector directory (执法检查人员名录库, R4.2).

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
    "inspectors", __name__, description="The inspector directory (执法检查人员名录库, R4.2)."
)


@blp.route("/api/v1/inspectors/<person>", methods=["GET"])
@blp.response(200, s.Inspector)
@access(STATE_READ)
def inspector(person: str) -> Any:
    """One inspector's effective record."""
    found = read.inspectors.inspector(store(), person)
    if found is None:
        raise NotFoundError(_("no inspector {person}", person=person))
    return found
