"""Inspections (R8): one stream per object, item and basis; the checks recorded.

An inspection stream is remembered with its basis (kind, reference) and department,
so the result handlers (:mod:`projections.projectors.results`) read them back with
:func:`inspection_of`.
"""

from __future__ import annotations

from typing import Any

from ledger.areas.inspections.events import Inspection, basis_reference
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


@on(Inspection.Created.TOPIC)
def inspection_opened(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    kind, reference = s["basis"]["kind"], basis_reference(s["basis"])
    b.remember(stream, "inspection", s["object"], dumps([kind, reference, s["department"]]))
    b.touch("object", s["object"], position)
    b.touch("department", s["department"], position)
    if kind == "draw":
        b.touch("task", s["basis"]["task"], position)


def inspection_of(b: Batch, stream: str) -> tuple[str, str, str, str]:
    """(object, basis kind, basis reference, department) of an inspection stream."""
    kind, reference, department = b.extra(stream)
    return b.ident(stream)[0], kind, reference, department


@on(Inspection.CheckRecorded.TOPIC)
def inspection_checked(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    obj, kind, reference, department = inspection_of(b, stream)
    b.execute(
        "INSERT OR REPLACE INTO inspections VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            obj,
            kind,
            reference,
            department,
            s["item"],
            s["method"],
            dumps(s["inspectors"]),
            s["checked_on"],
            dumps(s["delegated"]) if s["delegated"] else None,
            position,
        ),
    )
    b.touch("object", obj, position)
    for person in s["inspectors"]:
        b.touch("person", person, position)
    if kind == "draw":
        task, _, number = reference.rpartition("/")
        b.execute(
            "UPDATE obligations SET checked_on = ?, check_position = ? WHERE task = ? AND "
            "draw = ? AND object = ? AND item = ? AND checked_on IS NULL",
            (s["checked_on"], position, task, int(number), obj, s["item"]),
        )
        # The drawn team checked the object: a recusal request still pending lapses
        # (R7.4; ``draw.approve_recusal`` refuses it from format 4).
        b.execute(
            "UPDATE recusal_requests SET status = 'lapsed', decided_position = ? WHERE "
            "task = ? AND draw = ? AND object = ? AND status = 'pending'",
            (position, task, int(number), obj),
        )
        b.touch("task", task, position)


@on(Inspection.Excused.TOPIC)
def inspection_excused(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    obj, _, reference, _ = inspection_of(b, stream)
    task, _, number = reference.rpartition("/")
    b.execute(
        "UPDATE obligations SET excused_on = ?, reason = ?, excuse_position = ? WHERE "
        "task = ? AND draw = ? AND object = ? AND item = ?",
        (s["excused_on"], s["reason"], position, task, int(number), obj, s["item"]),
    )
    b.touch("object", obj, position)
    b.touch("task", task, position)
    b.touch("department", s["department"], position)


@on(Inspection.ExcuseWithdrawn.TOPIC)
def inspection_excuse_withdrawn(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    """The excuse is withdrawn (R6.1): the obligation is due again, as if never excused
    (the excuse and its withdrawal stay in the log and on the trails)."""
    obj, _, reference, _ = inspection_of(b, stream)
    task, _, number = reference.rpartition("/")
    b.execute(
        "UPDATE obligations SET excused_on = NULL, reason = NULL, excuse_position = NULL "
        "WHERE task = ? AND draw = ? AND object = ? AND item = ?",
        (task, int(number), obj, s["item"]),
    )
    b.touch("object", obj, position)
    b.touch("task", task, position)
    b.touch("department", s["department"], position)
