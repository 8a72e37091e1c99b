"""The office's credit policy (R5.3, R6.3): the threshold that makes an industry's
violations concentrated (违法违规行为相对集中的行业), and the yearly number of checks an
object may have (each enterprise's yearly checks capped and published).

One stream (:func:`ledger.ids.credit_policy_id`). Each ``credit.policy`` command records
a new version that replaces the one before from its position on; a draw reads the
version in force at its committed position (``ledger.draw.world.World.policy``), so
verify-draw recomputes it from the log. Invariants: versions count 1, 2, ...; a version
sets a concentration threshold, a yearly cap, or both.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import credit_policy_id


class CreditPolicy(Aggregate):
    TOPIC = "shuangsui.credit_policy"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.credit.policy_opened"
        office: str

    class Set(Aggregate.Event):
        TOPIC = "shuangsui.credit.policy_set"
        version: int
        #: {min_objects, min_share, years}, or None: no industry is made directed.
        concentration: dict[str, Any] | None
        #: Checks per object per calendar year, or None: no cap.
        yearly_cap: int | None
        reason: str
        effective_on: str

    @event(Created)
    def __init__(self, office: str) -> None:
        self.office = office
        self.versions: list[dict[str, Any]] = []

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return credit_policy_id()

    @event(Set)
    def set(
        self,
        version: int,
        concentration: dict[str, Any] | None,
        yearly_cap: int | None,
        reason: str,
        effective_on: str,
    ) -> None:
        self.versions.append(
            {
                "version": version,
                "concentration": concentration,
                "yearly_cap": yearly_cap,
                "reason": reason,
                "effective_on": effective_on,
            }
        )
