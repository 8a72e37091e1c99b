"""A notice naming a unit (通报批评) with the rectification it requires (督促整改), R10.2.

The office issues a notice against one member department: what it found (消极懈怠、
不作为), the rectification it requires and the day it is due. The notice stays open --
on the deadline board as ``rectification`` -- until the named department records the
rectification as done, once. Invariants: a notice names exactly one registered
department; it is rectified at most once, by that department, not before it was issued.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import notice_id


class Notice(Aggregate):
    TOPIC = "shuangsui.notice"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.notice.issued"
        notice: str
        department: str
        finding: str
        rectification: str
        due: str
        rule: str
        issued_on: str

    class Rectified(Aggregate.Event):
        TOPIC = "shuangsui.notice.rectified"
        done_on: str
        account: str

    @event(Created)
    def __init__(
        self,
        notice: str,
        department: str,
        finding: str,
        rectification: str,
        due: str,
        rule: str,
        issued_on: str,
    ) -> None:
        self.notice = notice
        self.department = department
        self.finding = finding
        self.rectification = rectification
        self.due = due
        self.rule = rule
        self.issued_on = issued_on
        self.rectified: dict[str, str] | None = None

    @staticmethod
    def create_id(notice: str, **_: Any) -> UUID:
        return notice_id(notice)

    @event(Rectified)
    def rectify(self, done_on: str, account: str) -> None:
        self.rectified = {"done_on": done_on, "account": account}
