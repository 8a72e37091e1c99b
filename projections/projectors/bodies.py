"""The register of qualified bodies and the delegating departments' records (R8.1, R8.2)."""

from __future__ import annotations

from typing import Any

from ledger.areas.bodies.events import QualifiedBody
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


@on(QualifiedBody.Created.TOPIC)
def body_registered(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "body", s["body"])
    b.execute(
        "INSERT OR REPLACE INTO bodies VALUES (?,?,?,?,?,?,?,?,?)",
        (
            s["body"],
            s["name"],
            s["qualification"],
            dumps(list(s["services"])),
            s["scope"],
            s["valid_from"],
            s["valid_until"],
            s["registered_by"],
            position,
        ),
    )


@on(QualifiedBody.Overseen.TOPIC)
def body_overseen(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    body, _ = b.ident(stream)
    b.execute(
        "INSERT OR REPLACE INTO body_records VALUES (?,?,?,?,?,?,?,?)",
        (
            position,
            body,
            s["department"],
            s["kind"],
            s["held_on"],
            s["finding"],
            s["rating"],
            dumps(s["delegation"]) if s.get("delegation") else None,
        ),
    )
    b.touch("department", s["department"], position)
