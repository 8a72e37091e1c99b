"""An entry of a department's task ledger (工作任务台账, R10.3).

"把任务和责任落实到具体股室和人员，按照时间节点全力抓好落实": every task of the
mechanism -- not only the draw's assignments -- is assigned to a section (股室) and,
where named, a person, with its time node (the day it is due). Invariants: an entry
belongs to one department and one of its registered sections; a named person is an
effective inspector of that department; an entry is completed at most once, not before
it was assigned.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import work_entry_id


class WorkEntry(Aggregate):
    TOPIC = "shuangsui.worklist"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.worklist.assigned"
        department: str
        entry: str
        title: str
        section: str
        person: str | None
        due: str
        source: str
        assigned_on: str

    class Completed(Aggregate.Event):
        TOPIC = "shuangsui.worklist.completed"
        done_on: str
        note: str

    @event(Created)
    def __init__(
        self,
        department: str,
        entry: str,
        title: str,
        section: str,
        person: str | None,
        due: str,
        source: str,
        assigned_on: str,
    ) -> None:
        self.department = department
        self.entry = entry
        self.due = due
        self.assigned_on = assigned_on
        self.done_on: str | None = None

    @staticmethod
    def create_id(department: str, entry: str, **_: Any) -> UUID:
        return work_entry_id(department, entry)

    @event(Completed)
    def complete(self, done_on: str, note: str) -> None:
        self.done_on = done_on
