"""Signed receipts: what the ledger promises an actor about the command it accepted.

A receipt is RFC 8785 canonical JSON::

    {"format": "shuangsui-receipt-v1", "origin": o, "action": a,
     "command": hex SHA-256 of the command's evidence (the entries' ``command``),
     "entries": [{"position": p, "hash": base64 leaf hash}, ...],
     "checkpoint": {"size": n, "root": base64},   # the latest checkpoint when issued
     "key": ledger key id, "signature": base64 Ed25519}

The signature covers ``"shuangsui/receipt/v1\\n" || canonical(receipt without
"signature")``. An actor keeps it; later, against the log as it is then, the receipt
proves each entry it names is still at its position with the same hash (an RFC 9162
inclusion proof into the current checkpoint) and that the current checkpoint extends
the one the receipt names (a consistency proof). A rewrite of anything a receipt
covers -- even resealed with the ledger key, even under a new checkpoint -- fails.

Invariants: standard library and PyNaCl only; values are strings, integers, lists
and objects, so the canonical form below is exactly RFC 8785's (the writer's
``ledger.canonical`` gives the same bytes, a unit test pins it); parsing is strict
(exact fields, canonical base64, positions consecutive and positive).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.audit.errors import NoteError, ReceiptError
from ledger.audit.hashing import signature_ok, verify_consistency, verify_inclusion
from ledger.audit.keystate import LEDGER_ROLE, KeyState
from ledger.audit.messages import _, reason_of
from ledger.audit.notes import b64, b64strict

RECEIPT_FORMAT = "shuangsui-receipt-v1"
RECEIPT_SIGNATURE_CONTEXT = b"shuangsui/receipt/v1\n"
_FIELDS = {"format", "origin", "action", "command", "entries", "checkpoint", "key", "signature"}


def canonical_json(value: Any) -> bytes:
    """RFC 8785 for the values receipts hold (str, int, list, dict with str keys)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Receipt:
    origin: str
    action: str
    command: str
    entries: tuple[tuple[int, bytes], ...]  # (position, entry hash)
    checkpoint_size: int
    checkpoint_root: bytes
    key: str
    signature: bytes

    def body(self) -> dict[str, Any]:
        return {
            "format": RECEIPT_FORMAT,
            "origin": self.origin,
            "action": self.action,
            "command": self.command,
            "entries": [{"position": p, "hash": b64(h)} for p, h in self.entries],
            "checkpoint": {"size": self.checkpoint_size, "root": b64(self.checkpoint_root)},
            "key": self.key,
        }

    def message(self) -> bytes:
        return RECEIPT_SIGNATURE_CONTEXT + canonical_json(self.body())

    def as_dict(self) -> dict[str, Any]:
        return {**self.body(), "signature": b64(self.signature)}

    @property
    def positions(self) -> list[int]:
        return [p for p, __ in self.entries]


def receipt_message(body: Mapping[str, Any]) -> bytes:
    """What the ledger key signs for a receipt body (no ``signature`` field)."""
    return RECEIPT_SIGNATURE_CONTEXT + canonical_json(dict(body))


def _int(value: Any, what: str, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ReceiptError(_("{what} is not an integer >= {minimum}", what=what, minimum=minimum))
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ReceiptError(_("{what} is not a non-empty string", what=what))
    return value


def _hash(value: Any, what: str) -> bytes:
    try:
        raw = b64strict(_str(value, what), what)
    except NoteError as exc:
        raise ReceiptError(reason_of(exc)) from exc
    if len(raw) != 32:
        raise ReceiptError(_("{what} is not a 32-byte hash", what=what))
    return raw


def parse_receipt(value: Any) -> Receipt:
    """A receipt from its decoded JSON; :class:`ReceiptError` says what is wrong."""
    if not isinstance(value, dict):
        raise ReceiptError(_("a receipt is a JSON object"))
    if set(value) != _FIELDS:
        missing, extra = sorted(_FIELDS - set(value)), sorted(set(value) - _FIELDS)
        raise ReceiptError(
            _("receipt fields: missing {missing}, unexpected {extra}", missing=missing, extra=extra)
        )
    if value["format"] != RECEIPT_FORMAT:
        raise ReceiptError(_("receipt format is not {expected}", expected=RECEIPT_FORMAT))
    command = _str(value["command"], "command")
    if len(command) != 64 or any(c not in "0123456789abcdef" for c in command):
        raise ReceiptError(_("command is not a hex SHA-256"))
    entries = value["entries"]
    if not isinstance(entries, list) or not entries:
        raise ReceiptError(_("entries is not a non-empty list"))
    parsed: list[tuple[int, bytes]] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != {"position", "hash"}:
            raise ReceiptError(_("entries[{i}] is not {{position, hash}}", i=i))
        position = _int(entry["position"], f"entries[{i}].position", 1)
        if parsed and position != parsed[-1][0] + 1:
            raise ReceiptError(_("entry positions are not consecutive"))
        parsed.append((position, _hash(entry["hash"], f"entries[{i}].hash")))
    checkpoint = value["checkpoint"]
    if not isinstance(checkpoint, dict) or set(checkpoint) != {"size", "root"}:
        raise ReceiptError(_("checkpoint is not {size, root}"))
    try:
        signature = b64strict(_str(value["signature"], "signature"), _("signature"))
    except NoteError as exc:
        raise ReceiptError(reason_of(exc)) from exc
    if len(signature) != 64:
        raise ReceiptError(_("signature is not 64 bytes"))
    return Receipt(
        origin=_str(value["origin"], "origin"),
        action=_str(value["action"], "action"),
        command=command,
        entries=tuple(parsed),
        checkpoint_size=_int(checkpoint["size"], "checkpoint.size", 0),
        checkpoint_root=_hash(checkpoint["root"], "checkpoint.root"),
        key=_str(value["key"], "key"),
        signature=signature,
    )


def load_receipt(text: str) -> Receipt:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ReceiptError(_("not JSON: {exc}", exc=exc)) from exc
    return parse_receipt(value)


def check_signature(receipt: Receipt, keys: Mapping[str, KeyState], origin: str | None) -> None:
    """The receipt is the ledger's: its origin, and a ``ledger`` key of the key history
    valid at its last position signed it. Raises :class:`ReceiptError` otherwise."""
    if receipt.origin != origin:
        raise ReceiptError(
            _(
                "receipt is for log {origin!r}, not {expected!r}",
                origin=receipt.origin,
                expected=origin,
            )
        )
    key = keys.get(receipt.key)
    if key is None or LEDGER_ROLE not in key.roles:
        raise ReceiptError(_("receipt key {key} is not a ledger key of this log", key=receipt.key))
    if not key.valid_at(receipt.positions[-1]):
        raise ReceiptError(
            _("receipt key {key} was not valid at the receipt's position", key=receipt.key)
        )
    if not signature_ok(key.public_key, receipt.message(), receipt.signature):
        raise ReceiptError(_("receipt signature does not verify"))


#: ``prove(position, size)`` -> inclusion proof; ``consistency(old, new)`` -> proof.
Prover = Callable[[int, int], Sequence[bytes]]


def check_in_log(
    receipt: Receipt,
    size: int,
    root: bytes,
    prove: Prover,
    consistency: Prover,
) -> str | None:
    """Is what the receipt names still in the log whose tree of ``size`` has ``root``?
    None if so, else why not (the first problem). Proofs come from the log; they are
    checked here against the receipt's own hashes and roots."""
    if receipt.checkpoint_size > size:
        return _(
            "the log's checkpoint has {size} entries, fewer than the {receipted} the "
            "receipt was issued at: the log was truncated",
            size=size,
            receipted=receipt.checkpoint_size,
        )
    if not verify_consistency(
        receipt.checkpoint_size,
        size,
        consistency(receipt.checkpoint_size, size),
        receipt.checkpoint_root,
        root,
    ):
        return _(
            "the log of size {size} does not extend the checkpoint of size "
            "{receipted} the receipt names: history was rewritten",
            size=size,
            receipted=receipt.checkpoint_size,
        )
    for position, entry_hash in receipt.entries:
        if position > size:
            return _(
                "position {position} is beyond the log's {size} entries: the log was truncated",
                position=position,
                size=size,
            )
        if not verify_inclusion(entry_hash, position - 1, size, prove(position, size), root):
            return _(
                "the entry at position {position} is not the one receipted: it was rewritten",
                position=position,
            )
    return None
