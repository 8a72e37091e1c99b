"""The projections, brought up to date, for any command that reads them.

A reading command opens the ledger (read-only unless it signs a fresh checkpoint),
applies what the log holds beyond the projections (a progress bar on stderr when that
is a lot), reads through ``projections.read``, and closes both.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import click

from ledger.config import Settings
from projections import projection_path
from projections.runner import rebuild, update
from projections.store import Store


class Runtime(Protocol):
    """What this needs of ``tools.cli.Runtime`` (a Protocol: no import of the CLI group)."""

    @property
    def settings(self) -> Settings: ...

    def open(self, *, write: bool = True) -> Any: ...


def catch_up(ledger: Any, store: Store, *, full: bool = False) -> int:
    """Apply what is new (or everything), with a progress bar on stderr when it is a lot."""
    behind = ledger.head().position - (0 if full else store.position())
    run = rebuild if full else update
    if behind < 20_000:
        return run(ledger, store)
    with click.progressbar(
        length=behind,
        label="updating projections",
        show_pos=True,
        file=sys.stderr,
    ) as bar:
        return run(ledger, store, progress=bar.update)


@contextmanager
def projected(
    runtime: Runtime, *, sync: bool = True, write: bool = False
) -> Iterator[tuple[Any, Store]]:
    """The ledger (read-only unless ``write``: a bundle's fresh checkpoint is signed) and
    the projections, brought up to date unless ``sync`` is false."""
    ledger = runtime.open(write=write)
    store = Store(projection_path(runtime.settings.home))
    try:
        if sync:
            catch_up(ledger, store)
        yield ledger, store
    finally:
        store.close()
        ledger.close()
