"""The API's blueprints, one per area (the same names as ``ledger/areas``), plus the
transparency log and the witness endpoint.

Reads are written in each area's module and answer from the projections (kept
current before each read), paged by log position. Writes are generated here from the
typed commands (:mod:`ledger.commanding`): each command with a route becomes a signed
``POST`` in its area's blueprint, gated by the command's declared roles, its body
validated by the schema generated from its declared fields, executed as one command,
answering 201 with the positions it wrote and the ledger's signed receipt. The same
declaration gives the evidence route table the auditor's verifier reads, so the API and
the verifier cannot disagree.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint

from api import schemas as s
from api.auth import WRITES, authenticate, require
from api.blueprints import (
    bodies,
    calendar,
    common,
    credit,
    departments,
    directory,
    draws,
    inspections,
    inspectors,
    items,
    keys,
    notes,
    notices,
    operations,
    plans,
    reports,
    results,
    reviews,
    tasks,
    transparency,
    witness,
    worklist,
)
from api.problems import PROBLEM
from api.requests import command_schema
from ledger.bootstrap import registry
from ledger.commanding import Command
from ledger.errors import AuthorisationError, ValidationError

MODULES: tuple[ModuleType, ...] = (
    keys,
    departments,
    notes,
    calendar,
    items,
    directory,
    inspectors,
    plans,
    tasks,
    draws,
    inspections,
    results,
    reports,
    reviews,
    notices,
    worklist,
    bodies,
    credit,
    transparency,
    witness,
    operations,
)
BLUEPRINTS: dict[str, Blueprint] = {m.blp.name: m.blp for m in MODULES}
COMMAND_ENDPOINTS: dict[str, str] = {}  # blueprint.endpoint -> action
ERRORS = (
    (401, "Unsigned, or a bad signature"),
    (403, "Not permitted"),
    (404, "No such record"),
    (409, "Conflicts with the log"),
    (422, "Invalid, or refused by a rule"),
)


def _rule(template: str) -> str:
    """A route template (``{name}``, ``{name:int}``) as a Flask rule."""
    return re.sub(r"\{(\w+):int\}", rf"<{common.INT}:\1>", re.sub(r"\{(\w+)\}", r"<\1>", template))


def _command_view(action: str) -> Any:
    def view(_body: Any, **_path: Any) -> Any:
        verified = authenticate(command=True)
        try:
            authorisation = verified.authorisation(
                request.get_data(cache=True), common.service().ledger.routes
            )
        except AuthorisationError as exc:
            raise ValidationError(str(exc), {"body": [str(exc)]}) from exc
        recorded = common.service().ledger.execute(
            authorisation, attachment=authorisation.parsed.attachment, verified_actor=verified.key
        )
        return {
            "action": recorded.action,
            "positions": [recorded.first_position, recorded.last_position],
            "result": recorded.result,
            "receipt": recorded.receipt,
        }

    return view


def _register(command: type[Command]) -> None:
    route = command.ROUTE
    assert route is not None
    blp = BLUEPRINTS[command.area()]
    view = _command_view(command.ACTION)
    endpoint = command.ACTION.replace(".", "_")
    view.__name__ = endpoint
    view.__doc__ = (
        f"{command.summary()}\n\nCommand `{command.ACTION}`. Signed request (RFC 9421); "
        f"roles: {', '.join(sorted(command.ROLES))}. Path variables are parameters of the "
        "command."
    )
    # A schema instance, made once: given the class, webargs would build one per request.
    decorated = blp.arguments(command_schema(command)(), location="json")(view)
    decorated = blp.response(201, s.Recorded)(decorated)
    for status, meaning in ERRORS:
        decorated = blp.alt_response(
            status, schema=s.Problem, description=meaning, content_type=PROBLEM
        )(decorated)
    blp.route(_rule(route.path), methods=[route.method], endpoint=endpoint)(decorated)
    COMMAND_ENDPOINTS[f"{blp.name}.{endpoint}"] = command.ACTION


def guard() -> None:
    """Before every request: authenticate and gate what is not public."""
    endpoint = request.endpoint or ""
    action = COMMAND_ENDPOINTS.get(endpoint)
    if action is not None:
        require(WRITES[action], f"{action} ({request.method} {request.path})", command=True)
        return
    view = current_app.view_functions.get(endpoint)
    access = getattr(view, "access", common.PUBLIC)
    if isinstance(access, frozenset):
        require(access, f"{request.method} {request.path}")


for _command in registry():
    if _command.ROUTE is not None:
        _register(_command)

__all__ = ["BLUEPRINTS", "guard"]
