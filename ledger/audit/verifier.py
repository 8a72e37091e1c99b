"""Verify a ledger: every entry hash, link, ledger signature and actor signature.

This module is the auditor's module. It depends on nothing but the Python standard
library and PyNaCl, so it can be read in one sitting and run on a machine that has
only a copy of the ledger (a database or an export bundle). The writer imports its
definitions (hashes, key ids, evidence parsing) from here, so the two cannot drift.

What a valid ledger is
----------------------
The log is a sequence of *entries* at gapless positions 1..N. Each entry is stored
as the RFC 8785 canonical JSON bytes of::

    {"command": hex, "event": hex, "part": [i, n], "position": p, "prev": hex,
     "schema": k, "stream": uuid, "time": iso8601, "type": topic, "v": 1,
     "version": v}

* ``entry_hash = SHA-256(0x00 || entry)`` -- the RFC 9162 leaf hash, so entries are
  also the leaves of the Merkle tree behind checkpoints;
* ``prev`` is the previous entry's hash (32 zero bytes for position 1);
* ``event`` is SHA-256 of the stored event's bytes exactly as stored; ``stream``,
  ``version`` and ``type`` repeat the stored event's id, version and topic;
* ``command`` is SHA-256 of the *evidence* of the command that caused the entry: the
  bytes the actor signed and the signature. One command may cause several entries;
  they are consecutive and numbered ``part = [0, n] .. [n-1, n]``. The first carries
  the evidence itself; the last carries the ledger key's Ed25519 signature over
  ``"shuangsui/entry/v1\\n" || entry_hash``, which through the links covers every
  entry of the command (one signature per commit, not per row);
* the actor's key must be registered and not revoked at the command's position, and
  its (key, nonce) pair may appear in one command only;
* keys are themselves entries: ``shuangsui.key.registered`` / ``.rotated`` /
  ``.revoked``. A key registered at position r is valid from r + 1; a key revoked or
  rotated at position q is valid up to q. Keys registered by the genesis command
  (position 1) are valid from position 1. Keys are registered by a key with the
  ``office`` role; a holder may rotate or revoke their own key.

The first failure is reported with its position and one of the reasons below.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError, CryptoError

# --- hashing (RFC 9162 section 2.1) -------------------------------------------

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
ZERO_HASH = bytes(32)
ENTRY_FORMAT = 1
ENTRY_SIGNATURE_CONTEXT = b"shuangsui/entry/v1\n"
COMMAND_SIGNATURE_CONTEXT = b"shuangsui/command/v1\n"
COMMAND_SCHEME = "shuangsui-command-v1"
#: A request to the HTTP API signed with RFC 9421 HTTP Message Signatures.
HTTP_SCHEME = "rfc9421"
#: The ``tag`` every API request signature carries, so no signature made for another
#: application is ever taken as a command here.
HTTP_SIGNATURE_TAG = "shuangsui-api-v1"


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || entry)."""
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def key_id_for(public_key: bytes) -> str:
    """A key's id: the first 8 bytes of SHA-256 of the raw public key, in hex."""
    return hashlib.sha256(public_key).digest()[:8].hex()


def _lsb(n: int) -> int:
    return n & 1


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: is ``leaf`` (a leaf hash) at ``index`` in ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if _lsb(fn) or fn == sn:
            r = node_hash(p, r)
            if not _lsb(fn):
                while not (_lsb(fn) or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """RFC 9162 section 2.1.4.2: does the tree ``new_root`` extend ``old_root``?"""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while _lsb(fn):
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if _lsb(fn) or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not _lsb(fn):
                while not (_lsb(fn) or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


@dataclass
class MerkleFrontier:
    """The perfect subtrees of a growing tree, left to right: O(log n) hashes that
    give the root of everything appended so far (RFC 9162 MTH)."""

    size: int = 0
    nodes: list[tuple[int, int, bytes]] = field(default_factory=list)  # (level, index, hash)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the interior nodes this completes."""
        completed: list[tuple[int, int, bytes]] = []
        level, index, h = 0, self.size, leaf
        while self.nodes and self.nodes[-1][0] == level:
            _, left_index, left = self.nodes.pop()
            h = node_hash(left, h)
            level, index = level + 1, left_index >> 1
            completed.append((level, index, h))
        self.nodes.append((level, index, h))
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.nodes:
            return sha256(b"")
        result = self.nodes[-1][2]
        for _, _, h in reversed(self.nodes[:-1]):
            result = node_hash(h, result)
        return result


# --- signed notes and checkpoints (C2SP signed-note, tlog-checkpoint, tlog-cosignature) --

NOTE_ED25519 = 0x01
NOTE_COSIGNATURE = 0x04
SIGNATURE_LINE_PREFIX = "\u2014 "  # em dash, space
COSIGNATURE_HEADER = "cosignature/v1\n"
MAX_NOTE_SIGNATURES = 64


class NoteError(ValueError):
    """A note, checkpoint or cosignature that is malformed or does not verify."""


def b64strict(text: str, what: str = "value") -> bytes:
    """Standard padded base64 that re-encodes to exactly ``text`` (no lenient forms)."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"{what} is not base64") from exc
    if base64.b64encode(data).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical base64")
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
        name, _, rest = vkey.strip().partition("+")
        key_hash, _, data = rest.partition("+")
        raw = b64strict(data, "verifier key")
        if (
            not valid_note_name(name)
            or len(raw) != 33
            or raw[0] not in (NOTE_ED25519, NOTE_COSIGNATURE)
        ):
            raise NoteError("not an Ed25519 verifier key (name+hash+base64)")
        verifier = cls(name, raw[1:], raw[0])
        if verifier.key_id.hex() != key_hash:
            raise NoteError("verifier key hash does not match its name and key")
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
        raise NoteError("note contains control characters")
    cut = data.rfind("\n\n")
    if cut < 0 or not data.endswith("\n"):
        raise NoteError("note has no blank line before its signatures, or no final newline")
    text, lines = data[: cut + 1], data[cut + 2 :].split("\n")[:-1]
    if not lines or len(lines) > MAX_NOTE_SIGNATURES:
        raise NoteError("note has no signatures, or too many")
    signatures = []
    for line in lines:
        if not line.startswith(SIGNATURE_LINE_PREFIX):
            raise NoteError(f"malformed signature line: {line[:40]!r}")
        name, _, blob = line[len(SIGNATURE_LINE_PREFIX) :].partition(" ")
        raw = b64strict(blob, "signature")
        if not valid_note_name(name) or len(raw) < 5:
            raise NoteError(f"malformed signature line: {line[:40]!r}")
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
                raise NoteError(f"cosignature by {sig.name} is not 72 bytes")
            timestamp = int.from_bytes(sig.blob[:8], "big")
            ok = signature_ok(
                verifier.public_key, cosigned_message(note.text, timestamp), sig.blob[8:]
            )
        else:
            ok = len(sig.blob) == 64 and signature_ok(
                verifier.public_key, note.text.encode("utf-8"), sig.blob
            )
        if not ok:
            raise NoteError(f"signature by {sig.name} does not verify")
        verified.append(verifier)
    if not verified:
        raise NoteError("no signature from a known key")
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
        raise NoteError("a checkpoint has at least three non-empty lines")
    origin, size_text, root_text, *extensions = lines[:-1]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"checkpoint size {size_text!r} is not a decimal without leading zeros")
    root = b64strict(root_text, "checkpoint root")
    if len(root) != 32:
        raise NoteError("checkpoint root is not 32 bytes")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


# --- stable event type names the verifier understands ---------------------------

GENESIS_TOPIC = "shuangsui.ledger.genesis"
KEY_REGISTERED_TOPIC = "shuangsui.key.registered"
KEY_ROTATED_TOPIC = "shuangsui.key.rotated"
KEY_REVOKED_TOPIC = "shuangsui.key.revoked"
KEY_CHANGE_TOPICS = (KEY_REGISTERED_TOPIC, KEY_ROTATED_TOPIC, KEY_REVOKED_TOPIC)
OFFICE_ROLE = "office"
LEDGER_ROLE = "ledger"

# --- reasons --------------------------------------------------------------------

HASH_MISMATCH = "hash mismatch"
BROKEN_LINK = "broken link"
BAD_LEDGER_SIGNATURE = "bad ledger signature"
BAD_ACTOR_SIGNATURE = "bad actor signature"
KEY_NOT_VALID = "key not valid at position"
MISSING_POSITION = "missing position"
REPLAYED_NONCE = "replayed nonce"
MISSING_EVENT = "missing event"
UNCHAINED_EVENT = "unchained event"
MALFORMED_ENTRY = "malformed entry"
BAD_GENESIS = "bad genesis"
BAD_KEY_EVENT = "bad key event"
UNAUTHORISED_KEY_CHANGE = "unauthorised key change"
BAD_PROOF = "bad inclusion proof"
BAD_TREE = "tree node mismatch"
BAD_CHECKPOINT = "bad checkpoint"
MALFORMED_BUNDLE = "malformed bundle"


# --- rows as stored ---------------------------------------------------------------


@dataclass(frozen=True)
class StoredEventRow:
    """A stored event exactly as the event table holds it."""

    stream: str
    version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class ChainRow:
    """A chain row exactly as stored, joined with its stored event (None if gone)."""

    position: int
    entry: bytes
    entry_hash: bytes
    command: bytes | None
    actor_key: str | None
    nonce: str | None
    signer: str | None
    signature: bytes | None
    event: StoredEventRow | None
    #: The stored event's notification id (its place in the event table's own order).
    notification_id: int = 0


@dataclass(frozen=True)
class Failure:
    position: int
    reason: str
    detail: str

    def __str__(self) -> str:
        return f"position {self.position}: {self.reason} ({self.detail})"


@dataclass(repr=False)
class Report:
    """The outcome of a verification. Truthy when the ledger is intact."""

    size: int = 0
    head: bytes = ZERO_HASH
    origin: str | None = None
    failure: Failure | None = None
    commands: int = 0
    signatures: int = 0
    keys: dict[str, KeyState] = field(default_factory=dict)
    #: Checkpoint sizes verified (bundles), and who cosigned each.
    checkpoints: dict[int, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.failure is None

    def __repr__(self) -> str:
        return f"Report(size={self.size}, failure={self.failure})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.failure is None,
            "size": self.size,
            "head": self.head.hex(),
            "origin": self.origin,
            "commands": self.commands,
            "signatures_checked": self.signatures,
            "keys": len(self.keys),
            "checkpoints": {str(k): v for k, v in self.checkpoints.items()},
            "failure": None
            if self.failure is None
            else {
                "position": self.failure.position,
                "reason": self.failure.reason,
                "detail": self.failure.detail,
            },
        }


# --- command evidence ----------------------------------------------------------------


class EvidenceError(ValueError):
    """Evidence bytes that do not parse as a known scheme."""


@dataclass(frozen=True)
class Evidence:
    """Who asked for a command, and the proof.

    ``message`` is exactly the byte string the actor's key signed; ``signature`` the
    Ed25519 signature over it. The stored form is a JSON object with ``scheme``,
    ``key``, ``signed`` (the signed text, verbatim) and ``signature`` (base64), so a
    verifier never re-serialises anything. Scheme ``shuangsui-command-v1``: the signed
    text is the RFC 8785 form of ``{action, params, actor, created, nonce}`` and the
    message is ``"shuangsui/command/v1\n" || text``.
    """

    scheme: str
    key: str
    nonce: str
    created: int
    action: str
    params: Any
    message: bytes
    signature: bytes
    attachment: Any = None


def _b64decode(text: Any) -> bytes:
    if not isinstance(text, str):
        raise EvidenceError("expected base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EvidenceError(f"bad base64: {exc}") from exc


def parse_evidence(data: bytes) -> Evidence:
    """Parse stored evidence bytes; raises :class:`EvidenceError`."""
    try:
        outer = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"evidence is not JSON: {exc}") from exc
    if not isinstance(outer, dict):
        raise EvidenceError("evidence is not an object")
    scheme = outer.get("scheme")
    signature = _b64decode(outer.get("signature"))
    if len(signature) != 64:
        raise EvidenceError("signature is not 64 bytes")
    signed = outer.get("signed")
    if not isinstance(signed, str):
        raise EvidenceError("evidence has no signed text")
    if scheme == HTTP_SCHEME:
        return _http_evidence(outer, signed, signature)
    if scheme == COMMAND_SCHEME:
        try:
            command = json.loads(signed)
        except ValueError as exc:
            raise EvidenceError(f"signed command is not JSON: {exc}") from exc
        if not isinstance(command, dict):
            raise EvidenceError("signed command is not an object")
        key, nonce = command.get("actor"), command.get("nonce")
        created, action = command.get("created"), command.get("action")
        if outer.get("key") != key:
            raise EvidenceError("evidence key differs from the command's actor")
        message = COMMAND_SIGNATURE_CONTEXT + signed.encode("utf-8")
        params = command.get("params")
    else:
        raise EvidenceError(f"unknown evidence scheme {scheme!r}")
    if not (isinstance(key, str) and isinstance(nonce, str) and nonce):
        raise EvidenceError("evidence lacks a key id or nonce")
    if not isinstance(created, int) or isinstance(created, bool):
        raise EvidenceError("evidence lacks a created time")
    if not isinstance(action, str) or not action:
        raise EvidenceError("evidence lacks an action")
    return Evidence(
        scheme=scheme,
        key=key,
        nonce=nonce,
        created=created,
        action=action,
        params=params,
        message=message,
        signature=signature,
    )


# --- RFC 9421: a signed API request as evidence -------------------------------------------
#
# Stored form: {"scheme": "rfc9421", "key", "signed": the signature base (RFC 9421
# section 2.5) verbatim, "signature": base64, "body": the request content as text}.
# The base must cover "@method", "@path" and "content-digest" (RFC 9530, sha-256), with
# created, keyid, nonce and tag parameters; the digest must match the body; the route
# (method and path) names the action, and the body plus the path's variables are its
# parameters. The table below is part of the evidence format: the API is built from it.

#: (method, path template, action, attachment field, area). ``{name}`` is a text path
#: variable, ``{name:int}`` an integer; the attachment field, if any, is carried by the
#: body but handed to the command as its bulk attachment rather than a parameter.
HTTP_ROUTES: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("POST", "/api/v1/departments", "department.register", None, "organisations"),
    (
        "POST",
        "/api/v1/departments/{department}/sections",
        "department.add_section",
        None,
        "organisations",
    ),
    ("POST", "/api/v1/keys", "key.register", None, "organisations"),
    ("POST", "/api/v1/keys/{key_id}/rotation", "key.rotate", None, "organisations"),
    ("POST", "/api/v1/keys/{key_id}/revocation", "key.revoke", None, "organisations"),
    ("POST", "/api/v1/notes", "note.append", None, "organisations"),
    ("POST", "/api/v1/calendar/amendments", "calendar.amend", None, "organisations"),
    ("POST", "/api/v1/item-lists/drafts", "items.draft", None, "items"),
    ("POST", "/api/v1/item-lists/publications", "items.publish", None, "items"),
    ("POST", "/api/v1/joint-item-list/drafts", "items.draft_joint", None, "items"),
    ("POST", "/api/v1/joint-item-list/publications", "items.publish_joint", None, "items"),
    ("POST", "/api/v1/directory/imports", "directory.import.begin", None, "directory"),
    (
        "POST",
        "/api/v1/directory/imports/{import_id}/batches",
        "directory.import.batch",
        "rows",
        "directory",
    ),
    (
        "POST",
        "/api/v1/directory/imports/{import_id}/completion",
        "directory.import.complete",
        None,
        "directory",
    ),
    (
        "POST",
        "/api/v1/directory/objects/{object}/changes",
        "directory.object.update",
        None,
        "directory",
    ),
    (
        "POST",
        "/api/v1/directory/objects/{object}/closure",
        "directory.object.close",
        None,
        "directory",
    ),
    ("POST", "/api/v1/inspectors/proposals", "inspectors.propose", "rows", "directory"),
    ("POST", "/api/v1/inspectors/decisions", "inspectors.decide", None, "directory"),
    ("POST", "/api/v1/plans/{year:int}/drafts", "plans.draft", None, "plans"),
    ("POST", "/api/v1/plans/{year:int}/publications", "plans.publish", None, "plans"),
    ("POST", "/api/v1/tasks", "task.create", None, "tasks"),
    ("POST", "/api/v1/tasks/{task}/participants", "task.join", None, "tasks"),
    ("POST", "/api/v1/tasks/{task}/organisation", "task.organise", None, "tasks"),
    ("POST", "/api/v1/tasks/{task}/draws", "draw.commit", None, "draws"),
    (
        "POST",
        "/api/v1/tasks/{task}/draws/{draw:int}/witness-commitments",
        "draw.witness_commit",
        None,
        "draws",
    ),
    (
        "POST",
        "/api/v1/tasks/{task}/draws/{draw:int}/witness-reveals",
        "draw.witness_reveal",
        None,
        "draws",
    ),
    ("POST", "/api/v1/tasks/{task}/draws/{draw:int}/dice", "draw.dice", None, "draws"),
    ("POST", "/api/v1/tasks/{task}/draws/{draw:int}/beacon", "draw.beacon", None, "draws"),
    ("POST", "/api/v1/tasks/{task}/draws/{draw:int}/run", "draw.run", None, "draws"),
    ("POST", "/api/v1/tasks/{task}/draws/{draw:int}/recusals", "draw.recuse", None, "draws"),
    ("POST", "/api/v1/inspections", "inspection.record", None, "inspections"),
    ("POST", "/api/v1/results", "result.enter", None, "inspections"),
    ("POST", "/api/v1/results/publications", "result.publish", None, "inspections"),
    ("POST", "/api/v1/results/withholdings", "result.withhold", None, "inspections"),
    ("POST", "/api/v1/results/follow-ups", "result.follow_up", None, "inspections"),
    ("POST", "/api/v1/reports", "report.submit", None, "inspections"),
    ("POST", "/api/v1/reviews/settlements", "review.settle", None, "reviews"),
)

_BASE_LINE = re.compile(r'^"([^"\\]+)"((?:;[^:]*)?): (.*)$')
_SIG_PARAMS = re.compile(
    r'^\(((?:"[^"\\]+"(?:;[^ )]*)? ?)*)\)((?:;[^;=]+=(?:"(?:[^"\\]|\\.)*"|-?\d+))*)$'
)
_SIG_PARAM = re.compile(r';([a-z0-9_.*-]+)=("(?:[^"\\]|\\.)*"|-?\d+)')
_DIGEST = re.compile(r"(?:^|,)\s*sha-256=:([A-Za-z0-9+/=]+):\s*(?:,|$)")


def route_for(method: str, path: str) -> tuple[str, dict[str, Any], str | None] | None:
    """The (action, path variables, attachment field) a write request names, if any."""
    for route_method, template, action, attachment, _ in HTTP_ROUTES:
        if route_method != method:
            continue
        found = _route_pattern(template).fullmatch(path)
        if found:
            values: dict[str, Any] = {}
            for name, text in found.groupdict().items():
                value = urllib.parse.unquote(text)
                if template.find("{" + name + ":int}") >= 0:
                    if not value.isdigit() or len(value) > 9:
                        return None
                    values[name] = int(value)
                else:
                    values[name] = value
            return action, values, attachment
    return None


def _route_pattern(template: str) -> re.Pattern[str]:
    pattern = _ROUTE_PATTERNS.get(template)
    if pattern is None:
        source = re.sub(r"\{(\w+)(?::int)?\}", r"(?P<\1>[^/]+)", template)
        pattern = _ROUTE_PATTERNS[template] = re.compile(source)
    return pattern


_ROUTE_PATTERNS: dict[str, re.Pattern[str]] = {}


def _sf_string(text: str) -> str:
    return re.sub(r'\\(["\\])', r"\1", text[1:-1])


def parse_signature_base(base: str) -> tuple[dict[str, str], list[str], dict[str, Any]]:
    """(component values, covered ids in order, signature parameters) of an RFC 9421
    signature base; raises :class:`EvidenceError` if it is not one."""
    lines = base.split("\n")
    values: dict[str, str] = {}
    order: list[str] = []
    for line in lines[:-1]:
        found = _BASE_LINE.match(line)
        if not found or found.group(2):
            raise EvidenceError(f"signature base line {line[:60]!r} is not a plain component")
        name = found.group(1)
        if name in values or name == "@signature-params":
            raise EvidenceError(f"component {name!r} repeated in the signature base")
        values[name] = found.group(3)
        order.append(name)
    last = _BASE_LINE.match(lines[-1])
    if not last or last.group(1) != "@signature-params":
        raise EvidenceError("the signature base does not end with @signature-params")
    found = _SIG_PARAMS.match(last.group(3))
    if not found:
        raise EvidenceError("unreadable @signature-params")
    covered = re.findall(r'"([^"]+)"', found.group(1))
    if covered != order:
        raise EvidenceError("@signature-params does not list the base's components")
    params: dict[str, Any] = {}
    for key, value in _SIG_PARAM.findall(found.group(2)):
        params[key] = _sf_string(value) if value.startswith('"') else int(value)
    return values, order, params


def _http_evidence(outer: dict[str, Any], base: str, signature: bytes) -> Evidence:
    body = outer.get("body")
    if not isinstance(body, str):
        raise EvidenceError("rfc9421 evidence has no body text")
    values, _, params = parse_signature_base(base)
    for needed in ("@method", "@path", "content-digest"):
        if needed not in values:
            raise EvidenceError(f"the request signature does not cover {needed}")
    if params.get("tag") != HTTP_SIGNATURE_TAG:
        raise EvidenceError(f"the request signature's tag is not {HTTP_SIGNATURE_TAG!r}")
    if params.get("alg", "ed25519") != "ed25519":
        raise EvidenceError("the request signature's alg is not ed25519")
    key, nonce, created = params.get("keyid"), params.get("nonce"), params.get("created")
    if outer.get("key") != key:
        raise EvidenceError("evidence key differs from the signature's keyid")
    digest = _DIGEST.search(values["content-digest"])
    if not digest or _b64decode(digest.group(1)) != sha256(body.encode("utf-8")):
        raise EvidenceError("the content-digest does not match the request body")
    route = route_for(values["@method"], values["@path"])
    if route is None:
        raise EvidenceError(f"no command is {values['@method']} {values['@path']}")
    action, variables, attachment_field = route
    try:
        request = json.loads(body)
    except ValueError as exc:
        raise EvidenceError(f"the request body is not JSON: {exc}") from exc
    if not isinstance(request, dict):
        raise EvidenceError("the request body is not a JSON object")
    attachment = request.pop(attachment_field, None) if attachment_field else None
    clash = set(variables) & set(request)
    if clash:
        raise EvidenceError(f"the body repeats the path's {', '.join(sorted(clash))}")
    if not (isinstance(key, str) and isinstance(nonce, str) and nonce):
        raise EvidenceError("evidence lacks a key id or nonce")
    if not isinstance(created, int):
        raise EvidenceError("evidence lacks a created time")
    return Evidence(
        scheme=HTTP_SCHEME,
        key=key,
        nonce=nonce,
        created=created,
        action=action,
        params={**request, **variables},
        message=base.encode("utf-8"),
        signature=signature,
        attachment=attachment,
    )


def signature_ok(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        crypto_sign_open(signature + message, public_key)
    except (BadSignatureError, CryptoError, ValueError, TypeError):
        return False
    return True


# --- key history -------------------------------------------------------------------------


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


# --- the sequential checker ---------------------------------------------------------------

ACTOR, LEDGER = 0, 1
#: (position, kind, public key, message, signature)
SignatureJob = tuple[int, int, bytes, bytes, bytes]


@dataclass
class _OpenCommand:
    digest: str
    count: int
    next_part: int
    first_position: int
    evidence: Evidence


class ChainChecker:
    """Checks rows one by one, in position order, and collects signature jobs.

    Everything except the Ed25519 verifications happens here, sequentially (it is
    cheap, and the key history is inherently ordered). The signature jobs can then
    run on every core with :func:`check_signatures`.
    """

    def __init__(
        self,
        *,
        expected: int = 1,
        prev: bytes = ZERO_HASH,
        keys: dict[str, KeyState] | None = None,
        sparse: bool = False,
    ) -> None:
        #: ``sparse``: the rows are a slice of the log (an evidence bundle); positions may
        #: skip, links are checked only between consecutive positions, and each entry's
        #: place in the log is proved by an inclusion proof instead.
        self.sparse = sparse
        self.expected = expected
        self.prev = prev
        self.keys: dict[str, KeyState] = dict(keys or {})
        self.nonces: set[tuple[str, str]] = set()
        self.open: _OpenCommand | None = None
        self.origin: str | None = None
        self.commands = 0
        self.signatures = 0
        self.last_notification_id = 0
        self.stream_versions: dict[str, list[int]] = {}
        #: Sparse mode: for each command, the streams and topics its entries touch.
        self.slice_commands: list[tuple[set[str], set[str]]] = []
        self.jobs: list[SignatureJob] = []
        self._genesis_actor: Evidence | None = None

    # The ChainRow is checked field by field; the first problem is returned.
    def check(self, row: ChainRow) -> Failure | None:
        p = self.expected
        linked = True
        if self.sparse and row.position > p:
            if self.open is not None:
                return Failure(p, MISSING_POSITION, "a slice must hold whole commands")
            p, linked = row.position, False
        if row.position != p:
            if row.position > p:
                return Failure(p, MISSING_POSITION, f"next stored position is {row.position}")
            return Failure(p, BROKEN_LINK, f"position {row.position} appears out of order")
        if leaf_hash(row.entry) != row.entry_hash:
            return Failure(p, HASH_MISMATCH, "entry hash does not match the entry bytes")
        try:
            entry = json.loads(row.entry)
            position, prev = entry["position"], entry["prev"]
            stream, version, topic = entry["stream"], entry["version"], entry["type"]
            event_digest, command_digest = entry["event"], entry["command"]
            part, count = entry["part"]
            if (
                entry["v"] != ENTRY_FORMAT
                or not isinstance(part, int)
                or not isinstance(count, int)
            ):
                raise ValueError("unknown entry format")
            if not 0 <= part < count:
                raise ValueError("part out of range")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            return Failure(p, MALFORMED_ENTRY, str(exc))
        if position != p:
            return Failure(p, BROKEN_LINK, f"entry says position {position}")
        if linked and prev != self.prev.hex():
            return Failure(p, BROKEN_LINK, "prev is not the previous entry's hash")
        if row.notification_id <= self.last_notification_id:
            return Failure(p, BROKEN_LINK, "entries are not in the events' commit order")
        event = row.event
        if event is None:
            return Failure(p, MISSING_EVENT, f"stream {stream} version {version} is not stored")
        if (event.stream, event.version, event.topic) != (stream, version, topic):
            return Failure(
                p, HASH_MISMATCH, "stored event id, version or type differs from the entry"
            )
        if sha256(event.state).hex() != event_digest:
            return Failure(p, HASH_MISMATCH, "stored event bytes differ from the entry's digest")
        if self.sparse:
            self.stream_versions.setdefault(stream, []).append(version)
            if part == 0:
                self.slice_commands.append((set(), set()))
            self.slice_commands[-1][0].add(stream)
            self.slice_commands[-1][1].add(topic)

        failure = self._check_command(row, p, part, count, command_digest)
        if failure:
            return failure
        if topic in KEY_CHANGE_TOPICS or topic == GENESIS_TOPIC or p == 1:
            failure = self._apply_key_event(p, topic, event.state)
            if failure:
                return failure
        if part == count - 1:
            failure = self._seal(row, p)
            if failure:
                return failure
        self.prev = row.entry_hash
        self.expected = p + 1
        self.last_notification_id = row.notification_id
        return None

    def _check_command(
        self, row: ChainRow, p: int, part: int, count: int, digest: str
    ) -> Failure | None:
        if part == 0:
            if self.open is not None:
                return Failure(p, MISSING_POSITION, "the previous command's last entry is missing")
            if row.command is None:
                return Failure(p, MALFORMED_ENTRY, "first entry of a command carries no evidence")
            if sha256(row.command).hex() != digest:
                return Failure(p, HASH_MISMATCH, "command evidence differs from the entry's digest")
            try:
                evidence = parse_evidence(row.command)
            except EvidenceError as exc:
                return Failure(p, BAD_ACTOR_SIGNATURE, f"evidence unreadable: {exc}")
            if (row.actor_key, row.nonce) != (evidence.key, evidence.nonce):
                return Failure(p, HASH_MISMATCH, "stored key id or nonce differs from the evidence")
            if (evidence.key, evidence.nonce) in self.nonces:
                return Failure(p, REPLAYED_NONCE, f"key {evidence.key} nonce {evidence.nonce}")
            self.nonces.add((evidence.key, evidence.nonce))
            self.open = _OpenCommand(digest, count, 0, p, evidence)
            self.commands += 1
            if p == 1:
                self._genesis_actor = evidence  # its key is registered by this command
            else:
                failure = self._schedule_actor(p, evidence)
                if failure:
                    return failure
        else:
            opened = self.open
            if opened is None or opened.digest != digest or opened.count != count:
                return Failure(p, BROKEN_LINK, "entry continues a command that is not open")
            if row.command is not None:
                return Failure(p, MALFORMED_ENTRY, "evidence stored on a continuation entry")
        assert self.open is not None
        if part != self.open.next_part:
            return Failure(p, BROKEN_LINK, f"command part {part} out of order")
        self.open.next_part += 1
        if part != count - 1 and (row.signature is not None or row.signer is not None):
            return Failure(p, MALFORMED_ENTRY, "ledger signature on an entry inside a command")
        return None

    def _schedule_actor(self, p: int, evidence: Evidence) -> Failure | None:
        key = self.keys.get(evidence.key)
        if key is None or not key.valid_at(p):
            return Failure(p, KEY_NOT_VALID, f"actor key {evidence.key}")
        self.jobs.append((p, ACTOR, key.public_key, evidence.message, evidence.signature))
        self.signatures += 1
        return None

    def _seal(self, row: ChainRow, p: int) -> Failure | None:
        assert self.open is not None
        opened, self.open = self.open, None
        if opened.first_position == 1 and self._genesis_actor is not None:
            actor = self.keys.get(self._genesis_actor.key)
            if actor is None or OFFICE_ROLE not in actor.roles:
                return Failure(1, BAD_GENESIS, "genesis is not signed by the office key it names")
            failure = self._schedule_actor(1, self._genesis_actor)
            if failure:
                return failure
        if row.signature is None or row.signer is None:
            return Failure(p, BAD_LEDGER_SIGNATURE, "last entry of a command is not signed")
        signer = self.keys.get(row.signer)
        if signer is None or not signer.valid_at(p) or LEDGER_ROLE not in signer.roles:
            return Failure(p, KEY_NOT_VALID, f"ledger key {row.signer}")
        message = ENTRY_SIGNATURE_CONTEXT + row.entry_hash
        self.jobs.append((p, LEDGER, signer.public_key, message, row.signature))
        self.signatures += 1
        return None

    def _actor_may_change(self, subject: str | None) -> bool:
        """Whether the open command's actor may change key ``subject``.

        The actor's authority is judged at the command's first position: a key that
        rotates itself is retired by the command's first event, yet still signed it.
        """
        opened = self.open
        if opened is None:
            return False
        if opened.first_position == 1:
            return True  # the genesis command registers the first keys
        evidence = opened.evidence
        actor = self.keys.get(evidence.key)
        if actor is None or not actor.valid_at(opened.first_position):
            return False
        return OFFICE_ROLE in actor.roles or (subject is not None and subject == evidence.key)

    def _apply_key_event(self, p: int, topic: str, state_bytes: bytes) -> Failure | None:
        try:
            state = json.loads(state_bytes)
        except ValueError as exc:
            return Failure(p, BAD_KEY_EVENT, f"state is not JSON: {exc}")
        genesis = self.open is not None and self.open.first_position == 1
        if p == 1 or topic == GENESIS_TOPIC:
            if p != 1 or topic != GENESIS_TOPIC:
                return Failure(p, BAD_GENESIS, "position 1 must be, and only be, the genesis")
            origin = state.get("origin")
            if not isinstance(origin, str) or not origin:
                return Failure(p, BAD_GENESIS, "genesis names no origin")
            self.origin = origin
            return None
        key_id = state.get("key_id")
        if topic == KEY_REGISTERED_TOPIC:
            try:
                public_key = _b64decode(state.get("public_key"))
            except EvidenceError as exc:
                return Failure(p, BAD_KEY_EVENT, f"public key: {exc}")
            roles = state.get("roles")
            if len(public_key) != 32 or key_id != key_id_for(public_key):
                return Failure(p, BAD_KEY_EVENT, f"key id {key_id} does not match its public key")
            if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
                return Failure(p, BAD_KEY_EVENT, "roles are not a list of names")
            if key_id in self.keys:
                return Failure(p, BAD_KEY_EVENT, f"key {key_id} registered twice")
            predecessor = state.get("predecessor")
            if not self._actor_may_change(predecessor):
                return Failure(p, UNAUTHORISED_KEY_CHANGE, f"registration of {key_id}")
            if predecessor is not None and not genesis:
                old = self.keys.get(predecessor)
                actor = self.open.evidence.key if self.open else None
                if old is None or (actor == predecessor and not set(roles) <= old.roles):
                    return Failure(p, UNAUTHORISED_KEY_CHANGE, f"rotation to {key_id}")
            note_name = state.get("note_name")
            if note_name is not None and not (
                isinstance(note_name, str) and valid_note_name(note_name)
            ):
                return Failure(p, BAD_KEY_EVENT, f"key {key_id} has an invalid note name")
            self.keys[key_id] = KeyState(
                key_id,
                public_key,
                frozenset(roles),
                1 if genesis else p + 1,
                predecessor=predecessor,
                note_name=note_name,
            )
            return None
        key = self.keys.get(key_id) if isinstance(key_id, str) else None
        if key is None or key.valid_to is not None:
            return Failure(p, BAD_KEY_EVENT, f"{topic} of unknown or retired key {key_id}")
        if not self._actor_may_change(key_id):
            return Failure(p, UNAUTHORISED_KEY_CHANGE, f"{topic} of {key_id}")
        key.valid_to = p
        return None

    def finish(self) -> Failure | None:
        if self.open is not None:
            return Failure(self.expected, MISSING_POSITION, "the last command is incomplete")
        return None


# --- signatures, on every core -------------------------------------------------------


def check_signatures(jobs: Sequence[SignatureJob]) -> tuple[int, int] | None:
    """Verify jobs in order; return (position, kind) of the first bad one."""
    for position, kind, public_key, message, signature in jobs:
        try:
            crypto_sign_open(signature + message, public_key)
        except (BadSignatureError, CryptoError, ValueError, TypeError):
            return position, kind
    return None


def _signature_failure(found: tuple[int, int]) -> Failure:
    position, kind = found
    if kind == ACTOR:
        return Failure(position, BAD_ACTOR_SIGNATURE, "actor's signature does not verify")
    return Failure(position, BAD_LEDGER_SIGNATURE, "ledger signature does not verify")


def verify_rows(
    rows: Iterable[ChainRow],
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    checker: ChainChecker | None = None,
    batch: int = 2048,
) -> Report:
    """Verify rows in position order and return a :class:`Report`.

    ``workers`` processes verify signatures while this process walks the chain
    (default: one per core; 1 verifies inline). ``progress`` is called with the
    number of rows done since the last call.
    """
    checker = checker or ChainChecker()
    workers = workers or os.cpu_count() or 1
    pool = None
    pending: list[Any] = []
    inline_failures: list[tuple[int, int]] = []
    structural: Failure | None = None
    size, head = checker.expected - 1, checker.prev
    try:
        for row in rows:
            structural = checker.check(row)
            if structural is not None:
                break
            size, head = row.position, row.entry_hash
            if progress and size % 1000 == 0:
                progress(1000)
            if len(checker.jobs) >= batch:
                jobs, checker.jobs = checker.jobs, []
                if workers > 1:
                    if pool is None:
                        pool = _make_pool(workers)
                    pending.append(pool.submit(check_signatures, jobs))
                else:
                    found = check_signatures(jobs)
                    if found:
                        inline_failures.append(found)
                        break
        else:
            structural = checker.finish()
        jobs, checker.jobs = checker.jobs, []
        found = check_signatures(jobs)
        if found:
            inline_failures.append(found)
        results = [f.result() for f in pending]
        if progress:
            progress(size % 1000)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    candidates = [_signature_failure(f) for f in inline_failures + [r for r in results if r]]
    if structural is not None:
        candidates.append(structural)
    failure = min(candidates, key=lambda f: f.position) if candidates else None
    return Report(
        size=size,
        head=head,
        origin=checker.origin,
        failure=failure,
        commands=checker.commands,
        signatures=checker.signatures,
        keys=checker.keys,
    )


def _make_pool(workers: int) -> Any:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


# --- bundles: the whole ledger, or a slice with inclusion proofs, verified offline ---------

BUNDLE_FORMAT = "shuangsui-bundle-v1"
_ENTRY_FIELDS = {
    "t",
    "position",
    "entry",
    "entry_hash",
    "command",
    "actor_key",
    "nonce",
    "signer",
    "signature",
    "event",
}
_EVENT_FIELDS = {"stream", "version", "topic", "state"}


class BundleError(ValueError):
    def __init__(self, position: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.failure = Failure(position, reason, detail)


def _opt_b64(data: bytes | None) -> str | None:
    return None if data is None else b64(data)


def bundle_entry(row: ChainRow, proof: Sequence[bytes] | None = None) -> dict[str, Any]:
    """A chain row as a bundle line (the one definition the exporter also uses).

    Every field is checked by the verifier; the database's notification id is left
    out because nothing outside the database could check it.
    """
    assert row.event is not None
    line: dict[str, Any] = {
        "t": "entry",
        "position": row.position,
        "entry": b64(row.entry),
        "entry_hash": b64(row.entry_hash),
        "command": _opt_b64(row.command),
        "actor_key": row.actor_key,
        "nonce": row.nonce,
        "signer": row.signer,
        "signature": _opt_b64(row.signature),
        "event": {
            "stream": row.event.stream,
            "version": row.event.version,
            "topic": row.event.topic,
            "state": b64(row.event.state),
        },
    }
    if proof is not None:
        line["proof"] = [b64(h) for h in proof]
    return line


def _exact(obj: Any, fields: set[str], position: int, what: str) -> dict[str, Any]:
    if not isinstance(obj, dict) or set(obj) != fields:
        raise BundleError(position, MALFORMED_BUNDLE, f"{what} has unexpected fields")
    return obj


def _opt_text(value: Any, position: int) -> str | None:
    if value is not None and not isinstance(value, str):
        raise BundleError(position, MALFORMED_BUNDLE, "a text field holds something else")
    return value


def _row_from_line(obj: dict[str, Any], with_proof: bool) -> tuple[ChainRow, list[bytes] | None]:
    position = obj.get("position")
    if not isinstance(position, int) or isinstance(position, bool):
        raise BundleError(0, MALFORMED_BUNDLE, "entry without a position")
    _exact(obj, _ENTRY_FIELDS | ({"proof"} if with_proof else set()), position, "entry")
    event = _exact(obj["event"], _EVENT_FIELDS, position, "event")
    try:

        def opt(name: str) -> bytes | None:
            return None if obj[name] is None else b64strict(obj[name], name)

        version = event["version"]
        if (
            not isinstance(version, int)
            or not isinstance(event["stream"], str)
            or not isinstance(event["topic"], str)
        ):
            raise NoteError("event fields have the wrong types")
        row = ChainRow(
            position=position,
            entry=b64strict(obj["entry"], "entry"),
            entry_hash=b64strict(obj["entry_hash"], "entry hash"),
            command=opt("command"),
            actor_key=_opt_text(obj["actor_key"], position),
            nonce=_opt_text(obj["nonce"], position),
            signer=_opt_text(obj["signer"], position),
            signature=opt("signature"),
            event=StoredEventRow(
                event["stream"], version, event["topic"], b64strict(event["state"], "event state")
            ),
            notification_id=position,
        )
        proof = None
        if with_proof:
            if not isinstance(obj["proof"], list):
                raise NoteError("proof is not a list")
            proof = [b64strict(h, "proof hash") for h in obj["proof"]]
    except (NoteError, TypeError) as exc:
        raise BundleError(position, MALFORMED_BUNDLE, str(exc)) from None
    return row, proof


def _line(text: str | None, position: int) -> dict[str, Any]:
    if text is None:
        raise BundleError(position, MALFORMED_BUNDLE, "the bundle ends early")
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise BundleError(position, MALFORMED_BUNDLE, f"line is not JSON: {exc}") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("t"), str):
        raise BundleError(position, MALFORMED_BUNDLE, "line is not a bundle record")
    return obj


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
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the ledger's")
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
        raise NoteError("checkpoint is not signed by the ledger key")
    if strict and len(verified) != len(note.signatures):
        raise NoteError("checkpoint carries a signature from an unknown key")
    if root is not None and checkpoint.root != root:
        raise NoteError(f"checkpoint root for size {checkpoint.size} differs from the entries'")
    return checkpoint, [v.name for v in verified if v.algorithm == NOTE_COSIGNATURE]


def verify_bundle(
    lines: Iterable[str],
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Verify an export bundle (see :mod:`ledger.export`) with no database, no network."""
    it = iter(lines)
    try:
        header = _line(next(it, None), 0)
        kind = header.get("kind")
        fields = {"t", "format", "kind", "origin", "size", "head"}
        _exact(header, fields | ({"query"} if kind == "slice" else set()), 0, "header")
        if (
            header["t"] != "header"
            or header["format"] != BUNDLE_FORMAT
            or kind not in ("full", "slice")
        ):
            raise BundleError(0, MALFORMED_BUNDLE, "not a shuangsui bundle (v1)")
        notes: list[str] = []
        record = _line(next(it, None), 0)
        while record["t"] == "checkpoint":
            _exact(record, {"t", "note"}, 0, "checkpoint")
            notes.append(str(record["note"]))
            record = _line(next(it, None), 0)
        checkpoints = [parse_checkpoint(parse_note(n).text) for n in notes]
    except NoteError as exc:
        return Report(failure=Failure(0, BAD_CHECKPOINT, str(exc)))
    except BundleError as exc:
        return Report(failure=exc.failure)
    sizes = [c.size for c in checkpoints]
    if (
        not checkpoints
        or sizes != sorted(set(sizes))
        or sizes[-1] != header["size"]
        or (kind == "slice" and len(checkpoints) != 1)
    ):
        return Report(failure=Failure(0, MALFORMED_BUNDLE, "checkpoints missing or out of order"))
    target = checkpoints[-1]
    frontier = MerkleFrontier()
    roots: dict[int, bytes] = {}
    wanted = set(sizes)
    state: dict[str, Any] = {"record": record, "failure": None, "count": 0, "last": None}

    def rows() -> Iterator[ChainRow]:
        rec = state["record"]
        try:
            while rec["t"] == "entry":
                row, proof = _row_from_line(rec, with_proof=kind == "slice")
                if kind == "full":
                    frontier.append(row.entry_hash)
                    if frontier.size in wanted:
                        roots[frontier.size] = frontier.root()
                elif proof is None or not verify_inclusion(
                    leaf_hash(row.entry), row.position - 1, target.size, proof, target.root
                ):
                    raise BundleError(
                        row.position,
                        BAD_PROOF,
                        f"entry is not in the checkpoint of size {target.size}",
                    )
                state["count"] += 1
                state["last"] = row
                yield row
                rec = _line(next(it, None), row.position + 1)
        except BundleError as exc:
            state["failure"] = exc.failure
            return
        state["record"] = rec

    checker = ChainChecker(sparse=kind == "slice")
    report = verify_rows(rows(), workers=workers, progress=progress, checker=checker)
    bundle_failure: Failure | None = state["failure"]
    if bundle_failure is None:
        bundle_failure = _check_tail(it, state, header, report, checker, kind)
    if bundle_failure is None:
        for note in notes:
            try:
                checkpoint, cosigners = check_checkpoint(
                    note,
                    report.keys,
                    report.origin,
                    roots.get(parse_checkpoint(parse_note(note).text).size)
                    if kind == "full"
                    else None,
                )
            except NoteError as exc:
                bundle_failure = Failure(0, BAD_CHECKPOINT, str(exc))
                break
            report.checkpoints[checkpoint.size] = cosigners
    if bundle_failure is not None and (
        report.failure is None or bundle_failure.position <= report.failure.position
    ):
        report.failure = bundle_failure
    return report


def _check_tail(
    it: Iterator[str],
    state: dict[str, Any],
    header: dict[str, Any],
    report: Report,
    checker: ChainChecker,
    kind: str,
) -> Failure | None:
    try:
        keys_line = _exact(state["record"], {"t", "keys"}, 0, "keys record")
        end = _exact(_line(next(it, None), 0), {"t", "entries", "head"}, 0, "end record")
        if next(it, None) is not None:
            raise BundleError(0, MALFORMED_BUNDLE, "data after the end record")
    except BundleError as exc:
        return exc.failure
    last: ChainRow | None = state["last"]
    summary = [k.summary() for _, k in sorted(report.keys.items())]
    if keys_line["t"] != "keys" or keys_line["keys"] != summary:
        return Failure(0, MALFORMED_BUNDLE, "the key history does not match the entries")
    if (
        end["t"] != "end"
        or end["entries"] != state["count"]
        or last is None
        or (end["head"] != b64(last.entry_hash))
        or header["head"] != end["head"]
    ):
        return Failure(0, MALFORMED_BUNDLE, "entry count or head does not match the end record")
    if header["origin"] != report.origin:
        return Failure(0, MALFORMED_BUNDLE, "header origin differs from the genesis")
    if kind == "full" and last.position != header["size"]:
        return Failure(last.position, MISSING_POSITION, "the bundle stops before its size")
    if kind == "slice":
        return _check_query(header.get("query"), checker)
    return None


def _check_query(query: Any, checker: ChainChecker) -> Failure | None:
    """A stream slice holds that stream's versions 1..k with their whole commands.

    Other questions (a draw's inputs, a trail) are answered by checks of their own on
    the verified entries -- a draw's commitment, for one, fixes every input's root.
    """
    if (
        isinstance(query, dict)
        and len(query) == 1
        and set(query) <= {"draw", "object", "task", "person", "department"}
    ):
        return (
            None
            if all(isinstance(v, str) and v for v in query.values())
            else Failure(0, MALFORMED_BUNDLE, "slice query names nothing")
        )
    if not isinstance(query, dict) or set(query) != {"stream"}:
        return Failure(0, MALFORMED_BUNDLE, "slice query must name a stream")
    stream = query["stream"]
    versions = sorted(checker.stream_versions.get(stream, []))
    if not versions or versions != list(range(1, len(versions) + 1)):
        return Failure(0, MALFORMED_BUNDLE, "the slice does not hold the stream's versions 1..k")
    history = {GENESIS_TOPIC, *KEY_CHANGE_TOPICS}
    for streams, topics in checker.slice_commands:
        if stream not in streams and not topics <= history:
            return Failure(0, MALFORMED_BUNDLE, "the slice holds a command that is not about it")
    return None
