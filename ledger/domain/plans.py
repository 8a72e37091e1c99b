"""Annual spot-check plans (年度抽查计划, R6) and joint tasks (联合抽查任务, R7.1-R7.3).

A plan belongs to a department and a year and is versioned like an item list; the
publication event records whether it was late (after 31 January of its year,
R6.5) -- the deadline board itself is a projection. A joint task is created by the
department that initiates it, which is its lead (谁发起谁牵头, R7.1); participants
join with items from their own published lists and inspectors from their own
directories (R7.3), so one visit checks many items (进一次门查多项事, R6.1).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.ids import stream_id

MATCHING = ("grouped", "dispersed")  # 分组 / 分散


def plan_id(department: str, year: int) -> UUID:
    return stream_id("plan", department, str(year))


def task_id(task: str) -> UUID:
    return stream_id("task", task)


class AnnualPlan(Aggregate):
    TOPIC = "shuangsui.plan"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.plan.created"
        department: str
        year: int

    class VersionDrafted(Aggregate.Event):
        TOPIC = "shuangsui.plan.drafted"
        version: int
        reason: str
        plan: dict[str, Any]

    class VersionPublished(Aggregate.Event):
        TOPIC = "shuangsui.plan.published"
        version: int
        published_on: str
        late: bool

    @event(Created)
    def __init__(self, department: str, year: int) -> None:
        self.department = department
        self.year = year
        self.versions: dict[int, dict[str, Any]] = {}
        self.draft: int | None = None
        self.published: int | None = None

    @staticmethod
    def create_id(department: str, year: int, **_: Any) -> UUID:
        return plan_id(department, year)

    @event(VersionDrafted)
    def draft_version(self, version: int, reason: str, plan: dict[str, Any]) -> None:
        self.versions[version] = {
            "version": version,
            "reason": reason,
            "plan": dict(plan),
            "published_on": None,
            "late": None,
        }
        self.draft = version

    @event(VersionPublished)
    def publish(self, version: int, published_on: str, late: bool) -> None:
        self.versions[version].update(published_on=published_on, late=late)
        self.published = version
        self.draft = None

    def next_version(self) -> int:
        if self.draft is not None:
            return self.draft
        return (self.published or 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "year": self.year,
            "published": self.published,
            "draft": self.draft,
            "versions": [self.versions[v] for v in sorted(self.versions)],
        }


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
