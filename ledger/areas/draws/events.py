"""A draw (摇号): its commitment, the entropy that arrives after it, its result, recusals.

One stream per (task, draw number). Invariants: nothing about a draw changes once it
is committed -- a new draw is a new stream, and the old one stays; witnesses reveal
only after every named witness has committed; a draw is performed once; a recusal
names its reason and its deterministic replacement. On a v2 draw a recusal changes a
team only as the inspector's own declaration or the office's approval of the lead's
pending request; the lead's request alone changes nothing, and the office may reject
it instead (a settled request is never pending again). The stored commitment is
the exact text that is hashed into the seed.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import draw_id


class Draw(Aggregate):
    TOPIC = "shuangsui.draw"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.draw.committed"
        task: str
        number: int
        commitment: str
        commitment_hash: str

    class WitnessCommitted(Aggregate.Event):
        TOPIC = "shuangsui.draw.witness_committed"
        key_id: str
        commitment: str

    class WitnessRevealed(Aggregate.Event):
        TOPIC = "shuangsui.draw.witness_revealed"
        key_id: str
        value: str
        nonce: str

    class WitnessSignedCommitment(Aggregate.Event):
        """v2: a witness's commitment with its own signature over the draw's commitment
        (``ledger.draw.ceremony.witness_statement``)."""

        TOPIC = "shuangsui.draw.witness_signed_commitment"
        key_id: str
        commitment: str
        signature: str

    class WitnessSignedReveal(Aggregate.Event):
        """v2: a witness's reveal with its own signature over the draw's commitment."""

        TOPIC = "shuangsui.draw.witness_signed_reveal"
        key_id: str
        value: str
        nonce: str
        signature: str

    class DiceRecorded(Aggregate.Event):
        TOPIC = "shuangsui.draw.dice"
        digits: str
        by: str

    class DiceThrown(Aggregate.Event):
        """v2: the dice digits with the signed time they were recorded at (``at``, the
        command's ``created``), which verify-draw compares with the beacon round."""

        TOPIC = "shuangsui.draw.dice_thrown"
        digits: str
        by: str
        at: int

    class BeaconRecorded(Aggregate.Event):
        TOPIC = "shuangsui.draw.beacon"
        round: int
        signature: str
        randomness: str

    class Performed(Aggregate.Event):
        TOPIC = "shuangsui.draw.performed"
        run_at: int
        organise_from: str
        seed: str
        sources: tuple[dict[str, Any], ...]
        strata: dict[str, Any]
        drawn: tuple[tuple[str, ...], ...]
        assignments: tuple[dict[str, Any], ...]

    class Recused(Aggregate.Event):
        TOPIC = "shuangsui.draw.recused"
        object: str
        person: str
        reason: str
        replacement: str
        by: str

    class RecusalRequested(Aggregate.Event):
        """v2: the lead asks for an inspector's recusal (回避申请). It changes no team: a
        recusal takes effect only with the inspector's own signed declaration
        (:class:`RecusalDeclared`) or the office's signed approval (:class:`RecusalApproved`),
        so the lead cannot recuse officers one after another until the one it wants
        comes up (R7.4, R7.5)."""

        TOPIC = "shuangsui.draw.recusal_requested"
        object: str
        person: str
        reason: str
        by: str

    class RecusalDeclared(Aggregate.Event):
        """v2: the inspector declares their own conflict (本人申请回避), signed with their
        own key; it takes effect, and the next officer by ticket replaces them."""

        TOPIC = "shuangsui.draw.recusal_declared"
        object: str
        person: str
        reason: str
        replacement: str
        by: str

    class RecusalApproved(Aggregate.Event):
        """v2: the office approves the lead's pending request (办公室批准回避); it takes
        effect, and the next officer by ticket replaces the inspector."""

        TOPIC = "shuangsui.draw.recusal_approved"
        object: str
        person: str
        reason: str
        replacement: str
        by: str
        requested_by: str

    class RecusalRejected(Aggregate.Event):
        """The office rejects the lead's pending request (办公室驳回回避申请), with its
        reason; the team stays as drawn and the request is settled (R7.4)."""

        TOPIC = "shuangsui.draw.recusal_rejected"
        object: str
        person: str
        reason: str
        by: str
        requested_by: str

    class Voided(Aggregate.Event):
        """The lead gave up an unrun draw with a recorded reason, before any of its
        entropy was revealed (v2, R7.5); only then may the task be committed again."""

        TOPIC = "shuangsui.draw.voided"
        reason: str
        by: str

    @event(Created)
    def __init__(self, task: str, number: int, commitment: str, commitment_hash: str) -> None:
        self.task = task
        self.number = number
        self.commitment = commitment
        self.commitment_hash = commitment_hash
        self.witness_commitments: dict[str, str] = {}
        self.reveals: dict[str, str] = {}
        self.dice: str | None = None
        self.beacon: dict[str, Any] | None = None
        self.performed: dict[str, Any] | None = None
        self.recusals: list[dict[str, Any]] = []
        #: v2: the lead's recusal requests, each pending until declared, approved or
        #: rejected (``status``).
        self.recusal_requests: list[dict[str, Any]] = []
        self.voided: dict[str, Any] | None = None

    @staticmethod
    def create_id(task: str, number: int, **_: Any) -> UUID:
        return draw_id(task, number)

    @event(WitnessCommitted)
    def witness_commit(self, key_id: str, commitment: str) -> None:
        self.witness_commitments[key_id] = commitment

    @event(WitnessRevealed)
    def witness_reveal(self, key_id: str, value: str, nonce: str) -> None:
        self.reveals[key_id] = value

    @event(WitnessSignedCommitment)
    def witness_commit_signed(self, key_id: str, commitment: str, signature: str) -> None:
        self.witness_commitments[key_id] = commitment

    @event(WitnessSignedReveal)
    def witness_reveal_signed(self, key_id: str, value: str, nonce: str, signature: str) -> None:
        self.reveals[key_id] = value

    @event(DiceRecorded)
    def record_dice(self, digits: str, by: str) -> None:
        self.dice = digits

    @event(DiceThrown)
    def throw_dice(self, digits: str, by: str, at: int) -> None:
        self.dice = digits

    @event(BeaconRecorded)
    def record_beacon(self, round: int, signature: str, randomness: str) -> None:
        self.beacon = {"round": round, "signature": signature, "randomness": randomness}

    @event(Performed)
    def perform(
        self,
        run_at: int,
        organise_from: str,
        seed: str,
        sources: tuple[dict[str, Any], ...],
        strata: dict[str, Any],
        drawn: tuple[tuple[str, ...], ...],
        assignments: tuple[dict[str, Any], ...],
    ) -> None:
        self.performed = {
            "run_at": run_at,
            "organise_from": organise_from,
            "seed": seed,
            "strata": strata,
            "drawn": drawn,
            "assignments": list(assignments),
        }

    @event(Recused)
    def recuse(self, object: str, person: str, reason: str, replacement: str, by: str) -> None:
        self.recusals.append(
            {
                "object": object,
                "person": person,
                "reason": reason,
                "replacement": replacement,
                "by": by,
            }
        )
        assert self.performed is not None
        for assignment in self.performed["assignments"]:
            if assignment["object"] == object:
                assignment["team"] = [replacement if p == person else p for p in assignment["team"]]

    def _replace(self, object: str, person: str, replacement: str) -> None:
        assert self.performed is not None
        for assignment in self.performed["assignments"]:
            if assignment["object"] == object:
                assignment["team"] = [replacement if p == person else p for p in assignment["team"]]

    def pending_request(self, object: str, person: str) -> dict[str, Any] | None:
        """The lead's pending request to recuse ``person`` from ``object``, if any."""
        return next(
            (
                r
                for r in self.recusal_requests
                if (r["object"], r["person"], r["status"]) == (object, person, "pending")
            ),
            None,
        )

    def _resolve(self, object: str, person: str, status: str) -> None:
        request = self.pending_request(object, person)
        if request is not None:
            request["status"] = status

    @event(RecusalRequested)
    def request_recusal(self, object: str, person: str, reason: str, by: str) -> None:
        self.recusal_requests.append(
            {"object": object, "person": person, "reason": reason, "by": by, "status": "pending"}
        )

    @event(RecusalDeclared)
    def declare_recusal(
        self, object: str, person: str, reason: str, replacement: str, by: str
    ) -> None:
        self.recusals.append(
            {
                "object": object,
                "person": person,
                "reason": reason,
                "replacement": replacement,
                "by": by,
                "basis": "declared",
            }
        )
        self._resolve(object, person, "declared")
        self._replace(object, person, replacement)

    @event(RecusalApproved)
    def approve_recusal(
        self,
        object: str,
        person: str,
        reason: str,
        replacement: str,
        by: str,
        requested_by: str,
    ) -> None:
        self.recusals.append(
            {
                "object": object,
                "person": person,
                "reason": reason,
                "replacement": replacement,
                "by": by,
                "basis": "approved",
                "requested_by": requested_by,
            }
        )
        self._resolve(object, person, "approved")
        self._replace(object, person, replacement)

    @event(RecusalRejected)
    def reject_recusal(
        self, object: str, person: str, reason: str, by: str, requested_by: str
    ) -> None:
        request = self.pending_request(object, person)
        self._resolve(object, person, "rejected")
        if request is not None:
            request["rejection"] = reason

    @event(Voided)
    def void(self, reason: str, by: str) -> None:
        self.voided = {"reason": reason, "by": by}

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "number": self.number,
            "commitment": self.commitment,
            "commitment_hash": self.commitment_hash,
            "witnesses_committed": sorted(self.witness_commitments),
            "witnesses_revealed": sorted(self.reveals),
            "dice": self.dice,
            "beacon": self.beacon,
            "performed": self.performed,
            "recusals": self.recusals,
            "recusal_requests": self.recusal_requests,
            "voided": self.voided,
        }
