"""The ``witness`` area's routes: C2SP tlog-witness add-checkpoint, when this service is a
witness.

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_smorest import Blueprint

from api.blueprints.common import service
from api.problems import requested_language
from ledger.errors import NotFoundError
from ledger.i18n import _, render
from ledger.transparency.witness import WitnessError

DESCRIPTION = "C2SP tlog-witness add-checkpoint, when this service is a witness."
blp = Blueprint("witness", __name__, description=DESCRIPTION)


@blp.route("/add-checkpoint", methods=["POST"])
@blp.response(
    200, content_type="text/x.tlog.signature", description="The witness's cosignature lines."
)
def add_checkpoint() -> Any:
    """C2SP tlog-witness add-checkpoint: ``old N``, the consistency proof, a blank line
    and the checkpoint. 409 (with the known size) if ``old`` is not what this witness
    last cosigned; 422 if the proof fails; 403/404 for an unknown log or bad signature."""
    witness = service().witness
    if witness is None:
        raise NotFoundError(_("this service is not configured as a witness"))
    try:
        lines = witness.add_checkpoint(request.get_data(cache=True).decode("utf-8"))
    except UnicodeDecodeError:
        return Response("not UTF-8\n", status=400, mimetype="text/plain")
    except WitnessError as exc:
        if exc.status == 409 and exc.known_size is not None:
            return Response(f"{exc.known_size}\n", status=409, mimetype="text/x.tlog.size")
        # tlog-witness fixes the status and the 409 body; the text/plain reason is for a
        # person, so it follows Accept-Language (English unless Chinese is asked for).
        reason = render(exc.message, requested_language())
        return Response(f"{reason}\n", status=exc.status, mimetype="text/plain")
    return Response(lines, mimetype="text/x.tlog.signature")
