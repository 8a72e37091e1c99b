"""An inspection's basis (draw, case lead or none, R1.1), its item, and the team a draw
assigned."""

from __future__ import annotations

from typing import Any

from ledger.areas.draws.events import Draw
from ledger.areas.inspections.events import BASES, TRIGGERS
from ledger.commanding import Context
from ledger.errors import NotFoundError, RuleViolationError
from ledger.fields import choice, custom, integer, nested, shape_of, text
from ledger.ids import draw_id
from ledger.params import Params

ITEM_REFERENCE = r"[A-Z][A-Z0-9_-]{1,19}:[A-Za-z0-9._-]{1,40}"


def read_basis(p: Params | None) -> dict[str, Any]:
    """A draw (task, draw), a case lead (case, trigger, reference, R1.1) or none."""
    if p is None:
        return {}
    kind = p.choice("kind", BASES)
    if kind == "draw":
        return {
            "kind": kind,
            "task": p.text("task", max_length=40),
            "draw": p.integer("draw", minimum=1),
        }
    if kind == "case":
        return {
            "kind": kind,
            "case": p.text("case", max_length=60),
            "trigger": p.choice("trigger", TRIGGERS),
            "reference": p.text("reference", max_length=200),
        }
    return {"kind": kind, "reference": p.text("reference", max_length=200)}


def basis() -> Any:
    """The ``basis`` field: why the object was inspected (R1.1)."""
    return nested(
        read_basis,
        description="A draw (task, draw), a case lead (case, trigger, reference) or none.",
        shape=shape_of(
            kind=choice(BASES),
            task=text(required=False, max_length=40),
            draw=integer(required=False, minimum=1),
            case=text(required=False, max_length=60),
            trigger=choice(TRIGGERS, required=False),
            reference=text(required=False, max_length=200),
        ),
    )


def read_item_reference(p: Params, name: str) -> tuple[str, str]:
    """``DEPARTMENT:CODE`` -> (department, code)."""
    text = p.text(name, max_length=80, pattern=ITEM_REFERENCE)
    department, _, code = text.partition(":")
    return department, code


def item_reference() -> Any:
    """The ``item`` field: ``DEPARTMENT:CODE`` of an item on a published list."""
    return custom(
        "string",
        read_item_reference,
        max_length=80,
        description="The item as DEPARTMENT:CODE, e.g. SCJGJ:SCJG-SP-001.",
    )


def team_of(ctx: Context, basis: dict[str, Any], obj: str) -> list[str] | None:
    """The inspectors the draw assigned to ``obj`` (after recusals), if the basis is a draw."""
    if basis.get("kind") != "draw":
        return None
    drawn = ctx.ledger.find(draw_id(basis["task"], basis["draw"]))
    if not isinstance(drawn, Draw) or drawn.performed is None:
        raise NotFoundError(f"no performed draw {basis['task']}/{basis['draw']}")
    for assignment in drawn.performed["assignments"]:
        if assignment["object"] == obj:
            return list(assignment["team"])
    raise RuleViolationError(f"{obj} was not drawn in {basis['task']}/{basis['draw']}", rule="R1.1")
