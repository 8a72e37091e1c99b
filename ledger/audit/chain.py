"""The sequential chain checker: every hash, link, command, key change and nonce.

:class:`ChainChecker` reads rows one by one in position order and does everything
but the Ed25519 verifications, which it collects as signature jobs for
:func:`ledger.audit.signatures.verify_rows` to run on every core.

What a valid ledger is
----------------------
The log is a sequence of *entries* at gapless positions 1..N. Each entry is stored
as the RFC 8785 canonical JSON bytes of::

    {"command": hex, "event": hex, "part": [i, n], "position": p, "prev": hex,
     "schema": k, "stream": uuid, "time": iso8601, "type": topic, "v": 1,
     "version": v}

* a ledger of format 4 stores its rows compact: the entry and the evidence are
  recomputed from the row's other columns, its stored event and its neighbours
  (:mod:`ledger.audit.rows`) before they are checked as below, so they are the same
  bytes, hashes and signatures as a full row's;
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
* from ledger format 2 (the genesis' ``format``), a command's signed ``created`` may lag
  the latest ``created`` before it by at most :data:`ledger.audit.timing.TOLERANCE`
  seconds (:mod:`ledger.audit.timing`, which also holds the times against witnessed
  checkpoints);
* keys are themselves entries: ``shuangsui.key.registered`` / ``.rotated`` /
  ``.revoked``. A key registered at position r is valid from r + 1; a key revoked or
  rotated at position q is valid up to q. Keys registered by the genesis command
  (position 1) are valid from position 1. Keys are registered by a key with the
  ``office`` role; a holder may rotate or revoke their own key.

Invariants: rows are checked in position order and the first failure is returned
with its position; a checker never verifies a signature itself, it only schedules
one job per actor signature and one per ledger seal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ledger.audit.auditstate import AuditorState, copy_keys
from ledger.audit.errors import EvidenceError
from ledger.audit.evidence import Evidence, RouteTable, b64decode, parse_evidence
from ledger.audit.hashing import ZERO_HASH, key_id_for, leaf_hash, sha256
from ledger.audit.keystate import (
    GENESIS_TOPIC,
    KEY_CHANGE_TOPICS,
    KEY_REGISTERED_TOPIC,
    LEDGER_ROLE,
    OFFICE_ROLE,
    KeyState,
)
from ledger.audit.messages import _, reason_of
from ledger.audit.notes import valid_note_name
from ledger.audit.report import (
    BAD_ACTOR_SIGNATURE,
    BAD_GENESIS,
    BAD_KEY_EVENT,
    BAD_LEDGER_SIGNATURE,
    BAD_WITNESS_EVENT,
    BROKEN_LINK,
    HASH_MISMATCH,
    KEY_NOT_VALID,
    MALFORMED_ENTRY,
    MISSING_EVENT,
    MISSING_POSITION,
    REPLAYED_NONCE,
    UNAUTHORISED_KEY_CHANGE,
    ChainRow,
    Failure,
)
from ledger.audit.rows import ENTRY_FORMAT, is_compact
from ledger.audit.standing import SIGNED_FORMAT_SINCE
from ledger.audit.statemap import HISTORY_TOPICS, StateMap
from ledger.audit.subjects import named
from ledger.audit.timing import SINCE_FORMAT, CommandTimes, line_time
from ledger.audit.witnessing import COSIGNED_TOPIC, WITNESS_TOPICS, Witnessing

ENTRY_SIGNATURE_CONTEXT = b"shuangsui/entry/v1\n"

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
    run on every core with :func:`~ledger.audit.signatures.check_signatures`.
    """

    def __init__(
        self,
        routes: RouteTable,
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
        #: The HTTP route table ``rfc9421`` evidence is read with.
        self.routes = routes
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
        #: The ledger format its genesis records (1 until the genesis is read).
        self.format = 1
        #: The genesis' signed ``created`` (None until the genesis is read).
        self.started: int | None = None
        #: Each command's ``created``, with the entry order rule of format 2.
        self.times = CommandTimes()
        #: Witness policies, recorded checkpoints and cosignatures, in log order.
        self.witnessing = Witnessing()
        #: The state map as the entries give it (a whole log read from position 1),
        #: and its root at each size in ``state_sizes`` (the checkpoints to check).
        self.state: StateMap | None = None
        self.state_sizes: set[int] = set()
        self.state_roots: dict[int, bytes] = {}
        #: Sparse mode: the key and policy history entries held, (position, hash).
        self.history: list[tuple[int, bytes]] = []
        #: Sparse mode: each stream's versions held, with their positions.
        self.stream_positions: dict[str, dict[int, int]] = {}
        #: Sparse mode: the subject a trail slice is about, and the first position at
        #: which each of its streams names it (:mod:`ledger.audit.subjects`).
        self.subject: tuple[str, str] | None = None
        self.subject_firsts: dict[str, int] = {}
        #: The auditor's state right after position ``snapshot_at`` (``--save-state``).
        self.snapshot_at: int | None = None
        self.snapshot: AuditorState | None = None

    # The ChainRow is checked field by field; the first problem is returned.
    def check(self, row: ChainRow) -> Failure | None:
        p = self.expected
        linked = True
        if self.sparse and row.position > p:
            if self.open is not None:
                return Failure(p, MISSING_POSITION, _("a slice must hold whole commands"))
            p, linked = row.position, False
        if row.position != p:
            if row.position > p:
                return Failure(
                    p,
                    MISSING_POSITION,
                    _("next stored position is {position}", position=row.position),
                )
            return Failure(
                p, BROKEN_LINK, _("position {position} appears out of order", position=row.position)
            )
        if row.event is None and is_compact(row.entry):
            # A compact row (ledger.audit.rows) is read back through its stored event.
            return Failure(p, MISSING_EVENT, _("the entry's stored event is gone"))
        if leaf_hash(row.entry) != row.entry_hash:
            return Failure(p, HASH_MISMATCH, _("entry hash does not match the entry bytes"))
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
            return Failure(p, MALFORMED_ENTRY, reason_of(exc))
        if position != p:
            return Failure(p, BROKEN_LINK, _("entry says position {position}", position=position))
        if linked and prev != self.prev.hex():
            return Failure(p, BROKEN_LINK, _("prev is not the previous entry's hash"))
        if row.notification_id <= self.last_notification_id:
            return Failure(p, BROKEN_LINK, _("entries are not in the events' commit order"))
        event = row.event
        if event is None:
            return Failure(
                p,
                MISSING_EVENT,
                _(
                    "stream {stream} version {version} is not stored",
                    stream=stream,
                    version=version,
                ),
            )
        if (event.stream, event.version, event.topic) != (stream, version, topic):
            return Failure(
                p, HASH_MISMATCH, _("stored event id, version or type differs from the entry")
            )
        if sha256(event.state).hex() != event_digest:
            return Failure(p, HASH_MISMATCH, _("stored event bytes differ from the entry's digest"))
        if self.sparse:
            self.stream_versions.setdefault(stream, []).append(version)
            self.stream_positions.setdefault(stream, {})[version] = p
            if self.subject is not None and stream not in self.subject_firsts:
                if self.subject in named(event.state, topic, self.format):
                    self.subject_firsts[stream] = p
            if topic in HISTORY_TOPICS:
                self.history.append((p, row.entry_hash))
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
        if topic in WITNESS_TOPICS:
            actor = self.open.evidence.key if self.open is not None else None
            problem = self.witnessing.apply(p, topic, event.state, actor, self.keys)
            if problem:
                return Failure(p, BAD_WITNESS_EVENT, problem)
            if topic == COSIGNED_TOPIC and self.format >= SINCE_FORMAT:
                failure = self._recorded_cosignature(p, event.state)
                if failure:
                    return failure
        if part == count - 1:
            failure = self._seal(row, p)
            if failure:
                return failure
        self.prev = row.entry_hash
        self.expected = p + 1
        self.last_notification_id = row.notification_id
        if self.state is not None:
            self.state.observe(p, stream, version, topic, row.entry_hash, event.state)
            if p in self.state_sizes:
                self.state_roots[p] = self.state.root()
        if p == self.snapshot_at:
            self.snapshot = self.auditor_state()
        return None

    def auditor_state(self) -> AuditorState:
        """What a later ``verify --since`` needs from here (its checkpoint filled in by
        the caller): keys, nonces, format, time order, the state map."""
        return AuditorState(
            origin=self.origin or "",
            checkpoint="",
            prev=self.prev,
            keys=copy_keys(self.keys),
            nonces=set(self.nonces),
            ledger_format=self.format,
            latest_time=self.times.latest,
            latest_position=self.times.latest_position,
            last_notification_id=self.last_notification_id,
            state=self.state.copy() if self.state is not None else None,
        )

    def _check_command(
        self, row: ChainRow, p: int, part: int, count: int, digest: str
    ) -> Failure | None:
        if part == 0:
            if self.open is not None:
                return Failure(
                    p, MISSING_POSITION, _("the previous command's last entry is missing")
                )
            if row.command is None:
                return Failure(
                    p, MALFORMED_ENTRY, _("first entry of a command carries no evidence")
                )
            if sha256(row.command).hex() != digest:
                return Failure(
                    p, HASH_MISMATCH, _("command evidence differs from the entry's digest")
                )
            try:
                evidence = parse_evidence(row.command, self.routes)
            except EvidenceError as exc:
                return Failure(p, BAD_ACTOR_SIGNATURE, _("evidence unreadable: {exc}", exc=exc))
            if (row.actor_key, row.nonce) != (evidence.key, evidence.nonce):
                return Failure(
                    p, HASH_MISMATCH, _("stored key id or nonce differs from the evidence")
                )
            if (evidence.key, evidence.nonce) in self.nonces:
                return Failure(
                    p,
                    REPLAYED_NONCE,
                    _("key {key} nonce {nonce}", key=evidence.key, nonce=evidence.nonce),
                )
            self.nonces.add((evidence.key, evidence.nonce))
            late = self.times.observe(p, evidence.created)
            if late is not None and self.format >= SINCE_FORMAT:
                return late
            self.open = _OpenCommand(digest, count, 0, p, evidence)
            self.commands += 1
            if p == 1:
                self._genesis_actor = evidence  # its key is registered by this command
                self.started = evidence.created
            else:
                failure = self._schedule_actor(p, evidence)
                if failure:
                    return failure
        else:
            opened = self.open
            if opened is None or opened.digest != digest or opened.count != count:
                return Failure(p, BROKEN_LINK, _("entry continues a command that is not open"))
            if row.command is not None:
                return Failure(p, MALFORMED_ENTRY, _("evidence stored on a continuation entry"))
        assert self.open is not None
        if part != self.open.next_part:
            return Failure(p, BROKEN_LINK, _("command part {part} out of order", part=part))
        self.open.next_part += 1
        if part != count - 1 and (row.signature is not None or row.signer is not None):
            return Failure(p, MALFORMED_ENTRY, _("ledger signature on an entry inside a command"))
        return None

    def _recorded_cosignature(self, p: int, state_bytes: bytes) -> Failure | None:
        """Format 2: a cosignature recorded here bounds the time of the command that
        records it and of every later one (:meth:`CommandTimes.witnessed`)."""
        state = json.loads(state_bytes)  # already read by the witness check
        stamp = line_time(str(state.get("line")))
        if stamp is None:
            return None
        return self.times.witnessed(p, int(state["size"]), stamp)

    def _schedule_actor(self, p: int, evidence: Evidence) -> Failure | None:
        key = self.keys.get(evidence.key)
        if key is None or not key.valid_at(p):
            return Failure(p, KEY_NOT_VALID, _("actor key {key}", key=evidence.key))
        self.jobs.append((p, ACTOR, key.public_key, evidence.message, evidence.signature))
        self.signatures += 1
        return None

    def _seal(self, row: ChainRow, p: int) -> Failure | None:
        assert self.open is not None
        opened, self.open = self.open, None
        if opened.first_position == 1 and self._genesis_actor is not None:
            actor = self.keys.get(self._genesis_actor.key)
            if actor is None or OFFICE_ROLE not in actor.roles:
                return Failure(
                    1, BAD_GENESIS, _("genesis is not signed by the office key it names")
                )
            failure = self._schedule_actor(1, self._genesis_actor)
            if failure:
                return failure
        if row.signature is None or row.signer is None:
            return Failure(p, BAD_LEDGER_SIGNATURE, _("last entry of a command is not signed"))
        signer = self.keys.get(row.signer)
        if signer is None or not signer.valid_at(p) or LEDGER_ROLE not in signer.roles:
            return Failure(p, KEY_NOT_VALID, _("ledger key {signer}", signer=row.signer))
        message = ENTRY_SIGNATURE_CONTEXT + row.entry_hash
        self.jobs.append((p, LEDGER, signer.public_key, message, row.signature))
        self.signatures += 1
        return None

    def _signed_format(self) -> Any:
        """The ``format`` the genesis command's signed parameters name (None: none)."""
        opened = self.open
        if opened is None or opened.first_position != 1:
            return None
        params = opened.evidence.params
        return params.get("format") if isinstance(params, dict) else None

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
            return Failure(p, BAD_KEY_EVENT, _("state is not JSON: {exc}", exc=exc))
        genesis = self.open is not None and self.open.first_position == 1
        if p == 1 or topic == GENESIS_TOPIC:
            if p != 1 or topic != GENESIS_TOPIC:
                return Failure(p, BAD_GENESIS, _("position 1 must be, and only be, the genesis"))
            origin = state.get("origin")
            if not isinstance(origin, str) or not origin:
                return Failure(p, BAD_GENESIS, _("genesis names no origin"))
            fmt = state.get("format", 1)
            if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
                return Failure(
                    p, BAD_GENESIS, _("genesis names no valid format ({fmt!r})", fmt=fmt)
                )
            signed = self._signed_format()
            if signed is not None and signed != fmt:
                return Failure(
                    p,
                    BAD_GENESIS,
                    _(
                        "genesis records format {fmt}; the office signed {signed!r}",
                        fmt=fmt,
                        signed=signed,
                    ),
                )
            if signed is None and fmt >= SIGNED_FORMAT_SINCE:
                return Failure(
                    p, BAD_GENESIS, _("a format-{fmt} genesis does not sign its format", fmt=fmt)
                )
            self.origin, self.format = origin, fmt
            return None
        key_id = state.get("key_id")
        if topic == KEY_REGISTERED_TOPIC:
            try:
                public_key = b64decode(state.get("public_key"))
            except EvidenceError as exc:
                return Failure(p, BAD_KEY_EVENT, _("public key: {exc}", exc=exc))
            roles = state.get("roles")
            if len(public_key) != 32 or key_id != key_id_for(public_key):
                return Failure(
                    p,
                    BAD_KEY_EVENT,
                    _("key id {key_id} does not match its public key", key_id=key_id),
                )
            if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
                return Failure(p, BAD_KEY_EVENT, _("roles are not a list of names"))
            if key_id in self.keys:
                return Failure(p, BAD_KEY_EVENT, _("key {key_id} registered twice", key_id=key_id))
            predecessor = state.get("predecessor")
            if not self._actor_may_change(predecessor):
                return Failure(
                    p, UNAUTHORISED_KEY_CHANGE, _("registration of {key_id}", key_id=key_id)
                )
            if predecessor is not None and not genesis:
                old = self.keys.get(predecessor)
                actor = self.open.evidence.key if self.open else None
                if old is None or (actor == predecessor and not set(roles) <= old.roles):
                    return Failure(
                        p, UNAUTHORISED_KEY_CHANGE, _("rotation to {key_id}", key_id=key_id)
                    )
            note_name = state.get("note_name")
            if note_name is not None and not (
                isinstance(note_name, str) and valid_note_name(note_name)
            ):
                return Failure(
                    p, BAD_KEY_EVENT, _("key {key_id} has an invalid note name", key_id=key_id)
                )
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
            return Failure(
                p,
                BAD_KEY_EVENT,
                _("{topic} of unknown or retired key {key_id}", topic=topic, key_id=key_id),
            )
        if not self._actor_may_change(key_id):
            return Failure(
                p, UNAUTHORISED_KEY_CHANGE, _("{topic} of {key_id}", topic=topic, key_id=key_id)
            )
        key.valid_to = p
        return None

    def finish(self) -> Failure | None:
        if self.open is not None:
            return Failure(self.expected, MISSING_POSITION, _("the last command is incomplete"))
        return None
