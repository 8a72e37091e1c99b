"""``result.*``: enter, publish, withhold and follow up results (R9.1, R9.2)."""

from __future__ import annotations

from typing import Any

from ledger.areas.inspections.events import (
    FOLLOW_UPS,
    RESULTS,
    Inspection,
    basis_reference,
    inspection_id,
)
from ledger.areas.inspections.rules import _item, _past_date, read_basis, team_of
from ledger.commanding import Context, Outcome, Params, command
from ledger.errors import ConflictError, NotFoundError, PermissionDenied

CHANNELS = ("national_enterprise_credit_publicity", "credit_sharing_platform")


def _inspection(ctx: Context, basis: dict[str, Any], obj: str) -> Inspection:
    found = ctx.ledger.find(inspection_id(basis["kind"], basis_reference(basis), obj))
    if not isinstance(found, Inspection):
        raise NotFoundError(f"no inspection of {obj} on that basis; record the check first")
    return found


@command("result.enter", "Enter the result for an item; only an assigned inspector may (R9.1).")
def enter(ctx: Context) -> Outcome:
    p = ctx.params
    basis = read_basis(p)
    obj = p.text("object", max_length=64)
    department, item = _item(p)
    result = p.choice("result", tuple(RESULTS))
    details = p.text("details", required=False, max_length=2000)
    formed_on = _past_date(ctx, p, "formed_on")
    p.done()
    person = ctx.actor.person if ctx.actor is not None else None
    inspection = _inspection(ctx, basis, obj)
    team = team_of(ctx, basis, obj)
    checked_by = {i for c in inspection.checks for i in c["inspectors"]}
    allowed = team if team is not None else sorted(checked_by)
    if person is None or person not in allowed:
        raise PermissionDenied(
            f"only an inspector assigned to {obj} enters its result (谁检查谁录入); "
            f"key {ctx.actor_id} is {'person ' + person if person else 'no inspector'}",
            rule="R9.1",
        )
    key = f"{department}:{item}"
    if key in inspection.results:
        raise ConflictError(f"the result for {key} was already entered")
    if not any(c["item"] == key for c in inspection.checks):
        raise ConflictError(f"no check of {key} on {obj} is recorded", rule="R8.1")
    inspection.enter_result(
        item=key,
        department=department,
        result=result,
        details=details,
        formed_on=formed_on,
        entered_by=person,
    )
    return Outcome([inspection], {"object": obj, "item": key, "result": result})


def _decided(ctx: Context) -> tuple[Inspection, str, str, Params]:
    p = ctx.params
    basis = read_basis(p)
    obj = p.text("object", max_length=64)
    department, item = _item(p)
    key = f"{department}:{item}"
    inspection = _inspection(ctx, basis, obj) if not p.errors else None
    if inspection is not None:
        ctx.require_department(department, rule="R9.1")
        if key not in inspection.results:
            raise ConflictError(f"no result for {key} on {obj} yet", rule="R9.1")
    return inspection, key, department, p  # type: ignore[return-value]


@command("result.publish", "Publish a result; the inspecting department does (谁检查谁公开, R9.1).")
def publish(ctx: Context) -> Outcome:
    inspection, key, department, p = _decided(ctx)
    on = _past_date(ctx, p, "published_on")
    channels = p.text_list("channels", required=False, choices=CHANNELS) or CHANNELS
    p.done()
    if key in inspection.publication:
        raise ConflictError(f"{key} on {inspection.object} was already decided")
    inspection.publish(item=key, department=department, published_on=on, channels=channels)
    return Outcome([inspection], {"object": inspection.object, "item": key, "published_on": on})


@command("result.withhold", "Withhold a result from publication, with its legal basis (R9.1).")
def withhold(ctx: Context) -> Outcome:
    inspection, key, department, p = _decided(ctx)
    legal_basis = p.text("legal_basis", max_length=1000)
    on = _past_date(ctx, p, "decided_on")
    p.done()
    if key in inspection.publication:
        raise ConflictError(f"{key} on {inspection.object} was already decided")
    inspection.withhold(item=key, department=department, legal_basis=legal_basis, decided_on=on)
    return Outcome([inspection], {"object": inspection.object, "item": key, "withheld": True})


@command("result.follow_up", "Record a violation's penalty case or judicial referral (R9.2).")
def follow_up(ctx: Context) -> Outcome:
    inspection, key, _, p = _decided(ctx)
    kind = p.choice("kind", FOLLOW_UPS)
    reference = p.text("reference", max_length=200)
    on = _past_date(ctx, p, "on")
    p.done()
    inspection.follow_up(item=key, kind=kind, reference=reference, on=on)
    return Outcome([inspection], {"object": inspection.object, "item": key, "kind": kind})
