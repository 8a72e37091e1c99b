"""Joint tasks (联合抽查任务, R7.1-R7.3): the initiator leads; participants join."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import task_id

MATCHING = ("grouped", "dispersed")  # 分组 / 分散


class JointTask(Aggregate):
    TOPIC = "shuangsui.task"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.task.created"
        task: str
        lead: str
        spec: dict[str, Any]

    class Organised(Aggregate.Event):
        TOPIC = "shuangsui.task.organised"
        draw: int
        organised_on: str

    class ParticipantJoined(Aggregate.Event):
        TOPIC = "shuangsui.task.joined"
        department: str
        items: tuple[dict[str, Any], ...]
        inspectors: tuple[str, ...]

    @event(Created)
    def __init__(self, task: str, lead: str, spec: dict[str, Any]) -> None:
        self.task = task
        self.lead = lead
        self.spec = dict(spec)
        self.items: list[dict[str, Any]] = [dict(i) for i in spec["items"]]
        self.inspectors: dict[str, list[str]] = {lead: list(spec["inspectors"])}
        self.participants: list[str] = []
        self.organised: dict[str, Any] | None = None

    @staticmethod
    def create_id(task: str, **_: Any) -> UUID:
        return task_id(task)

    @event(ParticipantJoined)
    def join(
        self, department: str, items: tuple[dict[str, Any], ...], inspectors: tuple[str, ...]
    ) -> None:
        self.participants.append(department)
        self.items += [dict(i) for i in items]
        self.inspectors[department] = list(inspectors)

    @event(Organised)
    def organise(self, draw: int, organised_on: str) -> None:
        self.organised = {"draw": draw, "organised_on": organised_on}

    @property
    def departments(self) -> list[str]:
        return [self.lead, *self.participants]

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "lead": self.lead,
            "participants": list(self.participants),
            "items": self.items,
            "inspectors": self.inspectors,
            **{k: v for k, v in self.spec.items() if k not in ("items", "inspectors")},
        }
