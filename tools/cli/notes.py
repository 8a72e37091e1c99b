"""append-note: a signed free-text note (``ledger/areas/notes``)."""

from __future__ import annotations

import click

from ledger.i18n import _
from tools.cli.runtime import KEY, Runtime, pass_runtime, say


@click.command("append-note")
@KEY
@click.argument("text")
@pass_runtime
def append_note(runtime: Runtime, key_file: str, text: str) -> None:
    """Append a signed free-text note.

    \b
    Example:
      shuangsui append-note --key var/keys/office.key "会议纪要：2026年第4季度联席会议"
    """
    from ledger.authorisation import sign_command

    key = runtime.signing_key(key_file)
    ledger = runtime.open()
    try:
        recorded = ledger.execute(sign_command(key, "note.append", {"text": text}))
        runtime.keep_receipt(recorded.receipt)
    finally:
        ledger.close()
    say(_("note recorded at position {position}", position=recorded.last_position))
