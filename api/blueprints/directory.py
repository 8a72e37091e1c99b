"""The ``directory`` area's routes: The object directory (检查对象名录库, R4.1).

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

blp = Blueprint("directory", __name__, description="The object directory (检查对象名录库, R4.1).")


@blp.route("/api/v1/directory/objects/<key>", methods=["GET"])
@blp.response(200, s.ObjectRecord)
@access(STATE_READ)
def directory_object(key: str) -> Any:
    """One object with every result any department entered for it (R5.1, R9.3)."""
    record = read.directory.object_record(store(), key)
    if record is None:
        raise NotFoundError(_("no object {key} in the directory", key=key))
    return record
