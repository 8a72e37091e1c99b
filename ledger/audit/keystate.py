"""Key history: which key was valid where, and which keys may sign a checkpoint.

Keys are themselves entries of the log (``shuangsui.key.registered`` / ``.rotated``
/ ``.revoked``); :class:`~ledger.audit.chain.ChainChecker` builds a
:class:`KeyState` per key as it reads them.

Invariants:

* a key registered at position r is valid from r + 1 (from 1 if the genesis command
  registered it); a key rotated or revoked at position q is valid up to q, and is
  never valid again;
* a checkpoint of size s is accepted only if a ``ledger`` key valid at max(s, 1)
  signed it under the origin's name; cosignatures count only from registered
  ``witness`` keys under their note names (:func:`check_checkpoint`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.audit.errors import NoteError
from ledger.audit.messages import _
from ledger.audit.notes import (
    NOTE_COSIGNATURE,
    NOTE_ED25519,
    Checkpoint,
    NoteVerifier,
    b64,
    parse_checkpoint,
    parse_note,
    verify_note,
)

# --- stable event type names the verifier understands ---------------------------

GENESIS_TOPIC = "shuangsui.ledger.genesis"
KEY_REGISTERED_TOPIC = "shuangsui.key.registered"
KEY_ROTATED_TOPIC = "shuangsui.key.rotated"
KEY_REVOKED_TOPIC = "shuangsui.key.revoked"
KEY_CHANGE_TOPICS = (KEY_REGISTERED_TOPIC, KEY_ROTATED_TOPIC, KEY_REVOKED_TOPIC)
OFFICE_ROLE = "office"
LEDGER_ROLE = "ledger"


@dataclass
class KeyState:
    key_id: str
    public_key: bytes
    roles: frozenset[str]
    valid_from: int
    valid_to: int | None = None
    predecessor: str | None = None
    note_name: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "public_key": b64(self.public_key),
            "roles": sorted(self.roles),
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "note_name": self.note_name,
        }

    def valid_at(self, position: int) -> bool:
        return self.valid_from <= position and (self.valid_to is None or position <= self.valid_to)


def check_checkpoint(
    note_text: str,
    keys: dict[str, KeyState],
    origin: str | None,
    root: bytes | None,
    *,
    strict: bool = True,
) -> tuple[Checkpoint, list[str]]:
    """Verify a checkpoint against the key history: signed by the ledger key valid at
    its size (under the origin's name), cosigned only by registered witnesses, and
    with the root the entries give. Returns the checkpoint and its cosigners.
    ``strict``: refuse signature lines from keys the history does not know (bundles
    hold only verified signatures); a plain note verifier would ignore them."""
    note = parse_note(note_text)
    checkpoint = parse_checkpoint(note.text)
    if checkpoint.origin != origin:
        raise NoteError(
            _("checkpoint origin {origin!r} is not the ledger's", origin=checkpoint.origin)
        )
    at = max(checkpoint.size, 1)
    logs = [
        NoteVerifier(checkpoint.origin, k.public_key)
        for k in keys.values()
        if LEDGER_ROLE in k.roles and k.valid_at(at)
    ]
    witnesses = [
        NoteVerifier(k.note_name, k.public_key, NOTE_COSIGNATURE)
        for k in keys.values()
        if "witness" in k.roles and k.note_name
    ]
    verified = verify_note(note, logs + witnesses)
    if not any(v.algorithm == NOTE_ED25519 for v in verified):
        raise NoteError(_("checkpoint is not signed by the ledger key"))
    if strict and len(verified) != len(note.signatures):
        raise NoteError(_("checkpoint carries a signature from an unknown key"))
    if root is not None and checkpoint.root != root:
        raise NoteError(
            _("checkpoint root for size {size} differs from the entries'", size=checkpoint.size)
        )
    return checkpoint, [v.name for v in verified if v.algorithm == NOTE_COSIGNATURE]
