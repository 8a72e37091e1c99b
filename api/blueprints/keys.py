"""The ``keys`` area's routes: Keys: registration, rotation, revocation; who holds which role.

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import access, store
from ledger.roles import STATE_READ
from projections import read

DESCRIPTION = "Keys: registration, rotation, revocation; who holds which role."
blp = Blueprint("keys", __name__, description=DESCRIPTION)


@blp.route("/api/v1/keys", methods=["GET"])
@blp.response(200, s.KeyInfo(many=True))
@access(STATE_READ)
def keys() -> Any:
    """Every registered key, its holder, roles and status."""
    return read.keys.keys(store())
