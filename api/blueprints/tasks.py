"""The ``tasks`` area's routes: Joint tasks (R7.1-R7.3), their organisation (R7.4) and the task
ledger (R10.3).

Its write routes are generated from the area's typed commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import access, store
from ledger.errors import NotFoundError
from ledger.i18n import _
from ledger.roles import STATE_READ
from projections import read

DESCRIPTION = "Joint tasks (R7.1-R7.3), their organisation (R7.4) and the task ledger (R10.3)."
blp = Blueprint("tasks", __name__, description=DESCRIPTION)


@blp.route("/api/v1/tasks/<task>", methods=["GET"])
@blp.response(200, s.Task)
@access(STATE_READ)
def task(task: str) -> Any:
    """A joint task with its participants, items, inspectors and draws."""
    found = read.tasks.task(store(), task)
    if found is None:
        raise NotFoundError(_("no task {task}", task=task))
    return found


@blp.route("/api/v1/task-ledger", methods=["GET"])
@blp.response(200, s.TaskLedgerRow(many=True))
@access(STATE_READ)
def task_ledger() -> Any:
    """Tasks assigned to sections and people, with dates (R10.3); filter by
    ?department=, ?section=, ?person=."""
    return read.tasks.task_ledger(
        store(),
        department=request.args.get("department"),
        section=request.args.get("section"),
        person=request.args.get("person"),
    )
