"""``inspection.record``: an inspection of one object for one item (R8.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger import formats
from ledger.areas.bodies.rules import require_qualified
from ledger.areas.inspections import rules
from ledger.areas.inspections.events import METHODS, Inspection, basis_reference
from ledger.commanding import Command, Context, Outcome, Route
from ledger.fields import choice, nested, past_date, shape_of, text, text_list
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


COMMANDS = (RecordInspection,)
