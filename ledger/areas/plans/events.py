"""Annual spot-check plans (年度抽查计划, R6): versioned, published, late or not."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import plan_id


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
