"""Fork proofs: two checkpoints of one log, one size, two roots (issue 11, part 3).

A log that shows one history to some and another to others must, sooner or later, sign
two checkpoints of the same size with different roots (RFC 9162 trees of one size are
equal exactly when their leaves are). Both notes carry the log's own signature, so the
pair is a self-contained proof anyone can check offline with the log's verifier key.

The file is RFC 8785 canonical JSON::

    {"format": "shuangsui-fork-proof-v1", "origin": o, "vkey": log verifier key,
     "size": n, "checkpoints": [note a, note b],      # sorted, each log-signed
     "observed": [{"source": url, "at": iso8601}, ...],
     "monitor": {"key": base64 Ed25519 public key, "signature": base64} | null}

The monitor's signature, if any, covers ``"shuangsui/fork-proof/v1\\n" ||
canonical(proof without "monitor")`` and says who observed it; the proof does not
depend on it. Invariants: standard library and PyNaCl only; :func:`check_fork_proof`
accepts a proof only when both notes verify under ``vkey``, name its origin and size,
and have different roots.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ledger.audit.errors import LedgerError, NoteError
from ledger.audit.hashing import signature_ok
from ledger.audit.messages import _
from ledger.audit.notes import NoteVerifier, b64strict, parse_checkpoint, parse_note, verify_note
from ledger.audit.receipts import canonical_json

FORK_FORMAT = "shuangsui-fork-proof-v1"
FORK_SIGNATURE_CONTEXT = b"shuangsui/fork-proof/v1\n"
_FIELDS = {"format", "origin", "vkey", "size", "checkpoints", "observed", "monitor"}


class ForkProofError(LedgerError, ValueError):
    """A fork-proof file that is malformed, or that does not prove a fork."""

    code = "invalid-fork-proof"
    status = 422


@dataclass(frozen=True)
class Fork:
    origin: str
    size: int
    roots: tuple[bytes, bytes]
    monitor_key: bytes | None


def fork_body(
    vkey: str, note_a: str, note_b: str, observed: list[dict[str, str]]
) -> dict[str, Any]:
    """The proof's fields before the monitor's signature (``monitor`` is added after)."""
    a, b = sorted((note_a, note_b))
    checkpoint = parse_checkpoint(parse_note(a).text)
    return {
        "format": FORK_FORMAT,
        "origin": checkpoint.origin,
        "vkey": vkey,
        "size": checkpoint.size,
        "checkpoints": [a, b],
        "observed": observed,
    }


def fork_message(body: dict[str, Any]) -> bytes:
    return FORK_SIGNATURE_CONTEXT + canonical_json(
        {k: v for k, v in body.items() if k != "monitor"}
    )


def check_fork_proof(value: Any) -> Fork:
    """The fork a proof shows; :class:`ForkProofError` if it shows none or is malformed."""
    if not isinstance(value, dict) or set(value) != _FIELDS:
        raise ForkProofError(
            _("a fork proof is an object with the fields {fields}", fields=sorted(_FIELDS))
        )
    if value["format"] != FORK_FORMAT:
        raise ForkProofError(_("format is not {expected}", expected=FORK_FORMAT))
    notes = value["checkpoints"]
    if not isinstance(notes, list) or len(notes) != 2 or not all(isinstance(n, str) for n in notes):
        raise ForkProofError(_("checkpoints is not a list of two notes"))
    try:
        verifier = NoteVerifier.from_vkey(str(value["vkey"]))
        checkpoints = []
        for note in notes:
            parsed = parse_note(note)
            verify_note(parsed, [verifier])
            checkpoints.append(parse_checkpoint(parsed.text))
    except NoteError as exc:
        raise ForkProofError(
            _("a checkpoint does not verify under the log's key: {exc}", exc=exc)
        ) from exc
    a, b = checkpoints
    if not (a.origin == b.origin == value["origin"] == verifier.name):
        raise ForkProofError(_("the checkpoints are not both of the log the proof names"))
    if not (a.size == b.size == value["size"]):
        raise ForkProofError(_("the checkpoints are not both of the size the proof names"))
    if a.root == b.root:
        raise ForkProofError(_("the two checkpoints have the same root: no fork"))
    monitor = value["monitor"]
    monitor_key = None
    if monitor is not None:
        if not isinstance(monitor, dict) or set(monitor) != {"key", "signature"}:
            raise ForkProofError(_("monitor is not {key, signature}"))
        try:
            monitor_key = b64strict(str(monitor["key"]), "monitor key")
            signature = b64strict(str(monitor["signature"]), "monitor signature")
        except NoteError as exc:
            raise ForkProofError(str(exc)) from exc
        if not signature_ok(monitor_key, fork_message(value), signature):
            raise ForkProofError(_("the monitor's signature does not verify"))
    return Fork(a.origin, a.size, (a.root, b.root), monitor_key)


def load_fork_proof(text: str) -> Fork:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ForkProofError(_("not JSON: {exc}", exc=exc)) from exc
    return check_fork_proof(value)
