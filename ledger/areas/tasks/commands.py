"""``task.*``: create and join joint tasks (R7.1-R7.3), organise the drawn checks (R7.4)."""

from __future__ import annotations

from typing import Any

from ledger.areas.departments.rules import require_operator
from ledger.areas.draws.events import Draw, draw_id
from ledger.areas.inspections.rules import _past_date
from ledger.areas.inspectors.rules import inspectors_of
from ledger.areas.items.rules import check_caps, items_of
from ledger.areas.plans.rules import read_directed, read_ratios, read_scope
from ledger.areas.tasks.events import MATCHING, JointTask, task_id
from ledger.commanding import Context, Outcome, command
from ledger.errors import (
    ConflictError,
    NotFoundError,
    RuleViolation,
    ValidationError,
)

TASK_ID = r"[A-Za-z0-9._-]{3,40}"


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


@command("task.organise", "Record that the lead organised the drawn checks (R7.4).")
def organise(ctx: Context) -> Outcome:
    p = ctx.params
    task = p.text("task", max_length=40)
    number = p.integer("draw", minimum=1)
    on = _past_date(ctx, p, "organised_on")
    p.done()
    joint = ctx.ledger.find(task_id(task))
    if not isinstance(joint, JointTask):
        raise NotFoundError(f"no task {task}")
    ctx.require_department(joint.lead, rule="R7.4")
    drawn = ctx.ledger.find(draw_id(task, number))
    if not isinstance(drawn, Draw) or drawn.performed is None:
        raise ConflictError(f"draw {task}/{number} has not been performed", rule="R7.4")
    if joint.organised is not None:
        raise ConflictError(
            f"task {task} was already organised on {joint.organised['organised_on']}"
        )
    if on < drawn.performed["organise_from"]:
        raise RuleViolation("the checks cannot be organised before the draw", rule="R7.4")
    joint.organise(draw=number, organised_on=on)
    return Outcome([joint], {"task": task, "organised_on": on})
