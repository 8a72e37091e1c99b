"""Contributed inspectors must be approved in the department's directory (R7.3, R4.2)."""

from __future__ import annotations

from ledger.areas.inspectors.events import Inspector, inspector_id
from ledger.commanding import Context
from ledger.errors import RuleViolation


def inspectors_of(ctx: Context, department: str, people: tuple[str, ...]) -> None:
    """Contributed inspectors must be effective in the department's directory (R7.3, R4.2)."""
    for person in people:
        record = ctx.ledger.find(inspector_id(person))
        if (
            not isinstance(record, Inspector)
            or not record.active
            or (record.department != department)
        ):
            raise RuleViolation(
                f"{person} is not an approved inspector of {department}", rule="R7.3"
            )
