"""``inspection.record``: an inspection of one object for one item (R8.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger import formats
from ledger.areas.bodies.rules import require_qualified
from ledger.areas.inspections import rules
from ledger.areas.inspections.events import METHODS, Inspection, basis_reference
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, RuleViolationError, ValidationError
from ledger.fields import choice, nested, past_date, shape_of, text, text_list
from ledger.i18n import _
from ledger.ids import inspection_id
from ledger.params import Params
from ledger.roles import DEPARTMENT, INSPECTOR

DELEGATED_KINDS = ("testing", "audit", "survey")


def read_delegated(p: Params | None) -> dict[str, Any] | None:
    """A qualified body's testing, audit or survey, whose conclusion is adopted (R8.1)."""
    if p is None:
        return None
    return {
        "kind": p.choice("kind", DELEGATED_KINDS),
        "body": p.text("body", max_length=200),
        "conclusion_sha256": p.text("conclusion_sha256", max_length=64, pattern=r"[0-9a-f]{64}"),
    }


@dataclass(frozen=True)
class RecordInspection(Command):
    """Record an inspection of one object for one item (R8.1)."""

    ACTION = "inspection.record"
    ROLES = frozenset({DEPARTMENT, INSPECTOR})
    ROUTE = Route("POST", "/api/v1/inspections")

    basis: dict[str, Any] = rules.basis()
    object: str = text(max_length=64)
    item: tuple[str, str] = rules.item_reference()
    method: str = choice(METHODS)
    inspectors: tuple[str, ...] = text_list(min_items=1)
    checked_on: str = past_date()
    delegated: dict[str, Any] | None = nested(
        read_delegated,
        required=False,
        shape=shape_of(
            kind=choice(DELEGATED_KINDS),
            body=text(max_length=200),
            conclusion_sha256=text(max_length=64, pattern=r"[0-9a-f]{64}"),
        ),
    )

    def handle(self, ctx: Context) -> Outcome:
        if self.delegated is not None and formats.since(ctx.ledger, 2):
            # R8.1: delegated to a body in the register, qualified and valid that day.
            require_qualified(ctx, self.delegated["body"], self.delegated["kind"], self.checked_on)
        basis, obj, inspectors = self.basis, self.object, self.inspectors
        department, item = self.item
        own_person = ctx.actor is not None and ctx.actor.person in inspectors
        if not own_person:
            ctx.require_department(department, rule="R8.1")
        team = rules.team_of(ctx, basis, obj)
        rules.check_task_item(ctx, basis, department, item)
        rules.check_on_checklist(ctx, basis, obj, f"{department}:{item}")
        rules.check_after_draw(ctx, basis, self.checked_on)
        found = ctx.ledger.find(inspection_id(basis["kind"], basis_reference(basis), obj))
        inspection = (
            found
            if isinstance(found, Inspection)
            else Inspection(object=obj, department=department, basis=basis)
        )
        inspection.record_check(
            item=f"{department}:{item}",
            method=self.method,
            inspectors=tuple(inspectors),
            checked_on=self.checked_on,
            delegated=self.delegated,
        )
        result = {
            "object": obj,
            "item": f"{department}:{item}",
            "basis": basis["kind"],
            "drawn_team": team,
        }
        return Outcome([inspection], result)


def drawn_item(
    ctx: Context, command: ExcuseObligation | WithdrawExcuse, not_drawn: str
) -> tuple[str, str]:
    """The department and ``department:item`` key of a checklist-item command, once the
    actor is that department and the basis is a draw (``not_drawn`` the refusal otherwise,
    R6.1)."""
    department, code = command.item
    ctx.require_department(department, rule="R6.1")
    if command.basis.get("kind") != "draw":
        raise ValidationError(not_drawn, {"basis": [_("must be a draw")]})
    return department, f"{department}:{code}"


@dataclass(frozen=True)
class ExcuseObligation(Command):
    """Excuse an item on a drawn object's checklist, with the reason (R6.1): the
    department whose item it is records why it will not be checked on the joint visit
    (e.g. the object no longer carries on that activity); the obligation is then no
    longer due."""

    ACTION = "inspection.excuse"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/inspections/excuses")

    basis: dict[str, Any] = rules.basis()
    object: str = text(max_length=64)
    item: tuple[str, str] = rules.item_reference()
    reason: str = text(max_length=1000)
    excused_on: str = past_date()

    def handle(self, ctx: Context) -> Outcome:
        basis, obj = self.basis, self.object
        department, key = drawn_item(
            ctx,
            self,
            _("only an item on a drawn object's checklist is excused: the basis must be a draw"),
        )
        checklist = rules.checklist_of(ctx, basis, obj)
        if key not in checklist:
            raise RuleViolationError(
                _(
                    "{key} is not on the checklist of {obj}; checklist: {checklist}",
                    key=key,
                    obj=obj,
                    checklist=", ".join(checklist) or "-",
                ),
                rule="R6.1",
            )
        rules.check_after_draw(ctx, basis, self.excused_on)
        found = ctx.ledger.find(inspection_id("draw", basis_reference(basis), obj))
        inspection = (
            found
            if isinstance(found, Inspection)
            else Inspection(object=obj, department=department, basis=basis)
        )
        checked = [c["checked_on"] for c in inspection.checks if c["item"] == key]
        if checked:
            raise ConflictError(
                _(
                    "{key} on {obj} was checked on {checked_on}; a checked item is not excused",
                    key=key,
                    checked_on=checked[0],
                    obj=obj,
                ),
                rule="R6.1",
            )
        if key in inspection.excused:
            raise ConflictError(
                _(
                    "{key} on {obj} was already excused on {excused_on}",
                    key=key,
                    obj=obj,
                    excused_on=inspection.excused[key]["excused_on"],
                ),
                rule="R6.1",
            )
        inspection.excuse(
            item=key,
            department=department,
            reason=self.reason,
            excused_on=self.excused_on,
            by=ctx.actor_id,
        )
        return Outcome([inspection], {"object": obj, "item": key, "excused_on": self.excused_on})


@dataclass(frozen=True)
class WithdrawExcuse(Command):
    """Withdraw an excuse of a checklist item, with the reason (R6.1, 进一次门、查多项事):
    the department whose item it is (the one that excused it) signs that the item will be
    checked after all -- e.g. the object turns out to carry on that activity. The item is
    that department's obligation again, due by the task's planned end as before (overdue
    after it), until it is checked or excused anew. The excuse stays on the record."""

    ACTION = "inspection.withdraw_excuse"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/inspections/excuses/withdrawals")

    basis: dict[str, Any] = rules.basis()
    object: str = text(max_length=64)
    item: tuple[str, str] = rules.item_reference()
    reason: str = text(max_length=1000)
    withdrawn_on: str = past_date()

    def handle(self, ctx: Context) -> Outcome:
        basis, obj = self.basis, self.object
        department, key = drawn_item(
            ctx,
            self,
            _(
                "only an excuse of a drawn object's checklist item is withdrawn: the basis "
                "must be a draw"
            ),
        )
        found = ctx.ledger.find(inspection_id("draw", basis_reference(basis), obj))
        excuse = found.excused.get(key) if isinstance(found, Inspection) else None
        if found is None or excuse is None:
            raise ConflictError(
                _("{item} on {object} is not excused: nothing to withdraw", item=key, object=obj),
                rule="R6.1",
            )
        if self.withdrawn_on < excuse["excused_on"]:
            raise RuleViolationError(
                _(
                    "an excuse is withdrawn on or after the day it was made ({excused_on})",
                    excused_on=excuse["excused_on"],
                ),
                rule="R6.1",
            )
        found.withdraw_excuse(
            item=key,
            department=department,
            reason=self.reason,
            withdrawn_on=self.withdrawn_on,
            by=ctx.actor_id,
        )
        return Outcome([found], {"object": obj, "item": key, "withdrawn_on": self.withdrawn_on})


COMMANDS = (RecordInspection, ExcuseObligation, WithdrawExcuse)
