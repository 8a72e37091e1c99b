"""Annual plans (年度抽查计划, R6) and their 31 January deadline."""

from __future__ import annotations

from typing import Any

from ledger.areas.plans.events import AnnualPlan
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


@on(AnnualPlan.Created.TOPIC)
def plan(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "plan", s["department"], str(s["year"]))


@on(AnnualPlan.VersionDrafted.TOPIC)
def plan_draft(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    department, year = b.ident(stream)
    b.execute(
        "INSERT INTO plans VALUES (?,?,?,?,NULL,NULL) ON CONFLICT(department, year) "
        "DO UPDATE SET name = excluded.name",
        (department, int(year), s["version"], s["plan"]["name"]),
    )
    b.deadline("annual_plan", f"{department}/{year}", department, position, due=f"{year}-01-31")
    b.execute(
        "INSERT OR REPLACE INTO documents VALUES ('plan',?,?,?,?,?,NULL,0,?)",
        (department, int(year), s["version"], s["reason"], dumps(s["plan"]), position),
    )
    b.touch("department", department, position)


@on(AnnualPlan.VersionPublished.TOPIC)
def plan_publish(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    department, year = b.ident(stream)
    b.execute(
        "UPDATE plans SET version = ?, published_on = ?, late = ? "
        "WHERE department = ? AND year = ?",
        (s["version"], s["published_on"], int(s["late"]), department, int(year)),
    )
    b.done("annual_plan", f"{department}/{year}", s["published_on"], position)
    b.execute(
        "UPDATE documents SET published_on = ?, public = 1, position = ? WHERE kind = 'plan' "
        "AND owner = ? AND year = ? AND version = ?",
        (s["published_on"], position, department, int(year), s["version"]),
    )
    b.touch("department", department, position)
