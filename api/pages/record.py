"""A published result behind its QR code (issue 13, clause 2; R9.1): a stable address per
published result (the log position of its publication), the QR code that opens it, its
C2SP tlog-proof to a witnessed checkpoint, its evidence bundle, and how to check it offline.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response

from api.blueprints.common import service, store
from api.pages.base import bp, render
from api.pages.public import bundle_download
from ledger.audit.notes import parse_checkpoint, parse_note
from ledger.errors import NotFoundError
from ledger.ids import inspection_id
from projections import read


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute URL printed in a QR code: ``SHUANGSUI_PUBLIC_URL`` when the service
    sits behind a proxy, else the host the request came to."""
    from flask import current_app, url_for

    base = current_app.config.get("SHUANGSUI_PUBLIC_URL")
    path = url_for(endpoint, **values)
    return base.rstrip("/") + path if base else url_for(endpoint, _external=True, **values)


def _publication(position: int) -> tuple[dict[str, Any], dict[str, Any]]:
    db = store()
    found = read.public.publication(db, position)
    if found is None:
        raise NotFoundError(f"no published result at position {position}")
    basis = next(
        iter(
            db.query(
                "SELECT basis, reference FROM results WHERE object = ? AND item = ? "
                "AND decided_position = ?",
                [found["object"], found["item"], position],
            )
        ),
        None,
    )
    return found, basis or {}


def proof_text(position: int) -> str:
    """A C2SP tlog-proof of the entry at ``position``: to the newest checkpoint that a
    witness cosigned and that covers it, else to the latest checkpoint (one of the head is
    made when the latest does not cover it yet)."""
    ledger = service().ledger
    transparency = ledger.transparency
    for size in reversed(ledger.chain.checkpoint_sizes()):
        if size < position:
            break
        if ledger.chain.cosignature_lines(size):
            return transparency.prove(position, transparency.note(size))
    latest = transparency.latest()
    size = parse_checkpoint(parse_note(latest).text).size
    return transparency.prove(position, latest if size >= position else None)


def qr_svg(url: str) -> str:
    import segno

    return str(segno.make(url, error="m").svg_inline(scale=4, border=2, title=url))


@bp.route("/r/<int(max=999999999):position>")
def result(position: int) -> Response:
    """A published result at its stable address (the log position of its publication):
    the result, its QR code, its inclusion proof and how to check it offline."""
    found, basis = _publication(position)
    proof = proof_text(position)
    note = proof.split("\n\n", 1)[1]
    checkpoint = parse_checkpoint(parse_note(note).text)
    url = public_url("pages.result", position=position)
    witnesses = {k.note_name for k in service().ledger.keys_with_role("witness") if k.note_name}
    cosigned = [s.name for s in parse_note(note).signatures if s.name in witnesses]
    return render(
        "result.html",
        pub=found,
        basis=basis,
        names=read.public.names(store()),
        url=url,
        qr=qr_svg(url),
        proof=proof,
        checkpoint=checkpoint,
        cosigned=cosigned,
    )


@bp.route("/r/<int(max=999999999):position>/qr.svg")
def result_qr(position: int) -> Response:
    """The QR code alone, to print on the inspection record (扫码入企)."""
    _publication(position)
    import segno

    out = io.BytesIO()
    segno.make(public_url("pages.result", position=position), error="m").save(
        out, kind="svg", scale=8, border=4
    )
    return Response(out.getvalue(), mimetype="image/svg+xml")


@bp.route("/r/<int(max=999999999):position>/proof")
def result_proof(position: int) -> Response:
    """The C2SP tlog-proof file of this result's publication entry."""
    _publication(position)
    return Response(
        proof_text(position),
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="result-{position}.tlog-proof"'},
    )


@bp.route("/r/<int(max=999999999):position>/bundle")
def result_bundle(position: int) -> Response:
    """The result's inspection stream (check, result, publication) with inclusion proofs
    to one signed checkpoint: ``shuangsui verify --bundle`` checks it offline."""
    found, basis = _publication(position)
    if not basis:
        raise NotFoundError(f"no inspection behind the result at position {position}")
    stream = inspection_id(basis["basis"], basis["reference"], found["object"])
    ledger = service().ledger
    return bundle_download(
        ledger.chain.positions_of_stream(stream),
        {"stream": str(stream)},
        f"result-{position}.jsonl",
    )
