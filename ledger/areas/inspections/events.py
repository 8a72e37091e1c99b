"""Inspections: one stream per object, item and basis (R8, R9): check, result, publication."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import inspection_id

BASES = ("draw", "case", "none")


TRIGGERS = ("complaint", "referral", "data_monitoring")  # 投诉举报 / 转办交办 / 数据监测


METHODS = ("on_site", "written", "online_monitoring")  # 实地核查 / 书面检查 / 网络监测


#: Result categories of the national enterprise credit publicity system's spot checks.
RESULTS = {
    "no_problem": "未发现问题",
    "corrected": "发现问题已责令改正",
    "violation": "发现违法违规行为",
    "not_found": "通过登记的住所（经营场所）无法联系",
    "no_activity": "未发现开展本次抽查涉及的经营活动",
    "uncooperative": "不配合检查情节严重",
    "closed": "已注销或被吊销",
}


FOLLOW_UPS = ("penalty_case", "judicial_referral")  # 立案处罚 / 移送司法机关


class Inspection(Aggregate):
    TOPIC = "shuangsui.inspection"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.inspection.opened"
        object: str
        department: str
        basis: dict[str, Any]

    class CheckRecorded(Aggregate.Event):
        TOPIC = "shuangsui.inspection.checked"
        item: str
        method: str
        inspectors: tuple[str, ...]
        checked_on: str
        delegated: dict[str, Any] | None

    class ResultEntered(Aggregate.Event):
        TOPIC = "shuangsui.inspection.result"
        item: str
        department: str
        result: str
        details: str
        formed_on: str
        entered_by: str

    class Published(Aggregate.Event):
        TOPIC = "shuangsui.inspection.published"
        item: str
        department: str
        published_on: str
        channels: tuple[str, ...]
        #: Why a market entity's result went out on fewer than both channels (R9.1);
        #: absent on publications recorded before it was added (schema 1).
        channel_reason: str

        # Schema 2 added ``channel_reason``: the entry records the schema an event was
        # written at, and a replay compares an older one after this upcast (issue 11.1).
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["channel_reason"] = ""

    class Withheld(Aggregate.Event):
        TOPIC = "shuangsui.inspection.withheld"
        item: str
        department: str
        legal_basis: str
        decided_on: str

    class Excused(Aggregate.Event):
        """An item on a drawn object's checklist that its department will not check on
        the joint visit, with the recorded reason (进一次门、查多项事, R6.1)."""

        TOPIC = "shuangsui.inspection.excused"
        item: str
        department: str
        reason: str
        excused_on: str
        by: str

    class ExcuseWithdrawn(Aggregate.Event):
        """The department withdraws its excuse of a checklist item, with the reason
        (R6.1): the item is its obligation on the joint visit again, due as before."""

        TOPIC = "shuangsui.inspection.excuse_withdrawn"
        item: str
        department: str
        reason: str
        withdrawn_on: str
        by: str

    class FollowedUp(Aggregate.Event):
        TOPIC = "shuangsui.inspection.followed_up"
        item: str
        kind: str
        reference: str
        on: str

    @event(Created)
    def __init__(self, object: str, department: str, basis: dict[str, Any]) -> None:
        self.object = object
        self.department = department
        self.basis = dict(basis)
        self.checks: list[dict[str, Any]] = []
        self.results: dict[str, dict[str, Any]] = {}
        self.publication: dict[str, dict[str, Any]] = {}
        self.follow_ups: dict[str, list[dict[str, Any]]] = {}
        self.excused: dict[str, dict[str, Any]] = {}
        self.withdrawn_excuses: list[dict[str, Any]] = []

    @staticmethod
    def create_id(object: str, basis: dict[str, Any], **_: Any) -> UUID:
        return inspection_id(basis["kind"], basis_reference(basis), object)

    @event(CheckRecorded)
    def record_check(
        self,
        item: str,
        method: str,
        inspectors: tuple[str, ...],
        checked_on: str,
        delegated: dict[str, Any] | None,
    ) -> None:
        self.checks.append(
            {
                "item": item,
                "method": method,
                "inspectors": list(inspectors),
                "checked_on": checked_on,
                "delegated": delegated,
            }
        )

    @event(ResultEntered)
    def enter_result(
        self, item: str, department: str, result: str, details: str, formed_on: str, entered_by: str
    ) -> None:
        self.results[item] = {
            "department": department,
            "result": result,
            "details": details,
            "formed_on": formed_on,
            "entered_by": entered_by,
        }

    @event(Published)
    def publish(
        self,
        item: str,
        department: str,
        published_on: str,
        channels: tuple[str, ...],
        channel_reason: str = "",
    ) -> None:
        self.publication[item] = {"published_on": published_on, "channels": list(channels)}
        if channel_reason:
            self.publication[item]["channel_reason"] = channel_reason

    @event(Withheld)
    def withhold(self, item: str, department: str, legal_basis: str, decided_on: str) -> None:
        self.publication[item] = {"withheld_on": decided_on, "legal_basis": legal_basis}

    @event(Excused)
    def excuse(self, item: str, department: str, reason: str, excused_on: str, by: str) -> None:
        self.excused[item] = {
            "department": department,
            "reason": reason,
            "excused_on": excused_on,
            "by": by,
        }

    @event(ExcuseWithdrawn)
    def withdraw_excuse(
        self, item: str, department: str, reason: str, withdrawn_on: str, by: str
    ) -> None:
        excuse = self.excused.pop(item)
        # Kept, not forgotten: the trail and the review read what was excused and when.
        self.withdrawn_excuses.append(
            {**excuse, "item": item, "withdrawn_on": withdrawn_on, "withdrawal": reason, "by": by}
        )

    @event(FollowedUp)
    def follow_up(self, item: str, kind: str, reference: str, on: str) -> None:
        self.follow_ups.setdefault(item, []).append(
            {"kind": kind, "reference": reference, "on": on}
        )

    def as_dict(self) -> dict[str, Any]:
        shown = {
            "object": self.object,
            "department": self.department,
            "basis": self.basis,
            "checks": self.checks,
            "results": self.results,
            "publication": self.publication,
            "follow_ups": self.follow_ups,
            "excused": self.excused,
        }
        if self.withdrawn_excuses:  # only when there is one: older readings stay as they were
            shown["withdrawn_excuses"] = self.withdrawn_excuses
        return shown


def basis_reference(basis: dict[str, Any]) -> str:
    if basis["kind"] == "draw":
        return f"{basis['task']}/{basis['draw']}"
    if basis["kind"] == "case":
        return str(basis["case"])
    return str(basis["reference"])
