"""Witness quorum: which checkpoints count as published (issue 11, part 3).

The office records a **witness policy** in the log (``shuangsui.witness.policy``:
``witnesses`` -- registered witness key ids -- and ``quorum``, how many of them must
cosign). Checkpoints and their cosignatures are recorded in the log too
(``shuangsui.checkpoint.recorded`` with the log-signed note, and one
``shuangsui.checkpoint.cosigned`` per cosignature line), so deleting the side table
of cosignatures loses nothing an auditor counts.

Invariants (:class:`Witnessing` reads these events in log order; :meth:`assess`
judges every checkpoint an auditor sees):

* a policy is signed by a key holding the ``office`` role, names only keys registered
  with the ``witness`` role and a note name, and ``1 <= quorum <= len(witnesses)``;
  it governs the checkpoints whose size is at or after its position;
* a recorded checkpoint is signed by the origin's name (its text is checked against the
  entries' root by the checkpoint checks); a recorded cosignature names a recorded
  checkpoint, and verifies (``cosignature/v1``) under the witness key it names --
  otherwise the event is a chain failure at its position;
* a cosignature **counts** for a checkpoint of size s only if its key is in the policy
  governing s and valid at s (registered before, not revoked or rotated before s);
  distinct keys are counted once. A checkpoint is published when the count reaches
  the quorum. The head checkpoint (the largest) lacking it is what ``verify`` exits 1
  for, on a format-2 ledger.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.audit.errors import NoteError
from ledger.audit.keystate import OFFICE_ROLE, KeyState
from ledger.audit.messages import _
from ledger.audit.notes import (
    NOTE_COSIGNATURE,
    NoteVerifier,
    parse_checkpoint,
    parse_note,
    verify_note,
)

POLICY_TOPIC = "shuangsui.witness.policy"
POLICY_CHANGED_TOPIC = "shuangsui.witness.policy.changed"
CHECKPOINT_RECORDED_TOPIC = "shuangsui.checkpoint.recorded"
COSIGNED_TOPIC = "shuangsui.checkpoint.cosigned"
POLICY_TOPICS = (POLICY_TOPIC, POLICY_CHANGED_TOPIC)
RECORD_TOPICS = (CHECKPOINT_RECORDED_TOPIC, COSIGNED_TOPIC)
WITNESS_TOPICS = (POLICY_TOPIC, POLICY_CHANGED_TOPIC, CHECKPOINT_RECORDED_TOPIC, COSIGNED_TOPIC)
WITNESS_ROLE = "witness"
#: The first ledger format whose verification requires the quorum.
QUORUM_FORMAT = 2


@dataclass(frozen=True)
class Policy:
    position: int
    witnesses: frozenset[str]
    quorum: int


@dataclass
class Witnessing:
    """The witness events of a log, read in order (by :class:`~ledger.audit.chain.ChainChecker`)."""

    policies: list[Policy] = field(default_factory=list)
    #: size -> the recorded checkpoint note (text + the log's signature)
    recorded: dict[int, str] = field(default_factory=dict)
    #: size -> {witness key id: cosignature line}
    cosignatures: dict[int, dict[str, str]] = field(default_factory=dict)
    #: positions of the entries that record checkpoints and cosignatures
    record_positions: set[int] = field(default_factory=set)

    def apply(
        self,
        p: int,
        topic: str,
        state_bytes: bytes,
        actor: str | None,
        keys: Mapping[str, KeyState],
    ) -> str | None:
        """Take one witness event; the problem with it, if any (a chain failure)."""
        try:
            state = json.loads(state_bytes)
        except ValueError as exc:
            return _("state is not JSON: {exc}", exc=exc)
        if topic in (POLICY_TOPIC, POLICY_CHANGED_TOPIC):
            return self._policy(p, state, actor, keys)
        self.record_positions.add(p)
        if topic == CHECKPOINT_RECORDED_TOPIC:
            note = state.get("note")
            try:
                checkpoint = parse_checkpoint(parse_note(note).text)
            except (NoteError, TypeError, AttributeError) as exc:
                return _("recorded checkpoint: {exc}", exc=exc)
            if checkpoint.size != state.get("size") or checkpoint.size >= p:
                return _("recorded checkpoint of size {size} is misplaced", size=checkpoint.size)
            if checkpoint.size in self.recorded and self.recorded[checkpoint.size] != note:
                return _(
                    "a second, different checkpoint of size {size} was recorded",
                    size=checkpoint.size,
                )
            self.recorded[checkpoint.size] = note
            return None
        size, key_id, line = state.get("size"), state.get("key_id"), state.get("line")
        note = self.recorded.get(size) if isinstance(size, int) else None
        if note is None:
            return _("cosignature for a checkpoint of size {size} that was not recorded", size=size)
        key = keys.get(key_id) if isinstance(key_id, str) else None
        if key is None or WITNESS_ROLE not in key.roles or not key.note_name:
            return _("cosignature by {key_id}: not a registered witness key", key_id=key_id)
        try:
            text = parse_note(note).text
            verify_note(parse_note(text + "\n" + str(line)), [_cosigner(key)])
        except NoteError as exc:
            return _("cosignature by {key_id}: {exc}", key_id=key_id, exc=exc)
        self.cosignatures.setdefault(size, {})[key_id] = str(line)
        return None

    def _policy(
        self, p: int, state: dict[str, Any], actor: str | None, keys: Mapping[str, KeyState]
    ) -> str | None:
        signer = keys.get(actor or "")
        if signer is None or OFFICE_ROLE not in signer.roles:
            return _("a witness policy must be signed by the office")
        witnesses, quorum = state.get("witnesses"), state.get("quorum")
        if not isinstance(witnesses, list) or not all(isinstance(w, str) for w in witnesses):
            return _("policy witnesses are not a list of key ids")
        for key_id in witnesses:
            key = keys.get(key_id)
            if key is None or WITNESS_ROLE not in key.roles or not key.note_name:
                return _("policy names {key_id}, not a registered witness key", key_id=key_id)
        if not isinstance(quorum, int) or not 1 <= quorum <= len(set(witnesses)):
            return _(
                "policy quorum {quorum} is not between 1 and {count}",
                quorum=quorum,
                count=len(set(witnesses)),
            )
        self.policies.append(Policy(p, frozenset(witnesses), quorum))
        return None

    def policy_at(self, size: int) -> Policy | None:
        found = None
        for policy in self.policies:
            if policy.position <= size:
                found = policy
        return found

    def assess(
        self,
        notes: Mapping[int, str],
        keys: Mapping[str, KeyState],
        *,
        ledger_format: int,
    ) -> Quorum:
        """Judge every checkpoint: those of ``notes`` (as the database or bundle holds
        them, cosignatures attached) and those recorded in the log."""
        sizes = sorted(set(notes) | set(self.recorded))
        judged: list[CheckpointQuorum] = []
        for size in sizes:
            lines = dict(self.cosignatures.get(size, {}))
            if size in notes:
                lines.update(_table_cosigners(notes[size], keys))
            policy = self.policy_at(size)
            counted: list[str] = []
            ignored: list[str] = []
            for key_id in sorted(lines):
                key = keys.get(key_id)
                if policy is None or key_id not in policy.witnesses:
                    ignored.append(
                        _(
                            "{key_id}: not in the witness policy at size {size}",
                            key_id=key_id,
                            size=size,
                        )
                    )
                elif key is None or not key.valid_at(max(size, 1)):
                    ignored.append(
                        _("{key_id}: key not valid at size {size}", key_id=key_id, size=size)
                    )
                else:
                    counted.append(key_id)
            needed = policy.quorum if policy is not None else None
            ok = needed is not None and len(counted) >= needed
            covered = None
            published = [c.size for c in judged if c.ok and c.covered_by is None]
            if not ok and published and self._only_records(published[-1], size):
                covered = published[-1]  # what follows it only records its cosignatures
            judged.append(
                CheckpointQuorum(
                    size,
                    counted,
                    needed,
                    ok or covered is not None,
                    ignored,
                    size in self.recorded,
                    covered,
                )
            )
        return Quorum(judged, ledger_format >= QUORUM_FORMAT)

    def _only_records(self, published: int, size: int) -> bool:
        """Whether every entry in (published, size] records checkpoints or cosignatures."""
        span = size - published
        return span <= len(self.record_positions) and all(
            p in self.record_positions for p in range(published + 1, size + 1)
        )


def _cosigner(key: KeyState) -> NoteVerifier:
    assert key.note_name is not None
    return NoteVerifier(key.note_name, key.public_key, NOTE_COSIGNATURE)


def _table_cosigners(note_text: str, keys: Mapping[str, KeyState]) -> dict[str, str]:
    """Key id -> line of each cosignature attached to a stored note that verifies."""
    found: dict[str, str] = {}
    try:
        note = parse_note(note_text)
    except NoteError:
        return found
    witnesses = [k for k in keys.values() if WITNESS_ROLE in k.roles and k.note_name]
    for key in witnesses:
        verifier = _cosigner(key)
        for sig in note.signatures:
            if (sig.name, sig.key_id) != (verifier.name, verifier.key_id):
                continue
            try:
                verify_note(parse_note(note.text + "\n" + sig.line), [verifier])
            except NoteError:
                continue
            found[key.key_id] = sig.line
    return found


@dataclass(frozen=True)
class CheckpointQuorum:
    size: int
    counted: list[str]  # witness key ids whose cosignatures count
    needed: int | None  # None: no witness policy governs this size
    ok: bool
    ignored: list[str]  # cosignatures that do not count, and why
    in_log: bool  # recorded as a ledger event
    #: A published checkpoint this one only adds cosignature records to (then it counts).
    covered_by: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "cosigned_by": self.counted,
            "quorum": self.needed,
            "published": self.ok,
            "not_counted": self.ignored,
            "recorded_in_log": self.in_log,
            "covered_by": self.covered_by,
        }

    def describe(self) -> str:
        if self.covered_by is not None:
            return _(
                "checkpoint {size}: covered by the published checkpoint {covered_by} "
                "(only cosignature records follow it)",
                size=self.size,
                covered_by=self.covered_by,
            )
        if self.needed is None:
            return _("checkpoint {size}: no witness policy governs it", size=self.size)
        return _(
            "checkpoint {size}: {counted} of {needed} cosignatures",
            size=self.size,
            counted=len(self.counted),
            needed=self.needed,
        )


@dataclass(frozen=True)
class Quorum:
    checkpoints: list[CheckpointQuorum]
    required: bool  # the ledger's format requires the quorum

    @property
    def head(self) -> CheckpointQuorum | None:
        return self.checkpoints[-1] if self.checkpoints else None

    @property
    def lacking(self) -> list[CheckpointQuorum]:
        return [c for c in self.checkpoints if not c.ok]

    @property
    def head_published(self) -> bool:
        head = self.head
        return head is not None and head.ok

    def as_dict(self) -> dict[str, Any]:
        return {
            "required": self.required,
            "head": None if self.head is None else self.head.size,
            "head_published": self.head_published,
            "lacking": [c.size for c in self.lacking],
            "checkpoints": [c.as_dict() for c in self.checkpoints],
        }
