"""Delegated testing, audit or survey cites a qualified body (R8.1, R8.2)."""

from __future__ import annotations

from ledger.areas.bodies.events import SERVICE_NAMES, QualifiedBody
from ledger.commanding import Context
from ledger.errors import RuleViolationError
from ledger.ids import body_id


def load_body(ctx: Context, body: str) -> QualifiedBody | None:
    found = ctx.ledger.find(body_id(body))
    assert found is None or isinstance(found, QualifiedBody)
    return found


def require_qualified(ctx: Context, body: str, service: str, day: str) -> QualifiedBody:
    """The registered body ``body``, qualified for ``service`` and valid on ``day``."""
    found = load_body(ctx, body)
    if found is None:
        raise RuleViolationError(
            f"{body!r} is not in the register of qualified bodies; register it first "
            f"(body register) / 受委托机构未登记资质",
            rule="R8.1",
        )
    if service not in found.services:
        raise RuleViolationError(
            f"{found.name} ({body}) is not qualified for {service} "
            f"({SERVICE_NAMES.get(service, service)}) / 该机构无此项资质",
            rule="R8.1",
        )
    if not found.valid_on(day):
        raise RuleViolationError(
            f"the qualification of {found.name} ({body}) is valid {found.valid_from} to "
            f"{found.valid_until}, not on {day} / 资质不在有效期内",
            rule="R8.1",
        )
    return found
