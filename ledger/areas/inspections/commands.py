"""``inspection.record``: an inspection of one object for one item (R8.1)."""

from __future__ import annotations

from ledger.areas.inspections.events import (
    METHODS,
    Inspection,
    basis_reference,
    inspection_id,
)
from ledger.areas.inspections.rules import _item, _past_date, read_basis, team_of
from ledger.commanding import Context, Outcome, command


@command("inspection.record", "Record an inspection of one object for one item (R8.1).")
def record(ctx: Context) -> Outcome:
    p = ctx.params
    basis = read_basis(p)
    obj = p.text("object", max_length=64)
    department, item = _item(p)
    method = p.choice("method", METHODS)
    inspectors = p.text_list("inspectors", min_items=1)
    on = _past_date(ctx, p, "checked_on")
    delegated_p = p.nested("delegated", required=False)
    delegated = None
    if delegated_p is not None:
        delegated = {
            "kind": delegated_p.choice("kind", ("testing", "audit", "survey")),
            "body": delegated_p.text("body", max_length=200),
            "conclusion_sha256": delegated_p.text(
                "conclusion_sha256", max_length=64, pattern=r"[0-9a-f]{64}"
            ),
        }
    p.done()
    own_person = ctx.actor is not None and ctx.actor.person in inspectors
    if not own_person:
        ctx.require_department(department, rule="R8.1")
    team = team_of(ctx, basis, obj)
    found = ctx.ledger.find(inspection_id(basis["kind"], basis_reference(basis), obj))
    inspection = (
        found
        if isinstance(found, Inspection)
        else Inspection(object=obj, department=department, basis=basis)
    )
    inspection.record_check(
        item=f"{department}:{item}",
        method=method,
        inspectors=tuple(inspectors),
        checked_on=on,
        delegated=delegated,
    )
    return Outcome(
        [inspection],
        {"object": obj, "item": f"{department}:{item}", "basis": basis["kind"], "drawn_team": team},
    )
