"""``task.*``: create and join joint tasks (R7.1-R7.3), organise the drawn checks (R7.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger import formats
from ledger.areas.departments.rules import require_operator
from ledger.areas.inspectors.rules import inspectors_of
from ledger.areas.items.rules import check_caps, items_of, require_joint_listed
from ledger.areas.plans import rules
from ledger.areas.tasks.events import MATCHING, JointTask
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import (
    ConflictError,
    NotFoundError,
    RuleViolationError,
    ValidationError,
)
from ledger.fields import choice, date, integer, optional_text, past_date, text, text_list
from ledger.i18n import _
from ledger.ids import draw_id, task_id
from ledger.roles import DEPARTMENT

TASK_ID = r"[A-Za-z0-9._-]{3,40}"


def performed_draw(ctx: Context, task: str, number: int) -> dict[str, Any] | None:
    """What a performed draw of the task recorded (``Draw.performed``), or None. Read by
    its stream id: the draws area depends on tasks (a draw is of a task), so tasks do
    not import it back."""
    drawn = ctx.ledger.find(draw_id(task, number))
    performed: dict[str, Any] | None = getattr(drawn, "performed", None)
    return performed


@dataclass(frozen=True)
class CreateTask(Command):
    """Create a joint task; the initiating department leads it (R7.1, R7.2)."""

    ACTION = "task.create"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/tasks")

    task: str = text(max_length=40, pattern=TASK_ID)
    items: tuple[str, ...] = text_list(min_items=1)
    inspectors: tuple[str, ...] = text_list(required=False)
    name: str = text(max_length=200)
    year: int = integer(minimum=2000, maximum=2100)
    scope: dict[str, Any] = rules.scope()
    ratios: dict[str, str] = rules.ratios(required=False)
    ratio_table: dict[str, dict[str, str]] | None = rules.ratio_table()
    directed: dict[str, Any] | None = rules.directed()
    matching: str = choice(MATCHING)
    team_size: int = integer(minimum=2, maximum=20)
    workload_cap: int = integer(required=False, minimum=1)
    planned_start: str = date()
    planned_end: str = date()
    plan: str | None = optional_text(max_length=60)
    stratify_by: tuple[str, ...] = text_list(required=False, choices=("region", "industry"))

    def handle(self, ctx: Context) -> Outcome:
        lead = require_operator(ctx)
        task = self.task
        ratios, table = self.ratios, self.ratio_table
        if formats.since(ctx.ledger, 4) and self.plan and not ratios and not table:
            # R5.2, R7.6 (format 4): a task carrying out its annual plan's entry takes the
            # entry's ratios -- per credit class, or its ratio table -- unless it gives its own.
            rules.plan_entry(ctx, lead, self.year, self.plan, self.items)
            ratios, table = rules.planned_ratios(ctx, lead, self.year)
        spec: dict[str, Any] = {
            "name": self.name,
            "year": self.year,
            "scope": self.scope,
            "ratios": ratios,
            "directed": self.directed,
            "matching": self.matching,
            "team_size": self.team_size,
            "workload_cap": self.workload_cap or None,
            "planned_start": self.planned_start,
            "planned_end": self.planned_end,
            "plan": self.plan,
            "stratify_by": list(self.stratify_by),
        }
        if table:
            # Only a task that has one records it: older tasks' events stay as they were.
            spec["ratio_table"] = table
        if spec["planned_start"] > spec["planned_end"]:
            raise ValidationError(
                _("the task ends before it starts"), {"planned_end": [_("before start")]}
            )
        if ctx.ledger.find(task_id(task)) is not None:
            raise ConflictError(_("task {task} already exists", task=task))
        rules.check_ratios(ratios, table)
        if table and not formats.since(ctx.ledger, 3):
            raise ValidationError(
                _(
                    "a ratio table (ratio_table) needs a format-3 ledger (its draws are v3); "
                    "give ratios per credit class"
                ),
                {"ratio_table": [_("before format 3")]},
            )
        items = items_of(ctx, lead, self.items, rule="R7.2", risk=bool(table))
        check_caps(items, spec["ratios"], spec["directed"], table)
        if formats.since(ctx.ledger, 3):
            rules.check_directed_ratio(ratios, table, self.directed)
        inspectors_of(ctx, lead, self.inspectors)
        if formats.since(ctx.ledger, 2):
            rules.plan_entry(ctx, lead, self.year, self.plan, self.items)
        created = JointTask(
            task=task, lead=lead, spec={**spec, "items": items, "inspectors": list(self.inspectors)}
        )
        return Outcome([created], {"task": task, "lead": lead})


@dataclass(frozen=True)
class JoinTask(Command):
    """Join a joint task with own items and inspectors (R7.2, R7.3)."""

    ACTION = "task.join"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/tasks/{task}/participants")

    task: str = text(max_length=40, pattern=TASK_ID)
    items: tuple[str, ...] = text_list(min_items=1)
    inspectors: tuple[str, ...] = text_list(min_items=1)

    def handle(self, ctx: Context) -> Outcome:
        department = require_operator(ctx)
        task = self.task
        found = ctx.ledger.find(task_id(task))
        if not isinstance(found, JointTask):
            raise NotFoundError(_("no task {task}", task=task))
        if department in found.departments:
            raise ConflictError(
                _(
                    "{department} already takes part in task {task}",
                    department=department,
                    task=task,
                )
            )
        if ctx.ledger.find_draw_for(task):
            raise ConflictError(
                _("task {task} is already drawn; it cannot change", task=task), rule="R7.5"
            )
        table = found.spec.get("ratio_table")
        items = items_of(ctx, department, self.items, rule="R7.2", risk=bool(table))
        check_caps(items, found.spec["ratios"], found.spec["directed"], table)
        inspectors_of(ctx, department, self.inspectors)
        if formats.since(ctx.ledger, 2):
            require_joint_listed(ctx, [*found.items, *items])
        found.join(department=department, items=tuple(items), inspectors=self.inspectors)
        return Outcome([found], {"task": task, "department": department})


@dataclass(frozen=True)
class OrganiseTask(Command):
    """Record that the lead organised the drawn checks (R7.4)."""

    ACTION = "task.organise"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/tasks/{task}/organisation")

    task: str = text(max_length=40)
    draw: int = integer(minimum=1)
    organised_on: str = past_date()

    def handle(self, ctx: Context) -> Outcome:
        task, number, on = self.task, self.draw, self.organised_on
        joint = ctx.ledger.find(task_id(task))
        if not isinstance(joint, JointTask):
            raise NotFoundError(_("no task {task}", task=task))
        ctx.require_department(joint.lead, rule="R7.4")
        performed = performed_draw(ctx, task, number)
        if performed is None:
            raise ConflictError(
                _("draw {task}/{number} has not been performed", task=task, number=number),
                rule="R7.4",
            )
        if joint.organised is not None:
            raise ConflictError(
                _(
                    "task {task} was already organised on {organised_on}",
                    task=task,
                    organised_on=joint.organised["organised_on"],
                )
            )
        if on < performed["organise_from"]:
            raise RuleViolationError(
                _("the checks cannot be organised before the draw"), rule="R7.4"
            )
        joint.organise(draw=number, organised_on=on)
        return Outcome([joint], {"task": task, "organised_on": on})


COMMANDS = (CreateTask, JoinTask, OrganiseTask)
