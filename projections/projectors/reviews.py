"""Settled duty reviews (R10.4): a discipline inspector's signed verdicts."""

from __future__ import annotations

from typing import Any

from ledger.areas.reviews.events import Review
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


@on(Review.Created.TOPIC)
def review_opened(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "review", s["subject"]["kind"], s["subject"]["id"])


@on(Review.Settled.TOPIC)
def review_settled(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    kind, subject = b.ident(stream)
    b.execute(
        "INSERT OR REPLACE INTO reviews VALUES (?,?,?,?,?,?,?)",
        (kind, subject, s["party"], s["verdict"], s["reasoning"], dumps(s["evidence"]), position),
    )
    b.touch(kind, subject, position)
