"""Free-text notes: a signed remark in the log (a minute of a meeting, a correction)."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event


class Note(Aggregate):
    TOPIC = "shuangsui.note"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.note.appended"
        text: str
        author: str

    @event(Created)
    def __init__(self, text: str, author: str) -> None:
        self.text = text
        self.author = author
