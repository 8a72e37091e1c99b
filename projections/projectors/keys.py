"""Keys (R10.1): who holds each key, its roles and status; the batch's holder map."""

from __future__ import annotations

from typing import Any

from ledger.areas.keys.events import Key
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


@on(Key.Created.TOPIC)
def key_registered(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.execute(
        "INSERT OR REPLACE INTO keys VALUES (?,?,?,?,?,?)",
        (
            s["key_id"],
            s["holder"],
            dumps(s["roles"]),
            s.get("organisation"),
            s.get("person"),
            "active",
        ),
    )
    b.holders[s["key_id"]] = (s.get("person"), s.get("organisation"))
    b.touch("person", s.get("person"), position)
    b.touch("department", s.get("organisation"), position)


@on(Key.Rotated.TOPIC, Key.Revoked.TOPIC)
def key_retired(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    status = "rotated" if "successor" in s else "revoked"
    b.execute("UPDATE keys SET status = ? WHERE key_id = ?", (status, s["key_id"]))
