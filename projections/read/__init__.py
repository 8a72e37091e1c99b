"""Every read of the projections: the SELECTs and the JSON decoding, one module per area.

The API's views and the CLI read through these functions only (the duty review,
``projections.review``, reads through its own ``facts``). Each function takes the
projection database (``sqlite_utils.Database``) and returns plain rows, dicts or small
dataclasses; a read that finds nothing returns ``None`` or an empty list, and the
caller decides what that means (a 404, a message). Nothing here writes, and nothing
reads the log: a caller brings the projections up to date first. The package imports
its modules (and nothing else), so ``from projections import read`` then
``read.tasks.task(db, code)`` reads well where a view has the same name as its read.

``sql`` (the row helpers), ``calendar``, ``deadlines`` (the board, across areas),
``trails`` (who touched a subject, across areas), and one module per area: ``keys``,
``departments``, ``items``, ``directory``, ``inspectors``, ``plans``, ``tasks``,
``draws``, ``inspections`` (a drawn object's checklist), ``results``, ``reports``;
``public`` (what the public pages read); ``names`` (names beside codes in JSON, the
CLI's and the API's).
"""

from projections.read import (
    bodies,
    calendar,
    deadlines,
    departments,
    directory,
    documents,
    draws,
    inspections,
    inspectors,
    items,
    keys,
    names,
    notices,
    plans,
    public,
    reports,
    results,
    sql,
    tasks,
    trails,
    worklist,
)

__all__ = [
    "bodies",
    "calendar",
    "deadlines",
    "departments",
    "directory",
    "documents",
    "draws",
    "inspections",
    "inspectors",
    "items",
    "keys",
    "names",
    "notices",
    "plans",
    "public",
    "reports",
    "results",
    "sql",
    "tasks",
    "trails",
    "worklist",
]
