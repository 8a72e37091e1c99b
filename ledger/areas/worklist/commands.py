"""``worklist.*``: a department's task ledger (工作任务台账, R10.3): work assigned to a
section and a person with a due date, beyond the draw's assignments, and its completion."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.areas.departments.rules import load_department, require_operator
from ledger.areas.inspectors.rules import inspectors_of
from ledger.areas.worklist.events import WorkEntry
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, NotFoundError, RuleViolationError, ValidationError
from ledger.fields import date, optional_text, past_date, text
from ledger.i18n import _
from ledger.ids import work_entry_id
from ledger.roles import DEPARTMENT

ENTRY_ID = r"[A-Za-z0-9._-]{1,40}"


@dataclass(frozen=True)
class AssignWork(Command):
    """Put a task on the department's task ledger: a section, a person, a due date (R10.3)."""

    ACTION = "worklist.assign"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/worklist")
    RULE = "R10.3"

    entry: str = text(max_length=40, pattern=ENTRY_ID, description="The entry's number.")
    title: str = text(max_length=500, description="The task (工作任务).")
    section: str = text(max_length=100, description="The section responsible (责任股室).")
    person: str | None = optional_text(
        max_length=40, description="The person responsible (责任人), an inspector of the unit."
    )
    due: str = date(description="The time node (时间节点): the day it is due.")
    source: str | None = optional_text(
        max_length=200, description="Where the task comes from: a plan, a notice, R10.6 ..."
    )

    def handle(self, ctx: Context) -> Outcome:
        department = require_operator(ctx)
        sections = load_department(ctx, department).sections
        if self.section not in sections:
            raise RuleViolationError(
                _(
                    "{department} has no section {section} (registered: {sections})",
                    department=department,
                    section=self.section,
                    sections=", ".join(sections) or "-",
                ),
                rule="R10.3",
            )
        if self.person:
            inspectors_of(ctx, department, (self.person,))
        if self.due < ctx.today.isoformat():
            raise ValidationError(
                _("the time node {due} is already past", due=self.due),
                {"due": [_("before the day of assignment")]},
            )
        if ctx.ledger.find(work_entry_id(department, self.entry)) is not None:
            raise ConflictError(
                _(
                    "{department} already has task-ledger entry {entry}",
                    department=department,
                    entry=self.entry,
                )
            )
        entry = WorkEntry(
            department=department,
            entry=self.entry,
            title=self.title,
            section=self.section,
            person=self.person or None,
            due=self.due,
            source=self.source or "",
            assigned_on=ctx.today.isoformat(),
        )
        return Outcome([entry], {"department": department, "entry": self.entry})


@dataclass(frozen=True)
class CompleteWork(Command):
    """Record a task-ledger entry as done (R10.3)."""

    ACTION = "worklist.complete"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/worklist/{entry}/completion")
    RULE = "R10.3"

    entry: str = text(max_length=40, pattern=ENTRY_ID)
    done_on: str = past_date()
    note: str = text(required=False, max_length=2000)

    def handle(self, ctx: Context) -> Outcome:
        department = require_operator(ctx)
        found = ctx.ledger.find(work_entry_id(department, self.entry))
        if not isinstance(found, WorkEntry):
            raise NotFoundError(
                _(
                    "{department} has no task-ledger entry {entry}",
                    department=department,
                    entry=self.entry,
                )
            )
        if found.done_on is not None:
            raise ConflictError(
                _("entry {entry} was done on {done_on}", entry=self.entry, done_on=found.done_on)
            )
        if self.done_on < found.assigned_on:
            raise RuleViolationError(
                _("done before it was assigned ({assigned_on})", assigned_on=found.assigned_on),
                rule="R10.3",
            )
        found.complete(done_on=self.done_on, note=self.note)
        return Outcome([found], {"department": department, "entry": self.entry})


COMMANDS = (AssignWork, CompleteWork)
