"""Process entry points for the concurrency and crash tests (importable by spawn)."""

from __future__ import annotations

import sys
from pathlib import Path

from ledger.authorisation import sign_command
from ledger.bootstrap import open_ledger
from ledger.config import Settings
from tests.vectors.testkeys import fixed_key


def settings_of(home: str, url: str | None) -> Settings:
    return Settings(home=Path(home), database_url=url)


def append_notes(home: str, url: str | None, count: int, tag: str, go: object) -> None:
    ledger = open_ledger(settings_of(home, url), signer=fixed_key("ledger"))
    department = fixed_key("department")
    go.wait(30)  # type: ignore[attr-defined]
    for i in range(count):
        ledger.execute(sign_command(department, "note.append", {"text": f"{tag}-{i}"}))
    ledger.close()


def start_up(home: str, url: str | None, go: object) -> None:
    go.wait(30)  # type: ignore[attr-defined]
    open_ledger(settings_of(home, url), signer=fixed_key("ledger"), must_exist=False).close()


def append_forever(home: str, url: str | None) -> None:
    """Append notes until killed, printing each position as it commits."""
    ledger = open_ledger(settings_of(home, url), signer=fixed_key("ledger"))
    department = fixed_key("department")
    i = 0
    while True:
        recorded = ledger.execute(sign_command(department, "note.append", {"text": f"n{i}" * 50}))
        print(recorded.last_position, flush=True)
        i += 1


if __name__ == "__main__":
    append_forever(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None)
