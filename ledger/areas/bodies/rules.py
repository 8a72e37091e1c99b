"""Delegated testing, audit or survey cites a qualified body (R8.1, R8.2)."""

from __future__ import annotations

from ledger.areas.bodies.events import SERVICE_NAMES, QualifiedBody
from ledger.commanding import Context
from ledger.errors import RuleViolationError
from ledger.i18n import _
from ledger.ids import body_id, inspection_id

#: The bases an inspection has (``ledger.areas.inspections.events.BASES``; the bodies
#: area sits below the inspections area and does not import it).
INSPECTION_BASES = ("draw", "case", "none")


def load_body(ctx: Context, body: str) -> QualifiedBody | None:
    found = ctx.ledger.find(body_id(body))
    assert found is None or isinstance(found, QualifiedBody)
    return found


def require_qualified(ctx: Context, body: str, service: str, day: str) -> QualifiedBody:
    """The registered body ``body``, qualified for ``service`` and valid on ``day``."""
    found = load_body(ctx, body)
    if found is None:
        raise RuleViolationError(
            _(
                "{body!r} is not in the register of qualified bodies; register it first "
                "(body register)",
                body=body,
            ),
            rule="R8.1",
        )
    if service not in found.services:
        raise RuleViolationError(
            _(
                "{name} ({body}) is not qualified for {service} ({service_name})",
                name=found.name,
                body=body,
                service=service,
                service_name=SERVICE_NAMES.get(service, service),
            ),
            rule="R8.1",
        )
    if not found.valid_on(day):
        raise RuleViolationError(
            _(
                "the qualification of {name} ({body}) is valid {valid_from} to "
                "{valid_until}, not on {day}",
                name=found.name,
                body=body,
                valid_from=found.valid_from,
                valid_until=found.valid_until,
                day=day,
            ),
            rule="R8.1",
        )
    return found


def require_delegation(
    ctx: Context, body: QualifiedBody, department: str, delegation: dict[str, str], day: str
) -> dict[str, str]:
    """The delegation a supervision or evaluation record cites (R8.2): a check of an item
    of ``department`` that delegated testing, audit or survey to ``body``, checked on or
    before ``day``. Returns it as recorded (with the service delegated)."""
    basis, reference = delegation["basis"], delegation["reference"]
    obj, item = delegation["object"], delegation["item"]
    found = ctx.ledger.find(inspection_id(basis, reference, obj))
    # The id is the inspection stream's own formula: whatever is found is an inspection.
    checks = [c for c in getattr(found, "checks", ()) if c["item"] == item]
    delegated = [c for c in checks if (c["delegated"] or {}).get("body") == body.body]
    if not delegated:
        raise RuleViolationError(
            _(
                "no check of {item} on {object} ({basis} {reference}) delegated to {name} "
                "({body}); a record cites the delegation it supervises",
                item=item,
                object=obj,
                basis=basis,
                reference=reference,
                name=body.name,
                body=body.body,
            ),
            rule="R8.2",
        )
    owner = item.partition(":")[0]
    if owner != department:
        raise RuleViolationError(
            _(
                "that delegation is {owner}'s: the delegating department supervises its "
                "third party, not {department}",
                owner=owner,
                department=department,
            ),
            rule="R8.2",
        )
    check = delegated[0]
    if day < check["checked_on"]:
        raise RuleViolationError(
            _(
                "the delegated check was on {checked_on}; it is not supervised or evaluated "
                "before that ({day})",
                checked_on=check["checked_on"],
                day=day,
            ),
            rule="R8.2",
        )
    return {**delegation, "service": check["delegated"]["kind"]}
