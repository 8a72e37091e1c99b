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

from ledger.areas.ids import stream_id

KINDS = ("officer", "expert")  # 执法人员 / 专家
ACTIONS = ("enrol", "update", "retire")


def inspector_id(person: str) -> UUID:
    return stream_id("inspector", person)


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


INSPECTOR_FIELDS = (
    "id",
    "name",
    "position",
    "unit",
    "section",
    "kind",
    "certificate",
    "certificate_from",
    "certificate_until",
    "qualifications",
    "expertise",
    "region",
    "key_id",
    "conflicts",
)


def inspector_row_problems(row: dict[str, Any], department: str) -> list[str]:
    """Why a normalised inspector row cannot be proposed (empty: it can)."""
    import datetime as dt
    import re

    if set(row) != set(INSPECTOR_FIELDS):
        return [f"fields must be exactly {', '.join(INSPECTOR_FIELDS)}"]
    problems: list[str] = []
    if not isinstance(row["id"], str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", row["id"]):
        problems.append("id must be 1-40 letters, digits, '.', '_' or '-'")
    if not isinstance(row["name"], str) or not row["name"].strip():
        problems.append("name is required")
    if row["unit"] != department:
        problems.append(f"unit must be the proposing department {department} (R7.3)")
    if row["kind"] not in KINDS:
        problems.append("kind must be officer or expert")
    for name in ("qualifications", "expertise", "conflicts"):
        if not isinstance(row[name], list) or not all(isinstance(v, str) for v in row[name]):
            problems.append(f"{name} must be a list of texts")
    if row["key_id"] is not None and not (
        isinstance(row["key_id"], str) and re.fullmatch(r"[0-9a-f]{16}", row["key_id"])
    ):
        problems.append("key_id must be 16 lower-case hex digits")
    if row["kind"] == "officer":
        if not row["certificate"]:
            problems.append("an enforcement officer needs a certificate number (执法证号, R4.2)")
        try:
            start = dt.date.fromisoformat(row["certificate_from"])
            end = dt.date.fromisoformat(row["certificate_until"])
            if start > end:
                problems.append("certificate_from is after certificate_until")
        except (TypeError, ValueError):
            problems.append("certificate dates must be YYYY-MM-DD")
        if not row["qualifications"]:
            problems.append("an enforcement officer needs qualifications (执法资质)")
    elif row["kind"] == "expert" and row["certificate"]:
        problems.append("an outside expert holds no enforcement certificate (R4.3)")
    return problems


def certified_on(record: dict[str, Any], day: str) -> bool:
    """Whether an officer's certificate is valid on ``day`` (ISO date)."""
    return (
        record.get("kind") == "officer"
        and bool(record.get("certificate"))
        and str(record.get("certificate_from")) <= day <= str(record.get("certificate_until"))
    )
