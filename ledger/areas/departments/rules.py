"""Who acts for a department: its registered operators (R10.1)."""

from __future__ import annotations

from ledger.areas.departments.events import Department
from ledger.commanding import Context
from ledger.errors import NotFoundError, PermissionDeniedError
from ledger.i18n import _
from ledger.ids import department_id


def load_department(ctx: Context, code: str) -> Department:
    department = ctx.ledger.find(department_id(code))
    if department is None:
        raise NotFoundError(_("no department {code}", code=code), rule="R10.1")
    assert isinstance(department, Department)
    return department


def require_operator(ctx: Context) -> str:
    """The acting key's department, which must be registered; the office has none."""
    code = ctx.actor_department()
    if ctx.actor is None or "department" not in ctx.actor.roles:
        raise PermissionDeniedError(
            _("key {actor_id} is not a department operator's key", actor_id=ctx.actor_id)
        )
    load_department(ctx, code)
    return code
