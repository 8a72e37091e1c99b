"""The witness policy and the recorded checkpoints.

The verifier (:mod:`ledger.audit.witnessing`) reads these events' stored fields
directly, so their names are part of the ledger format: ``witnesses`` and ``quorum``
on a policy; ``size`` and ``note`` on a recorded checkpoint; ``size``, ``key_id``,
``witness`` and ``line`` on a cosignature.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.audit.witnessing import (
    CHECKPOINT_RECORDED_TOPIC,
    COSIGNED_TOPIC,
    POLICY_CHANGED_TOPIC,
    POLICY_TOPIC,
)
from ledger.ids import checkpoint_record_id, witness_policy_id


class WitnessPolicy(Aggregate):
    """Which witness keys may cosign checkpoints, and how many must (the quorum)."""

    TOPIC = "shuangsui.witness.policy.stream"

    class Created(Aggregate.Created):
        TOPIC = POLICY_TOPIC
        witnesses: tuple[str, ...]
        quorum: int
        reason: str

    class Changed(Aggregate.Event):
        TOPIC = POLICY_CHANGED_TOPIC
        witnesses: tuple[str, ...]
        quorum: int
        reason: str

    @event(Created)
    def __init__(self, witnesses: tuple[str, ...], quorum: int, reason: str) -> None:
        self.witnesses = tuple(witnesses)
        self.quorum = quorum
        self.reason = reason

    @event(Changed)
    def change(self, witnesses: tuple[str, ...], quorum: int, reason: str) -> None:
        self.witnesses = tuple(witnesses)
        self.quorum = quorum
        self.reason = reason

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return witness_policy_id()


class CheckpointRecord(Aggregate):
    """One checkpoint (the log-signed note) and the cosignatures recorded for it."""

    TOPIC = "shuangsui.checkpoint"

    class Created(Aggregate.Created):
        TOPIC = CHECKPOINT_RECORDED_TOPIC
        size: int
        note: str

    class Cosigned(Aggregate.Event):
        TOPIC = COSIGNED_TOPIC
        size: int
        key_id: str
        witness: str
        line: str

    @event(Created)
    def __init__(self, size: int, note: str) -> None:
        self.size = size
        self.note = note
        self.cosignatures: dict[str, str] = {}

    @event(Cosigned)
    def cosigned(self, size: int, key_id: str, witness: str, line: str) -> None:
        self.cosignatures[key_id] = line

    @staticmethod
    def create_id(size: int, **_: Any) -> UUID:
        return checkpoint_record_id(size)
