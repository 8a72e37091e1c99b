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
depend on it.

A log can also sign a checkpoint that does not extend an earlier, smaller one (a rewrite
below it). An **inconsistency proof** shows that offline too::

    {"format": "shuangsui-inconsistency-proof-v1", "origin": o, "vkey": k,
     "sizes": [m, n], "checkpoints": [note of size m, note of size n],
     "path": [base64 hashes], "observed": [...], "monitor": {...} | null}

``path`` is an RFC 9162 consistency path from m to n beginning with the subtree the
first m leaves end in (:func:`~ledger.audit.hashing.consistency_roots`): it gives the
signed root of size n, and for the first m leaves a root other than the signed root of
size m -- so the tree of size n does not hold the tree of size m (the monitor's
signature context is ``"shuangsui/inconsistency-proof/v1\\n"``).

Where the monitor could make no such path -- the service's path gives no root, or
leaves out the old subtree (m a power of two), and the entries it serves cannot be
read, are fewer than n, or do not give the signed root of size n -- it still signs a
record of what it was served, with ``"unproved": {"reason": r, "detail": d}`` (``r``
one of :data:`UNPROVED_REASONS`): :func:`check_fork_proof` names the reason and takes
it for no proof.

Invariants: standard library and PyNaCl only; :func:`check_fork_proof` accepts a proof
only when both notes verify under ``vkey`` (and under the auditor's own key when one is
given: a proof signed by a look-alike log proves nothing about this one), name its
origin and size(s), and have different roots (a fork) or a path that gives the larger
root and another root for the smaller size (an inconsistency).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ledger.audit.errors import LedgerError, NoteError
from ledger.audit.hashing import consistency_roots, signature_ok
from ledger.audit.messages import _, reason_of
from ledger.audit.notes import (
    Checkpoint,
    NoteVerifier,
    b64,
    b64strict,
    parse_checkpoint,
    parse_note,
    verify_note,
)
from ledger.audit.receipts import canonical_json

FORK_FORMAT = "shuangsui-fork-proof-v1"
FORK_SIGNATURE_CONTEXT = b"shuangsui/fork-proof/v1\n"
_FIELDS = {"format", "origin", "vkey", "size", "checkpoints", "observed", "monitor"}
INCONSISTENCY_FORMAT = "shuangsui-inconsistency-proof-v1"
INCONSISTENCY_SIGNATURE_CONTEXT = b"shuangsui/inconsistency-proof/v1\n"
_INCONSISTENCY_FIELDS = (_FIELDS - {"size"}) | {"sizes", "path"}
#: Why a monitor's record of an inconsistency is no offline proof (``unproved.reason``).
ENTRIES_UNREADABLE = "entries-unreadable"
ENTRIES_SHORT = "entries-short"
ENTRIES_OTHER_ROOT = "entries-other-root"
UNPROVED_REASONS = (ENTRIES_UNREADABLE, ENTRIES_SHORT, ENTRIES_OTHER_ROOT)
_CONTEXTS = {
    FORK_FORMAT: FORK_SIGNATURE_CONTEXT,
    INCONSISTENCY_FORMAT: INCONSISTENCY_SIGNATURE_CONTEXT,
}


class ForkProofError(LedgerError, ValueError):
    """A fork-proof file that is malformed, or that does not prove a fork."""

    code = "invalid-fork-proof"
    status = 422


@dataclass(frozen=True)
class Fork:
    """What a proof shows: two roots for one ``size`` (``kind`` "fork"), or a checkpoint
    of ``sizes[1]`` whose tree holds another root (``roots[1]``) for the first
    ``sizes[0]`` leaves than the signed one (``roots[0]``; ``kind`` "inconsistent")."""

    origin: str
    size: int
    roots: tuple[bytes, bytes]
    monitor_key: bytes | None
    kind: str = "fork"
    sizes: tuple[int, int] = (0, 0)


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


def inconsistency_body(
    vkey: str, smaller: str, larger: str, path: list[bytes], observed: list[dict[str, str]]
) -> dict[str, Any]:
    """An inconsistency proof's fields before the monitor's signature."""
    sizes = [parse_checkpoint(parse_note(n).text).size for n in (smaller, larger)]
    return {
        "format": INCONSISTENCY_FORMAT,
        "origin": parse_checkpoint(parse_note(smaller).text).origin,
        "vkey": vkey,
        "sizes": sizes,
        "checkpoints": [smaller, larger],
        "path": [b64(h) for h in path],
        "observed": observed,
    }


def unproved_reason(unproved: Any) -> str:
    """Why a record marked ``unproved`` proves nothing, as a message."""
    reason = unproved.get("reason") if isinstance(unproved, dict) else None
    detail = str(unproved.get("detail", "")) if isinstance(unproved, dict) else ""
    if reason == ENTRIES_UNREADABLE:
        return _(
            "the service's consistency path proves nothing offline, and its entries could "
            "not be read to make one ({detail})",
            detail=detail,
        )
    if reason == ENTRIES_SHORT:
        return _(
            "the service's consistency path proves nothing offline, and it served fewer "
            "entries than the larger checkpoint holds ({detail})",
            detail=detail,
        )
    if reason == ENTRIES_OTHER_ROOT:
        return _(
            "the service's consistency path proves nothing offline, and the entries it "
            "serves do not give the larger checkpoint's signed root"
        )
    return _("unproved for a reason this verifier does not know: {reason}", reason=reason)


def fork_message(body: dict[str, Any]) -> bytes:
    context = _CONTEXTS.get(str(body.get("format")), FORK_SIGNATURE_CONTEXT)
    return context + canonical_json({k: v for k, v in body.items() if k != "monitor"})


def check_fork_proof(value: Any, vkey: str | None = None) -> Fork:
    """The fork or inconsistency a proof shows; :class:`ForkProofError` if it shows none
    or is malformed. ``vkey``: the log's verifier key as the auditor knows it; the
    proof must be about that log."""
    inconsistency = isinstance(value, dict) and value.get("format") == INCONSISTENCY_FORMAT
    fields = _INCONSISTENCY_FIELDS if inconsistency else _FIELDS
    if inconsistency and "unproved" in value:
        fields = fields | {"unproved"}
    if not isinstance(value, dict) or set(value) != fields:
        raise ForkProofError(
            _("a fork proof is an object with the fields {fields}", fields=sorted(fields))
        )
    if value["format"] not in (FORK_FORMAT, INCONSISTENCY_FORMAT):
        raise ForkProofError(_("format is not {expected}", expected=FORK_FORMAT))
    if vkey is not None and str(value["vkey"]).strip() != vkey.strip():
        raise ForkProofError(
            _(
                "the proof is about the log key {claimed}, not {vkey}",
                claimed=value["vkey"],
                vkey=vkey,
            )
        )
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
    if inconsistency and "unproved" in value:
        # The monitor's signed record of what it was served: no proof, and why.
        _monitor_key(value)
        raise ForkProofError(
            _(
                "no offline proof, only the monitor's record: {why}",
                why=unproved_reason(value["unproved"]),
            )
        )
    if inconsistency:
        other = _inconsistent_root(value, a, b)
        return Fork(
            a.origin, a.size, (a.root, other), _monitor_key(value), "inconsistent", (a.size, b.size)
        )
    if not (a.size == b.size == value["size"]):
        raise ForkProofError(_("the checkpoints are not both of the size the proof names"))
    if a.root == b.root:
        raise ForkProofError(_("the two checkpoints have the same root: no fork"))
    return Fork(a.origin, a.size, (a.root, b.root), _monitor_key(value), "fork", (a.size, b.size))


def _inconsistent_root(value: dict[str, Any], a: Checkpoint, b: Checkpoint) -> bytes:
    """The root the path gives the first ``a.size`` leaves of ``b``'s tree, which is not
    ``a``'s; :class:`ForkProofError` otherwise."""
    if value["sizes"] != [a.size, b.size] or not 0 < a.size < b.size:
        raise ForkProofError(
            _("the checkpoints are not of the sizes the proof names, smaller first")
        )
    path = value["path"]
    if not isinstance(path, list) or not all(isinstance(h, str) for h in path):
        raise ForkProofError(_("path is not a list of base64 hashes"))
    try:
        hashes = [b64strict(h, _("path hash")) for h in path]
    except NoteError as exc:
        raise ForkProofError(reason_of(exc)) from exc
    roots = consistency_roots(a.size, b.size, hashes)
    if roots is None or roots[1] != b.root:
        raise ForkProofError(
            _("the path does not give the root of the checkpoint of size {size}", size=b.size)
        )
    if roots[0] == a.root:
        raise ForkProofError(
            _(
                "the path gives the signed root of size {size}: the checkpoints are consistent",
                size=a.size,
            )
        )
    return roots[0]


def _monitor_key(value: dict[str, Any]) -> bytes | None:
    monitor = value["monitor"]
    if monitor is None:
        return None
    if not isinstance(monitor, dict) or set(monitor) != {"key", "signature"}:
        raise ForkProofError(_("monitor is not {key, signature}"))
    try:
        monitor_key = b64strict(str(monitor["key"]), _("monitor key"))
        signature = b64strict(str(monitor["signature"]), _("monitor signature"))
    except NoteError as exc:
        raise ForkProofError(reason_of(exc)) from exc
    if not signature_ok(monitor_key, fork_message(value), signature):
        raise ForkProofError(_("the monitor's signature does not verify"))
    return monitor_key


def load_fork_proof(text: str, vkey: str | None = None) -> Fork:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ForkProofError(_("not JSON: {exc}", exc=exc)) from exc
    return check_fork_proof(value, vkey)
