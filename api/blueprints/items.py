"""The ``items`` area's routes: Item lists (抽查事项清单) and the joint list (R3).

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import store
from ledger.errors import NotFoundError, ValidationError
from ledger.i18n import _
from projections import read

blp = Blueprint("items", __name__, description="Item lists (抽查事项清单) and the joint list (R3).")


@blp.route("/api/v1/item-lists/<department>", methods=["GET"])
@blp.response(200, s.ItemRow(many=True))
def item_list(department: str) -> Any:
    """A department's published item list (the current version). Public: the lists are
    published to society (R3.4)."""
    found = read.items.item_list(store(), department)
    if found is None:
        raise NotFoundError(_("no department {department}", department=department))
    return found


@blp.route("/api/v1/public/documents", methods=["GET"])
@blp.response(200, s.PublicDocument(many=True))
def public_documents() -> Any:
    """Published item lists and annual plans, public to society with no signature
    (向社会公开, R3.4, R6.5); ?kind=item_list|plan, ?owner=DEPARTMENT."""
    kind = request.args.get("kind") or None
    if kind is not None and kind not in read.documents.KINDS:
        raise ValidationError(_("kind is item_list or plan"), {"kind": [_("item_list or plan")]})
    return read.documents.public_documents(
        store(), kind=kind, owner=request.args.get("owner") or None
    )
