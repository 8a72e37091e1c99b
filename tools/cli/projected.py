"""Reading through the projections: every reading command first brings the read models
up to date with the log (a progress bar shows when that takes a while), then answers
from them. Also the options those commands share: ``--today``, ``--json`` and the
subject (``--object``, ``--task``, ``--person``, ``--department``).

Invariant: a read never sees projections behind the log's head as of its start.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from ledger.errors import ValidationError
from ledger.i18n import _
from projections import projection_path
from projections.runner import rebuild, update
from projections.store import Store
from tools.cli.runtime import Runtime, say

JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
TODAY = click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="Judge deadlines as of this day (default: today in China).",
)


def sync_projections(ledger: Any, store: Store, *, full: bool = False) -> int:
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


def say_position(position: int) -> None:
    """Name the log position the listing reflects, on stderr (stdout keeps the rows)."""
    say(_("projections at log position {position}", position=position), err=True)


@contextmanager
def projected(
    runtime: Runtime, *, sync: bool = True, write: bool = False
) -> Iterator[tuple[Any, Store]]:
    """The ledger (read-only unless ``write``: a bundle's fresh checkpoint is signed) and
    the projections, brought up to date."""
    ledger = runtime.open(write=write)
    store = Store(projection_path(runtime.settings.home))
    try:
        if sync:
            sync_projections(ledger, store)
            say_position(store.position())
        yield ledger, store
    finally:
        store.close()
        ledger.close()


def display_names(runtime: Runtime) -> Any:
    """The departments' and items' names (:func:`projections.read.public.names`) for a
    command that reads the ledger itself, to show them beside its codes."""
    from projections.read import public

    ledger = runtime.open(write=False)
    store = Store(projection_path(runtime.settings.home))
    try:
        sync_projections(ledger, store)
        return public.names(store.db)
    finally:
        store.close()
        ledger.close()


def read_projected(runtime: Runtime, fn: Any) -> Any:
    """``fn(db)`` on the projections, brought up to date first."""
    with projected(runtime) as (__, store):
        return fn(store.db)


def subject_options(fn: Any) -> Any:
    for kind, help_text in reversed(
        (
            ("object", "An object's credit code."),
            ("task", "A joint task's code."),
            ("person", "An inspector's person id."),
            ("department", "A department's code."),
        )
    ):
        fn = click.option(f"--{kind}", kind, help=help_text)(fn)
    return fn


def read_subject(**given: str | None) -> tuple[str, str]:
    """The one subject named by :func:`subject_options`: (kind, id)."""
    named = [(k, v) for k, v in given.items() if v]
    if len(named) != 1:
        raise ValidationError(
            _("name exactly one of --object, --task, --person, --department"),
            {"subject": [_("exactly one")]},
        )
    return named[0][0], str(named[0][1])
