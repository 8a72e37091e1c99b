"""Delegated testing, audit or survey cites a qualified body (R8.1, R8.2)."""

from __future__ import annotations

from ledger.areas.bodies.events import SERVICE_NAMES, QualifiedBody
from ledger.commanding import Context
from ledger.errors import RuleViolationError
from ledger.i18n import _
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
