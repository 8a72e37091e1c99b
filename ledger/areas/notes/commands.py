"""``note.append``: a signed free-text note (the office and departments)."""

from __future__ import annotations

from dataclasses import dataclass

from ledger import formats
from ledger.areas.notes.events import Note
from ledger.commanding import Command, Context, Outcome, Route
from ledger.fields import text
from ledger.ids import note_id
from ledger.roles import DEPARTMENT, OFFICE


@dataclass(frozen=True)
class AppendNote(Command):
    """Append a signed free-text note."""

    ACTION = "note.append"
    ROLES = frozenset({OFFICE, DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/notes")

    text: str = text(max_length=10_000)

    def handle(self, ctx: Context) -> Outcome:
        if formats.since(ctx.ledger, 2):
            # The id follows from the command, so a replay makes the same stream
            # (issue 11.1); format 1 drew a random one.
            note = Note._create(
                Note.Created,
                id=note_id(ctx.authorisation.digest),
                text=self.text,
                author=ctx.actor_id,
            )
        else:
            note = Note(text=self.text, author=ctx.actor_id)
        return Outcome([note], {"note": str(note.id)})


COMMANDS = (AppendNote,)
