"""``department.*``: register member departments and their sections (R10.1)."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.areas.departments.events import CODE_PATTERN, DEPARTMENT_KINDS, Department
from ledger.areas.departments.rules import load_department
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError
from ledger.fields import choice, text
from ledger.i18n import _
from ledger.ids import department_id
from ledger.roles import DEPARTMENT, OFFICE


@dataclass(frozen=True)
class RegisterDepartment(Command):
    """Register a member department of the joint conference."""

    ACTION = "department.register"
    ROLES = frozenset({OFFICE})
    ROUTE = Route("POST", "/api/v1/departments")
    RULE = "R10.1"

    code: str = text(max_length=20, pattern=CODE_PATTERN)
    name: str = text(max_length=100)
    kind: str = choice(DEPARTMENT_KINDS)

    def handle(self, ctx: Context) -> Outcome:
        if ctx.ledger.find(department_id(self.code)) is not None:
            raise ConflictError(_("department {code} is already registered", code=self.code))
        department = Department(code=self.code, name=self.name, kind=self.kind)
        return Outcome([department], {"department": self.code})


@dataclass(frozen=True)
class AddSection(Command):
    """Add a section (股室) to a department."""

    ACTION = "department.add_section"
    ROLES = frozenset({OFFICE, DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/departments/{department}/sections")

    department: str = text(max_length=20)
    section: str = text(max_length=100)

    def handle(self, ctx: Context) -> Outcome:
        code = self.department
        if not ctx.is_office:
            ctx.require_department(code, rule="R10.3")
        department = load_department(ctx, code)
        if self.section in department.sections:
            raise ConflictError(
                _("{code} already has section {section}", code=code, section=self.section)
            )
        department.add_section(section=self.section)
        return Outcome([department], {"department": code, "section": self.section})


COMMANDS = (RegisterDepartment, AddSection)
