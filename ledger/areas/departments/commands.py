"""``department.*``: register member departments and their sections (R10.1)."""

from __future__ import annotations

from ledger.areas.departments.events import (
    CODE_PATTERN,
    DEPARTMENT_KINDS,
    Department,
    department_id,
)
from ledger.areas.departments.rules import load_department
from ledger.commanding import Context, Outcome, command
from ledger.errors import ConflictError


@command("department.register", "Register a member department of the joint conference.")
def register(ctx: Context) -> Outcome:
    ctx.require_role("office", rule="R10.1")
    p = ctx.params
    code = p.text("code", max_length=20, pattern=CODE_PATTERN)
    name = p.text("name", max_length=100)
    kind = p.choice("kind", DEPARTMENT_KINDS)
    p.done()
    if ctx.ledger.find(department_id(code)) is not None:
        raise ConflictError(f"department {code} is already registered")
    return Outcome([Department(code=code, name=name, kind=kind)], {"department": code})


@command("department.add_section", "Add a section (股室) to a department.")
def add_section(ctx: Context) -> Outcome:
    p = ctx.params
    code = p.text("department", max_length=20)
    section = p.text("section", max_length=100)
    p.done()
    if not ctx.is_office:
        ctx.require_department(code, rule="R10.3")
    department = load_department(ctx, code)
    if section in department.sections:
        raise ConflictError(f"{code} already has section {section}")
    department.add_section(section=section)
    return Outcome([department], {"department": code, "section": section})
