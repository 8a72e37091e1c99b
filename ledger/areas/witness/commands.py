"""``witness.policy``: the office names the witness keys and the quorum;
``checkpoint.cosign``: the ledger records a checkpoint and its verified cosignatures as
events, so the record an auditor counts is in the log, not in a table that can be
emptied (issue 11, part 3; :mod:`ledger.audit.witnessing` is the auditor's side)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.areas.keys.events import KEY_STATES
from ledger.areas.witness.events import CheckpointRecord, WitnessPolicy
from ledger.audit.errors import NoteError
from ledger.audit.keystate import KEY_REGISTERED_TOPIC
from ledger.audit.notes import (
    NOTE_COSIGNATURE,
    NoteVerifier,
    parse_checkpoint,
    parse_note,
    verify_note,
)
from ledger.audit.witnessing import WITNESS_ROLE
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, ValidationError
from ledger.fields import integer, text, text_list
from ledger.i18n import _
from ledger.ids import checkpoint_record_id, witness_policy_id
from ledger.params import Params
from ledger.roles import LEDGER, OFFICE


@dataclass(frozen=True)
class SetWitnessPolicy(Command):
    """Name the witness keys whose cosignatures count, and how many a checkpoint needs."""

    ACTION = "witness.policy"
    ROLES = frozenset({OFFICE})
    ROUTE = Route("POST", "/api/v1/witness/policy")

    witnesses: tuple[str, ...] = text_list(min_items=1, description="witness key ids")
    quorum: int = integer(minimum=1, maximum=64, description="cosignatures a checkpoint needs")
    reason: str = text(max_length=500)

    def check(self, params: Params) -> None:
        if len(set(self.witnesses)) != len(self.witnesses):
            params.fail("witnesses", _("a witness key is named twice"))
        if self.quorum > len(set(self.witnesses)):
            params.fail(
                "quorum", _("more than the {count} witnesses named", count=len(set(self.witnesses)))
            )

    def handle(self, ctx: Context) -> Outcome:
        for key_id in self.witnesses:
            key = ctx.ledger.key(key_id)
            if key is None or WITNESS_ROLE not in key.roles or not key.note_name:
                raise ValidationError(
                    _("not a witness key"),
                    {
                        "witnesses": [
                            _("{key_id} is not registered with the witness role", key_id=key_id)
                        ]
                    },
                )
            if not key.active:
                raise ValidationError(
                    _("witness key not valid"),
                    {
                        "witnesses": [
                            _(
                                "{key_id} was {status}",
                                key_id=key_id,
                                status=KEY_STATES.get(key.status, key.status),
                            )
                        ]
                    },
                )
        policy = ctx.ledger.find(witness_policy_id())
        if policy is None:
            policy = WitnessPolicy(witnesses=self.witnesses, quorum=self.quorum, reason=self.reason)
        else:
            policy.change(witnesses=self.witnesses, quorum=self.quorum, reason=self.reason)
        return Outcome([policy], {"witnesses": list(self.witnesses), "quorum": self.quorum})


@dataclass(frozen=True)
class RecordCosignatures(Command):
    """Record a checkpoint and the witnesses' cosignatures on it in the log (the ledger)."""

    ACTION = "checkpoint.cosign"
    ROLES = frozenset({LEDGER})
    ROUTE = None

    note: str = text(max_length=20_000, description="the cosigned checkpoint note")

    def handle(self, ctx: Context) -> Outcome:
        try:
            # A signed note ends in a newline; text parameters arrive stripped.
            note = parse_note(self.note.rstrip("\n") + "\n")
            checkpoint = parse_checkpoint(note.text)
        except NoteError as exc:
            raise ValidationError(_("not a cosigned checkpoint: {exc}", exc=exc)) from exc
        genesis = ctx.ledger.genesis()
        sealer = ctx.ledger.key(ctx.actor_id)  # the ledger key recording it signed the note
        if genesis is None or sealer is None or checkpoint.origin != genesis.origin:
            raise ValidationError(_("not a checkpoint of this log"))
        if checkpoint.size >= int(ctx.ledger.head().position) + 1:
            raise ValidationError(
                _("no checkpoint of size {size} in this log yet", size=checkpoint.size)
            )
        log = NoteVerifier(checkpoint.origin, sealer.public_key_bytes)
        own = [s for s in note.signatures if (s.name, s.key_id) == (log.name, log.key_id)]
        try:
            verify_note(note, [log])
        except NoteError as exc:
            raise ValidationError(_("checkpoint not signed by this log: {exc}", exc=exc)) from exc
        record = ctx.ledger.find(checkpoint_record_id(checkpoint.size))
        body = note.text + "\n" + own[0].line
        if record is None:
            record = CheckpointRecord(size=checkpoint.size, note=body)
        elif record.note != body:
            raise ConflictError(
                _("another checkpoint of size {size} is recorded", size=checkpoint.size)
            )
        added = []
        for sig in note.signatures:
            if sig.name == checkpoint.origin:
                continue
            key = _witness_key(ctx, sig.name, sig.key_id)
            if key is None:
                raise ValidationError(
                    _("cosignature from {name}: not a valid witness key", name=sig.name)
                )
            try:
                verify_note(
                    parse_note(note.text + "\n" + sig.line),
                    [NoteVerifier(key.note_name, key.public_key_bytes, NOTE_COSIGNATURE)],
                )
            except NoteError as exc:
                raise ValidationError(
                    _("cosignature from {name}: {exc}", name=sig.name, exc=exc)
                ) from exc
            if key.key_id not in record.cosignatures:
                record.cosigned(
                    size=checkpoint.size, key_id=key.key_id, witness=sig.name, line=sig.line
                )
                added.append(sig.name)
        if not added:
            raise ConflictError(_("no new cosignature to record"))
        return Outcome([record], {"size": checkpoint.size, "recorded": added})


def _witness_key(ctx: Context, name: str, key_id: bytes) -> Any | None:
    """The active witness key that cosigns under ``name`` with this note key id."""
    for _pos, _id, _topic, state in ctx.ledger.topic_events((KEY_REGISTERED_TOPIC,)):
        if state.get("note_name") != name or WITNESS_ROLE not in state.get("roles", ()):
            continue
        key = ctx.ledger.key(state["key_id"])
        if key is None or not key.active:
            continue
        verifier = NoteVerifier(name, key.public_key_bytes, NOTE_COSIGNATURE)
        if verifier.key_id == key_id:
            return key
    return None


COMMANDS = (SetWitnessPolicy, RecordCosignatures)
