"""The inspector directory (执法检查人员名录库, R4.2) and outside experts (R4.3).

A department *proposes* a change -- enrol, update or retire a person -- and the
change takes effect only when a key of the judicial department (司法部门) approves
it. Invariants: the effective record is exactly the fields of the last approved
change; a proposal is decided once; an expert (专家) is never an enforcement officer.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import inspector_id

#: R4.2's three categories and R4.3's outside helpers: enforcement officers (行政执法类公务员、
#: 具有行政执法资格的工作人员: 执法人员), daily-supervision staff (从事日常监管工作的人员) and
#: outside experts (专家). Only a certified officer is matched by the draw.
KINDS = ("officer", "expert", "daily")
KIND_NAMES = {"officer": "执法人员", "expert": "专家", "daily": "从事日常监管工作的人员"}
ACTIONS = ("enrol", "update", "retire")


class Inspector(Aggregate):
    TOPIC = "shuangsui.inspector"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.inspector.opened"
        person: str

    class ChangeProposed(Aggregate.Event):
        TOPIC = "shuangsui.inspector.proposed"
        proposal: str
        department: str
        action: str
        fields: dict[str, Any]

    class ChangeApproved(Aggregate.Event):
        TOPIC = "shuangsui.inspector.approved"
        proposal: str
        approver: str

    class ChangeRejected(Aggregate.Event):
        TOPIC = "shuangsui.inspector.rejected"
        proposal: str
        approver: str
        reason: str

    @event(Created)
    def __init__(self, person: str) -> None:
        self.person = person
        self.effective: dict[str, Any] | None = None
        self.active = False
        self.pending: dict[str, dict[str, Any]] = {}

    @staticmethod
    def create_id(person: str, **_: Any) -> UUID:
        return inspector_id(person)

    @event(ChangeProposed)
    def propose(self, proposal: str, department: str, action: str, fields: dict[str, Any]) -> None:
        self.pending[proposal] = {
            "department": department,
            "action": action,
            "fields": dict(fields),
        }

    @event(ChangeApproved)
    def approve(self, proposal: str, approver: str) -> None:
        change = self.pending.pop(proposal)
        if change["action"] == "retire":
            self.active = False
        else:
            self.effective = dict(change["fields"])
            self.active = True

    @event(ChangeRejected)
    def reject(self, proposal: str, approver: str, reason: str) -> None:
        self.pending.pop(proposal)

    @property
    def department(self) -> str | None:
        return None if self.effective is None else str(self.effective.get("unit"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "active": self.active,
            "effective": self.effective,
            "pending": self.pending,
        }
