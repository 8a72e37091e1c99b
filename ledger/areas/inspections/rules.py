"""An inspection's basis (draw, case lead or none, R1.1) and the team a draw assigned."""

from __future__ import annotations

from typing import Any

from ledger.areas.draws.events import Draw, draw_id
from ledger.areas.inspections.events import (
    BASES,
    TRIGGERS,
)
from ledger.commanding import Context, Params
from ledger.errors import NotFoundError, RuleViolation


def _past_date(ctx: Context, p: Params, name: str) -> str:
    day = p.date(name)
    if day and day > ctx.today.isoformat():
        p.fail(name, "is in the future")
    return day


def read_basis(p: Params) -> dict[str, Any]:
    """A draw (task, draw), a case lead (case, trigger, reference, R1.1) or none."""
    basis = p.nested("basis")
    if basis is None:
        return {}
    kind = basis.choice("kind", BASES)
    if kind == "draw":
        return {
            "kind": kind,
            "task": basis.text("task", max_length=40),
            "draw": basis.integer("draw", minimum=1),
        }
    if kind == "case":
        return {
            "kind": kind,
            "case": basis.text("case", max_length=60),
            "trigger": basis.choice("trigger", TRIGGERS),
            "reference": basis.text("reference", max_length=200),
        }
    return {"kind": kind, "reference": basis.text("reference", max_length=200)}


def _item(p: Params) -> tuple[str, str]:
    """``DEPARTMENT:CODE`` -> (department, code)."""
    text = p.text("item", max_length=80, pattern=r"[A-Z][A-Z0-9_-]{1,19}:[A-Za-z0-9._-]{1,40}")
    department, _, code = text.partition(":")
    return department, code


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
    raise RuleViolation(f"{obj} was not drawn in {basis['task']}/{basis['draw']}", rule="R1.1")
