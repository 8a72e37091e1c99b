"""Results (R9.1, R9.2): entered, published or withheld, followed up; the public feed.

The ``result.*`` commands write events on the inspection's stream (its aggregate is
``Inspection``); their rows are the ``results`` and ``publications`` tables and the
publication (20 working days) and follow-up deadlines.
"""

from __future__ import annotations

from typing import Any

from ledger.areas.inspections.events import Inspection
from projections.batch import Batch, Handlers
from projections.projectors.inspections import inspection_of

HANDLERS = Handlers()
on = HANDLERS.on


def _credit(
    b: Batch, position: int, obj: str, kind: str, day: str, item: str, basis: str, reference: str
) -> None:
    """An entry of the object's credit record (R5.4), as the draw reads it
    (``ledger.draw.world.CreditRecord``)."""
    b.execute(
        "INSERT OR REPLACE INTO credit_record VALUES (?,?,?,?,?,?,?,?)",
        (obj, kind, day, item.split(":", 1)[0], item, basis, reference, position),
    )


@on(Inspection.ResultEntered.TOPIC)
def inspection_result(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    obj, kind, reference, _ = inspection_of(b, stream)
    b.recent[(obj, kind, reference, s["item"])] = (s["result"], s["formed_on"])
    b.execute(
        "INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,NULL,NULL,NULL,NULL,?,NULL,NULL)",
        (
            obj,
            kind,
            reference,
            s["item"],
            s["department"],
            s["result"],
            s["details"],
            s["formed_on"],
            s["entered_by"],
            position,
        ),
    )
    b.deadline(
        "publish",
        f"{obj}|{s['item']}|{kind}:{reference}",
        s["department"],
        position,
        base=s["formed_on"],
        working_days=20,
    )
    if s["result"] == "violation":
        _credit(b, position, obj, "violation", s["formed_on"], s["item"], f"{kind}:{reference}", "")
        b.deadline(
            "follow_up",
            f"{obj}|{s['item']}|{kind}:{reference}",
            s["department"],
            position,
            base=s["formed_on"],
            working_days=0,
        )
    b.touch("object", obj, position)
    b.touch("person", s["entered_by"], position)
    b.touch("department", s["department"], position)
    if kind == "draw":
        b.touch("task", reference.rsplit("/", 1)[0], position)


@on(Inspection.Published.TOPIC, Inspection.Withheld.TOPIC)
def inspection_decided(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    obj, kind, reference, _ = inspection_of(b, stream)
    subject = f"{obj}|{s['item']}|{kind}:{reference}"
    keys = (obj, kind, reference, s["item"])
    if "published_on" in s:
        b.execute(
            "UPDATE results SET published_on = ?, decided_position = ? WHERE object = ? "
            "AND basis = ? AND reference = ? AND item = ?",
            (s["published_on"], position, *keys),
        )
        result = b.recent.get(keys) or b.one(
            "SELECT result, formed_on FROM results WHERE object = ? AND basis = ? "
            "AND reference = ? AND item = ?",
            keys,
        )
        name = b.one("SELECT name FROM objects WHERE id = ?", (obj,))
        b.execute(
            "INSERT OR REPLACE INTO publications VALUES (?,?,?,?,?,?,?,?)",
            (
                position,
                obj,
                name[0] if name else None,
                s["department"],
                s["item"],
                result[0],
                result[1],
                s["published_on"],
            ),
        )
        b.done("publish", subject, s["published_on"], position)
    else:
        b.execute(
            "UPDATE results SET withheld_on = ?, legal_basis = ?, decided_position = ? "
            "WHERE object = ? AND basis = ? AND reference = ? AND item = ?",
            (s["decided_on"], s["legal_basis"], position, *keys),
        )
        b.done("publish", subject, s["decided_on"], position)
    b.touch("object", obj, position)
    b.touch("department", s["department"], position)


@on(Inspection.FollowedUp.TOPIC)
def inspection_followed(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    obj, kind, reference, _ = inspection_of(b, stream)
    b.execute(
        "UPDATE results SET followed_up = ?, followed_position = ? WHERE object = ? "
        "AND basis = ? AND reference = ? AND item = ?",
        (f"{s['kind']}:{s['reference']}", position, obj, kind, reference, s["item"]),
    )
    b.done("follow_up", f"{obj}|{s['item']}|{kind}:{reference}", s["on"], position)
    _credit(b, position, obj, s["kind"], s["on"], s["item"], f"{kind}:{reference}", s["reference"])
    b.touch("object", obj, position)
