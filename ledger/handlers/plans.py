"""Annual plans (R6) and joint tasks (R7.1-R7.3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledger.commands import Context, Outcome, Params, command
from ledger.domain.directory import CREDIT_CLASSES, OBJECT_KINDS
from ledger.domain.inspectors import Inspector, inspector_id
from ledger.domain.items import REASONS
from ledger.domain.plans import MATCHING, AnnualPlan, JointTask, plan_id, task_id
from ledger.errors import ConflictError, NotFoundError, RuleViolation, ValidationError
from ledger.handlers.items import published_items
from ledger.handlers.organisations import load_department, require_operator

TASK_ID = r"[A-Za-z0-9._-]{3,40}"


def read_scope(p: Params | None) -> dict[str, Any]:
    """Which objects a plan or task covers (R6.2): empty lists mean no restriction."""
    if p is None:
        return {"kinds": [], "regions": [], "industries": []}
    return {
        "kinds": list(p.text_list("kinds", required=False, choices=OBJECT_KINDS)),
        "regions": list(p.text_list("regions", required=False)),
        "industries": list(p.text_list("industries", required=False)),
    }


def read_ratios(p: Params | None) -> dict[str, str]:
    """Sampling ratio per credit-risk class (R5.2): A, B, C and D, each 0..1."""
    if p is None:
        return {}
    return {c: p.ratio(c) for c in CREDIT_CLASSES}


def read_directed(p: Params | None) -> dict[str, Any] | None:
    """Directed checks (定向抽查, R5.3): penalised in N years or with verified complaints."""
    if p is None:
        return None
    return {
        "ratio": p.ratio("ratio"),
        "penalty_years": p.integer("penalty_years", minimum=1, maximum=10),
        "min_complaints": p.integer("min_complaints", minimum=1, maximum=1000),
    }


def items_of(
    ctx: Context, department: str, codes: tuple[str, ...], *, rule: str
) -> list[dict[str, Any]]:
    """The department's published items with these codes; refuse any it does not have."""
    published = published_items(ctx, department)
    missing = [c for c in codes if c not in published]
    if missing:
        raise RuleViolation(
            f"{department} has no published item {', '.join(missing)}; only items on a "
            "published list may be checked",
            rule=rule,
        )
    return [
        {
            "department": department,
            "code": c,
            "name": published[c]["name"],
            "category": published[c]["category"],
            "ratio_cap": published[c]["ratio_cap"],
            "object_type": published[c]["object_type"],
        }
        for c in codes
    ]


def check_caps(
    items: list[dict[str, Any]], ratios: dict[str, str], directed: dict[str, Any] | None
) -> None:
    """A general item's sampling ratio may not exceed its published cap (R3.2)."""
    from decimal import Decimal

    used = [(f"ratios.{c}", Decimal(r)) for c, r in ratios.items()]
    if directed is not None:
        used.append(("directed.ratio", Decimal(directed["ratio"])))
    for item in items:
        if item["category"] != "general":
            continue
        cap = Decimal(item["ratio_cap"])
        over = [name for name, ratio in used if ratio > cap]
        if over:
            raise RuleViolation(
                f"{', '.join(over)} exceed the cap {item['ratio_cap']} of general item "
                f"{item['department']}:{item['code']}",
                rule="R3.2",
            )


def inspectors_of(ctx: Context, department: str, people: tuple[str, ...]) -> None:
    """Contributed inspectors must be effective in the department's directory (R7.3, R4.2)."""
    for person in people:
        record = ctx.ledger.find(inspector_id(person))
        if (
            not isinstance(record, Inspector)
            or not record.active
            or (record.department != department)
        ):
            raise RuleViolation(
                f"{person} is not an approved inspector of {department}", rule="R7.3"
            )


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


@command("task.create", "Create a joint task; the initiating department leads it (R7.1, R7.2).")
def create_task(ctx: Context) -> Outcome:
    lead = require_operator(ctx)
    p = ctx.params
    task = p.text("task", max_length=40, pattern=TASK_ID)
    codes = p.text_list("items", min_items=1)
    inspectors = p.text_list("inspectors", required=False)
    spec: dict[str, Any] = {
        "name": p.text("name", max_length=200),
        "year": p.integer("year", minimum=2000, maximum=2100),
        "scope": read_scope(p.nested("scope", required=False)),
        "ratios": read_ratios(p.nested("ratios")),
        "directed": read_directed(p.nested("directed", required=False)),
        "matching": p.choice("matching", MATCHING),
        "team_size": p.integer("team_size", minimum=2, maximum=20),
        "workload_cap": p.integer("workload_cap", required=False, minimum=1) or None,
        "planned_start": p.date("planned_start"),
        "planned_end": p.date("planned_end"),
        "plan": p.optional_text("plan", max_length=60),
        "stratify_by": list(
            p.text_list("stratify_by", required=False, choices=("region", "industry"))
        ),
    }
    p.done()
    if spec["planned_start"] > spec["planned_end"]:
        raise ValidationError("the task ends before it starts", {"planned_end": ["before start"]})
    if ctx.ledger.find(task_id(task)) is not None:
        raise ConflictError(f"task {task} already exists")
    items = items_of(ctx, lead, codes, rule="R7.2")
    check_caps(items, spec["ratios"], spec["directed"])
    inspectors_of(ctx, lead, inspectors)
    created = JointTask(
        task=task, lead=lead, spec={**spec, "items": items, "inspectors": list(inspectors)}
    )
    return Outcome([created], {"task": task, "lead": lead})


@command("task.join", "Join a joint task with own items and inspectors (R7.2, R7.3).")
def join_task(ctx: Context) -> Outcome:
    department = require_operator(ctx)
    p = ctx.params
    task = p.text("task", max_length=40, pattern=TASK_ID)
    codes = p.text_list("items", min_items=1)
    inspectors = p.text_list("inspectors", min_items=1)
    p.done()
    found = ctx.ledger.find(task_id(task))
    if not isinstance(found, JointTask):
        raise NotFoundError(f"no task {task}")
    if department in found.departments:
        raise ConflictError(f"{department} already takes part in task {task}")
    if ctx.ledger.find_draw_for(task):
        raise ConflictError(f"task {task} is already drawn; it cannot change", rule="R7.5")
    items = items_of(ctx, department, codes, rule="R7.2")
    check_caps(items, found.spec["ratios"], found.spec["directed"])
    inspectors_of(ctx, department, inspectors)
    found.join(department=department, items=tuple(items), inspectors=tuple(inspectors))
    return Outcome([found], {"task": task, "department": department})
