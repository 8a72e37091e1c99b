"""``note.append``: a signed free-text note (any valid key)."""

from __future__ import annotations

from ledger.areas.notes.events import Note
from ledger.commanding import Context, Outcome, command


@command("note.append", "Append a signed free-text note.")
def append_note(ctx: Context) -> Outcome:
    text = ctx.params.text("text", max_length=10_000)
    ctx.params.done()
    note = Note(text=text, author=ctx.actor_id)
    return Outcome([note], {"note": str(note.id)})
