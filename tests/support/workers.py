"""Process entry points for the concurrency and crash tests (importable by spawn).

Each process opens the ledger itself, as a second server would; ``python -m
tests.support.workers HOME [URL]`` appends notes until killed, printing each committed
position.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ledger.bootstrap import open_ledger
from ledger.config import Settings
from tests.support.world import open_world
from tests.vectors.testkeys import fixed_key


def settings_of(home: str, url: str | None) -> Settings:
    return Settings(home=Path(home), database_url=url)


def run_processes(
    target: Callable[..., None], settings: Settings, extra_args: Sequence[tuple[Any, ...]]
) -> None:
    """Start one spawned process per ``extra_args`` on the ledger of ``settings``, release
    them together, and require each to exit cleanly."""
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    procs = [
        ctx.Process(target=target, args=(str(settings.home), settings.database_url, *args, go))
        for args in extra_args
    ]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * len(procs)


def append_notes(home: str, url: str | None, count: int, tag: str, go: object) -> None:
    world = open_world(settings_of(home, url))
    go.wait(30)  # type: ignore[attr-defined]
    for i in range(count):
        world.run("department", "note.append", text=f"{tag}-{i}")
    world.ledger.close()


def start_up(home: str, url: str | None, go: object) -> None:
    go.wait(30)  # type: ignore[attr-defined]
    open_ledger(settings_of(home, url), signer=fixed_key("ledger"), must_exist=False).close()


def append_forever(home: str, url: str | None) -> None:
    """Append notes until killed, printing each position as it commits."""
    world = open_world(settings_of(home, url))
    i = 0
    while True:
        recorded = world.run("department", "note.append", text=f"n{i}" * 50)
        print(recorded.last_position, flush=True)
        i += 1


if __name__ == "__main__":
    append_forever(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None)
