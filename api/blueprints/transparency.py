"""The ``transparency`` area's routes: Checkpoints, proofs and consistency: the transparency
log. Public, save the entries a monitor downloads (oversight roles).

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import access, service
from ledger.errors import NotFoundError, ValidationError
from ledger.i18n import _
from ledger.roles import OVERSIGHT_READ

DESCRIPTION = (
    "Checkpoints, proofs and consistency: the transparency log. Public, save the entries "
    "(oversight roles)."
)
blp = Blueprint("transparency", __name__, description=DESCRIPTION)


@blp.route("/api/v1/status", methods=["GET"])
@blp.response(200, s.Status)
def status() -> Any:
    """The ledger's origin, size and latest checkpoint. Public."""
    svc = service()
    transparency = svc.ledger.transparency
    borrowed = svc.acquire()  # the position as it is: a status read does not catch up
    try:
        projected = borrowed.position()
    finally:
        svc.release(borrowed)
    return {
        "origin": transparency.origin,
        "size": svc.ledger.head().position,
        "projections": projected,
        "checkpoint": transparency.latest(),
    }


@blp.route("/api/v1/checkpoint", methods=["GET"])
@blp.response(200, content_type="text/plain", description="A C2SP signed checkpoint note.")
def checkpoint() -> Any:
    """The latest checkpoint (C2SP tlog-checkpoint), with its cosignatures. Public."""
    return Response(service().ledger.transparency.latest(), mimetype="text/plain")


@blp.route("/api/v1/log/vkey", methods=["GET"])
@blp.response(200, content_type="text/plain", description="The log's note verifier key.")
def vkey() -> Any:
    """The log's verifier key (name+hash+key) for witnesses and auditors. Public."""
    return Response(service().ledger.transparency.log_verifier().vkey + "\n", mimetype="text/plain")


@blp.route("/api/v1/proofs/inclusion/<int(max=999999999):position>", methods=["GET"])
@blp.response(200, content_type="text/plain", description="A C2SP tlog-proof.")
def inclusion(position: int) -> Any:
    """An inclusion proof for the entry at ``position`` (C2SP tlog-proof, with the
    checkpoint it proves against). Public."""
    ledger = service().ledger
    if not 1 <= position <= ledger.head().position:
        raise NotFoundError(_("no entry at position {position}", position=position))
    return Response(ledger.transparency.prove(position), mimetype="text/plain")


@blp.route("/api/v1/proofs/consistency", methods=["GET"])
@blp.arguments(s.ConsistencyQuery, location="query")
@blp.response(200, s.Consistency)
def consistency(args: dict[str, Any]) -> Any:
    """An RFC 9162 consistency proof between two tree sizes (base64 hashes). Public."""
    old, new = args["old"], args["new"]
    size = service().ledger.head().position
    if not old <= new <= size:
        raise ValidationError(
            _("need 1 <= old <= new <= {size}", size=size),
            {"new": [_("at most {size}", size=size)]},
        )
    from ledger.audit.notes import b64

    proof = service().ledger.transparency.consistency_proof(old, new)
    return {"old": old, "new": new, "proof": [b64(h) for h in proof]}


@blp.route("/api/v1/log/entries", methods=["GET"])
@blp.arguments(s.Cursor, location="query")
@blp.response(200, s.LogEntries)
@access(OVERSIGHT_READ)
def entries(args: dict[str, Any]) -> Any:
    """The log's entries after position ``after`` (at most ``limit``), as the lines of a
    full export bundle: what a monitor downloads to re-verify what is new (日志条目, issue
    11). Oversight roles: entries hold events not (yet) published."""
    from ledger.audit.bundles import bundle_entry

    rows = service().ledger.select_chain(args["after"], args["limit"] + 1)
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    return {
        "items": [bundle_entry(row) for row in rows],
        "next": rows[-1].position if more else None,
    }


@blp.route("/api/v1/checkpoint/cosignatures", methods=["POST"])
@blp.response(200, s.Attached)
@access(frozenset({"office", "witness"}))
def attach() -> Any:
    """Attach a witness's cosignatures (a cosigned checkpoint note, text/plain body)."""
    text = request.get_data(cache=True).decode("utf-8", "replace")
    added = service().ledger.transparency.attach_cosignatures(text)
    return {"attached": added}
