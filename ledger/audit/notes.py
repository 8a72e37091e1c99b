"""Signed notes and checkpoints: C2SP ``signed-note``, ``tlog-checkpoint`` and
``tlog-cosignature`` (``cosignature/v1``).

Invariants:

* a note is its text (ending in a newline), a blank line, and 1..64 signature lines
  ``"\u2014 " name " " base64(key id || signature)``; anything else, control
  characters included, is a :class:`~ledger.audit.errors.NoteError`;
* base64 is read strictly: standard, padded, and re-encoding to exactly the text
  given (:func:`b64strict`), so one value has one spelling;
* a key id is ``SHA-256(name || "\n" || algorithm || key)[:4]``; a log key signs the
  note's text (algorithm 0x01), a witness's cosignature (0x04) signs
  ``"cosignature/v1\ntime T\n" || text`` and carries the 8-byte timestamp;
* :func:`verify_note` ignores signatures from unknown keys but fails on any known
  key's bad signature, and when no known key signed at all;
* a checkpoint body is origin, decimal size without leading zeros, base64 of a
  32-byte root, then extension lines, each non-empty.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.audit.errors import NoteError
from ledger.audit.hashing import sha256, signature_ok
from ledger.audit.messages import _

NOTE_ED25519 = 0x01
NOTE_COSIGNATURE = 0x04
SIGNATURE_LINE_PREFIX = "\u2014 "  # em dash, space
COSIGNATURE_HEADER = "cosignature/v1\n"
MAX_NOTE_SIGNATURES = 64


def b64strict(text: str, what: str = "value") -> bytes:
    """Standard padded base64 that re-encodes to exactly ``text`` (no lenient forms)."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(_("{what} is not base64", what=what)) from exc
    if base64.b64encode(data).decode("ascii") != text:
        raise NoteError(_("{what} is not canonical base64", what=what))
    return data


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def note_key_id(name: str, algorithm: int, public_key: bytes) -> bytes:
    """C2SP signed-note key ID: SHA-256(name || 0x0A || algorithm || key)[:4]."""
    return sha256(name.encode("utf-8") + b"\n" + bytes([algorithm]) + public_key)[:4]


def valid_note_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


@dataclass(frozen=True)
class NoteVerifier:
    """A key that may sign notes: the log's key (0x01) or a witness's (0x04)."""

    name: str
    public_key: bytes
    algorithm: int = NOTE_ED25519

    @property
    def key_id(self) -> bytes:
        return note_key_id(self.name, self.algorithm, self.public_key)

    @property
    def vkey(self) -> str:
        """The ``name+hash+base64(alg || key)`` verifier key string."""
        return f"{self.name}+{self.key_id.hex()}+{b64(bytes([self.algorithm]) + self.public_key)}"

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        name, __, rest = vkey.strip().partition("+")
        key_hash, __, data = rest.partition("+")
        raw = b64strict(data, _("verifier key"))
        if (
            not valid_note_name(name)
            or len(raw) != 33
            or raw[0] not in (NOTE_ED25519, NOTE_COSIGNATURE)
        ):
            raise NoteError(_("not an Ed25519 verifier key (name+hash+base64)"))
        verifier = cls(name, raw[1:], raw[0])
        if verifier.key_id.hex() != key_hash:
            raise NoteError(_("verifier key hash does not match its name and key"))
        return verifier


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    blob: bytes  # after the key ID: a signature, or timestamp || signature

    @property
    def line(self) -> str:
        return f"{SIGNATURE_LINE_PREFIX}{self.name} {b64(self.key_id + self.blob)}\n"


@dataclass(frozen=True)
class Note:
    text: str  # the signed text, with its final newline
    signatures: tuple[NoteSignature, ...]

    def render(self) -> str:
        return self.text + "\n" + "".join(sig.line for sig in self.signatures)


def parse_note(data: str) -> Note:
    """Split a signed note into its text and signature lines (C2SP signed-note)."""
    if any(ord(c) < 0x20 and c != "\n" for c in data):
        raise NoteError(_("note contains control characters"))
    cut = data.rfind("\n\n")
    if cut < 0 or not data.endswith("\n"):
        raise NoteError(_("note has no blank line before its signatures, or no final newline"))
    text, lines = data[: cut + 1], data[cut + 2 :].split("\n")[:-1]
    if not lines or len(lines) > MAX_NOTE_SIGNATURES:
        raise NoteError(_("note has no signatures, or too many"))
    signatures = []
    for line in lines:
        if not line.startswith(SIGNATURE_LINE_PREFIX):
            raise NoteError(_("malformed signature line: {line!r}", line=line[:40]))
        name, __, blob = line[len(SIGNATURE_LINE_PREFIX) :].partition(" ")
        raw = b64strict(blob, _("signature"))
        if not valid_note_name(name) or len(raw) < 5:
            raise NoteError(_("malformed signature line: {line!r}", line=line[:40]))
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    return Note(text, tuple(signatures))


def cosigned_message(text: str, timestamp: int) -> bytes:
    return f"{COSIGNATURE_HEADER}time {timestamp}\n{text}".encode()


def verify_note(note: Note, verifiers: Sequence[NoteVerifier]) -> list[NoteVerifier]:
    """Verify every signature from a known key; ignore the others.

    Returns the verifiers whose signatures verified. Raises :class:`NoteError` if a
    known key's signature fails, or if no known key signed at all.
    """
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[NoteVerifier] = []
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if verifier.algorithm == NOTE_COSIGNATURE:
            if len(sig.blob) != 72:
                raise NoteError(_("cosignature by {name} is not 72 bytes", name=sig.name))
            timestamp = int.from_bytes(sig.blob[:8], "big")
            ok = signature_ok(
                verifier.public_key, cosigned_message(note.text, timestamp), sig.blob[8:]
            )
        else:
            ok = len(sig.blob) == 64 and signature_ok(
                verifier.public_key, note.text.encode("utf-8"), sig.blob
            )
        if not ok:
            raise NoteError(_("signature by {name} does not verify", name=sig.name))
        verified.append(verifier)
    if not verified:
        raise NoteError(_("no signature from a known key"))
    return verified


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        lines = [self.origin, str(self.size), b64(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """The body of a C2SP tlog-checkpoint (origin, size, base64 root, extensions)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
        raise NoteError(_("a checkpoint has at least three non-empty lines"))
    origin, size_text, root_text, *extensions = lines[:-1]
    if not (size_text.isascii() and size_text.isdigit()) or (
        size_text != "0" and size_text.startswith("0")
    ):
        raise NoteError(
            _(
                "checkpoint size {size_text!r} is not a decimal without leading zeros",
                size_text=size_text,
            )
        )
    root = b64strict(root_text, _("checkpoint root"))
    if len(root) != 32:
        raise NoteError(_("checkpoint root is not 32 bytes"))
    return Checkpoint(origin, int(size_text), root, tuple(extensions))
