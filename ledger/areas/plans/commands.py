"""``plans.*``: annual plans (年度抽查计划, R6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledger.areas.departments.rules import load_department, require_operator
from ledger.areas.items.events import REASONS
from ledger.areas.items.rules import check_caps, items_of
from ledger.areas.plans.events import AnnualPlan, plan_id
from ledger.areas.plans.rules import read_directed, read_ratios, read_scope
from ledger.commanding import Context, Outcome, command
from ledger.errors import ConflictError, ValidationError


@command("plans.draft", "Draft the department's annual plan for a year (R6.4).")
def draft_plan(ctx: Context) -> Outcome:
    department = require_operator(ctx)
    p = ctx.params
    year = p.integer("year", minimum=2000, maximum=2100)
    reason = p.choice("reason", REASONS)
    plan: dict[str, Any] = {
        "name": p.text("name", max_length=200),
        "items": list(p.text_list("items", min_items=1)),
        "scope": read_scope(p.nested("scope", required=False)),
        "method": p.text("method", max_length=500),
        "ratios": read_ratios(p.nested("ratios")),
        "directed": read_directed(p.nested("directed", required=False)),
        "quantity": p.integer("quantity", minimum=0),
        "lead": department,
        "participants": list(p.text_list("participants", required=False)),
        "start": p.date("start"),
        "end": p.date("end"),
    }
    p.done()
    if plan["start"] > plan["end"]:
        raise ValidationError("the plan ends before it starts", {"end": ["before start"]})
    for other in plan["participants"]:
        load_department(ctx, other)
    check_caps(
        items_of(ctx, department, tuple(plan["items"]), rule="R6.1"),
        plan["ratios"],
        plan["directed"],
    )
    found = ctx.ledger.find(plan_id(department, year))
    annual = (
        found if isinstance(found, AnnualPlan) else AnnualPlan(department=department, year=year)
    )
    version = annual.next_version()
    annual.draft_version(version=version, reason=reason, plan=plan)
    return Outcome([annual], {"department": department, "year": year, "version": version})


@command(
    "plans.publish", "Publish a plan; after 31 January of its year it is recorded late (R6.5)."
)
def publish_plan(ctx: Context) -> Outcome:
    department = require_operator(ctx)
    p = ctx.params
    year = p.integer("year", minimum=2000, maximum=2100)
    version = p.integer("version", minimum=1)
    p.done()
    found = ctx.ledger.find(plan_id(department, year))
    if not isinstance(found, AnnualPlan) or found.draft != version:
        raise ConflictError(f"{department} has no draft version {version} of its {year} plan")
    today = ctx.today
    late = today > dt.date(year, 1, 31)
    found.publish(version=version, published_on=today.isoformat(), late=late)
    return Outcome(
        [found], {"department": department, "year": year, "version": version, "late": late}
    )
