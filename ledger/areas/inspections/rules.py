"""An inspection's basis (draw, case lead or none, R1.1), its item, and the team a draw
assigned."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledger import formats
from ledger.areas.draws.events import Draw
from ledger.areas.inspections.events import BASES, TRIGGERS, Inspection
from ledger.areas.tasks.events import JointTask
from ledger.audit.timing import TOLERANCE
from ledger.clock import CHINA
from ledger.commanding import Context
from ledger.errors import NotFoundError, RuleViolationError
from ledger.fields import choice, custom, integer, nested, shape_of, text
from ledger.i18n import _
from ledger.ids import draw_id, task_id
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
    department, __, code = text.partition(":")
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
        raise NotFoundError(
            _("no performed draw {task}/{draw}", task=basis["task"], draw=basis["draw"])
        )
    for assignment in drawn.performed["assignments"]:
        if assignment["object"] == obj:
            return list(assignment["team"])
    raise RuleViolationError(
        _("{obj} was not drawn in {task}/{draw}", obj=obj, task=basis["task"], draw=basis["draw"]),
        rule="R1.1",
    )


def check_task_item(ctx: Context, basis: dict[str, Any], department: str, code: str) -> None:
    """An inspection on a draw's basis checks one of the task's items (format 2, R6.1,
    R7.2): the joint task fixes the items its drawn objects are checked for, so a
    draw is no basis for an item outside it (进一次门、查多项事 -- the task's 多项事)."""
    if not formats.since(ctx.ledger, 3) or basis.get("kind") != "draw":
        return
    joint = ctx.ledger.find(task_id(basis["task"]))
    if not isinstance(joint, JointTask):
        raise NotFoundError(_("no task {task}", task=basis["task"]))
    if not any(i["department"] == department and i["code"] == code for i in joint.items):
        raise RuleViolationError(
            _(
                "{department}:{code} is not an item of task {task}; its draw is no basis "
                "for checking it",
                department=department,
                code=code,
                task=joint.task,
            ),
            rule="R7.2",
        )


def checklist_of(ctx: Context, basis: dict[str, Any], obj: str) -> list[str]:
    """The drawn object's checklist (``DEPARTMENT:CODE``, R6.1, R6.6): as the draw
    recorded it (matching v2), or, for a draw that recorded none, what its matching
    staffed -- every task item for the object's kind."""
    drawn = ctx.ledger.find(draw_id(basis["task"], basis["draw"]))
    if not isinstance(drawn, Draw) or drawn.performed is None:
        raise NotFoundError(
            _("no performed draw {task}/{draw}", task=basis["task"], draw=basis["draw"])
        )
    for assignment in drawn.performed["assignments"]:
        if assignment["object"] == obj:
            break
    else:
        raise RuleViolationError(
            _(
                "{obj} was not drawn in {task}/{draw}",
                obj=obj,
                task=basis["task"],
                draw=basis["draw"],
            ),
            rule="R1.1",
        )
    if "checklist" in assignment:
        return list(assignment["checklist"])
    joint = ctx.ledger.find(task_id(basis["task"]))
    items = joint.items if isinstance(joint, JointTask) else []
    return [
        f"{i['department']}:{i['code']}"
        for i in items
        if isinstance(i, dict) and i.get("object_type") == assignment.get("kind")
    ]


def check_on_checklist(ctx: Context, basis: dict[str, Any], obj: str, key: str) -> None:
    """An inspection on a draw's basis checks an item on the object's checklist (format
    2, R6.6, R4.1): the task's items that apply to it -- its kind, and a department
    supervising it."""
    if not formats.since(ctx.ledger, 3) or basis.get("kind") != "draw":
        return
    checklist = checklist_of(ctx, basis, obj)
    if key not in checklist:
        raise RuleViolationError(
            _(
                "{key} is not on the checklist of {obj} (its department does not "
                "supervise it, or the item does not apply to its kind); checklist: "
                "{checklist}",
                key=key,
                obj=obj,
                checklist=", ".join(checklist) or "-",
            ),
            rule="R6.6",
        )


def present_at(inspection: Inspection, item: str) -> list[str]:
    """Who was present at the checks of ``item`` (``DEPARTMENT:CODE``) on this visit."""
    return sorted({p for c in inspection.checks if c["item"] == item for p in c["inspectors"]})


# --- dates that depend on each other (issue 11, part 6; ledger format 2) -------------------


def _not_before(day: str, floor: str, what: str, of: str, rule: str) -> None:
    if day < floor:
        raise RuleViolationError(
            _(
                "{what} {day} is before the {of} {floor} it depends on",
                what=what,
                day=day,
                of=of,
                floor=floor,
            ),
            rule=rule,
        )


def check_after_draw(ctx: Context, basis: dict[str, Any], checked_on: str) -> None:
    """An inspection on a draw's basis is not checked before the draw was run."""
    if not formats.since(ctx.ledger, 2) or basis.get("kind") != "draw":
        return
    drawn = ctx.ledger.find(draw_id(basis["task"], basis["draw"]))
    if isinstance(drawn, Draw) and drawn.performed is not None:
        run_on = dt.datetime.fromtimestamp(drawn.performed["run_at"], CHINA).date().isoformat()
        _not_before(checked_on, run_on, "checked_on", "抽取日期 draw date", "R8.1")


def check_formed_after_check(ctx: Context, inspection: Inspection, item: str, formed: str) -> None:
    """A result is not formed before the item was checked."""
    if not formats.since(ctx.ledger, 2):
        return
    checked = [c["checked_on"] for c in inspection.checks if c["item"] == item]
    if checked:
        _not_before(formed, max(checked), "formed_on", "检查日期 checked_on", "R9.1")


def check_published_after_forming(
    ctx: Context, inspection: Inspection, item: str, published: str
) -> None:
    """A result is not published before it was formed, nor on a day other than the
    day the department signs the publication (within the signing window)."""
    if not formats.since(ctx.ledger, 2):
        return
    _not_before(
        published,
        inspection.results[item]["formed_on"],
        "published_on",
        "结果形成日期 formed_on",
        "R9.1",
    )
    created = ctx.authorisation.created
    earliest = dt.datetime.fromtimestamp(created - TOLERANCE, CHINA).date().isoformat()
    if published < earliest:
        raise RuleViolationError(
            _(
                "published_on {published} is outside the signing window of the command "
                "signed on {today}: a publication is recorded on the day it is made",
                published=published,
                today=ctx.today.isoformat(),
            ),
            rule="R9.1",
        )
