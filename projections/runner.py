"""Keeping the projections current: ``update`` applies what is new, ``rebuild`` replays all.

The log is polled in batches (the library's ``ProjectionRunner`` needs ``subscribe()``,
which SQLite's recorder lacks); each batch is one transaction that also records the
position reached, so an interrupted run resumes exactly after the last batch it wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.audit.collector import paused_gc
from projections.batch import Batch, apply_rows
from projections.projectors import HANDLERS
from projections.store import Store

if TYPE_CHECKING:
    from ledger.application import Ledger

BATCH = 2000
#: A rebuild's batch and page cache (KiB): see :func:`rebuild`.
REBUILD_BATCH = 20_000
REBUILD_CACHE_KIB = 128 * 1024


def update(
    ledger: Ledger,
    store: Store,
    *,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
    up_to: int | None = None,
) -> int:
    """Apply every entry after the stored position (up to position ``up_to``, if given:
    ``projections verify`` replays to the position of the file it checks); return how
    many were applied."""
    applied = 0
    while True:
        after = store.position()
        limit = batch if up_to is None else min(batch, up_to - after)
        if limit <= 0:
            return applied
        rows = ledger.select_entries(after, limit)
        if not rows:
            return applied
        with store.transaction() as conn:
            if store.position() != after:
                continue  # another process applied this batch while we read it
            work = Batch(conn)
            apply_rows(work, rows, HANDLERS, ledger.routes)
            work.flush()
            conn.execute("INSERT OR REPLACE INTO state VALUES ('log', ?)", (rows[-1][0],))
        applied += len(rows)
        if progress:
            progress(len(rows))
        if len(rows) < limit:
            return applied


def rebuild(
    ledger: Ledger,
    store: Store,
    *,
    batch: int = REBUILD_BATCH,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Replay the whole log into a scratch file beside the store's, which then replaces
    it (:meth:`Store.replace`); return how many entries were applied.

    Until the new file is complete and synced, the old one is untouched: a rebuild that
    fails or is killed leaves the projections as they were (and a scratch file, removed
    by the next rebuild). So the scratch file is written without a journal or syncs
    (the old file is the fallback, not a rollback journal), its secondary indexes are
    built once its tables are filled (one sort each, rather than a B-tree insert per
    row), and batches are larger than an update's, with a larger page cache: the
    trail's and the results' keys land all over their B-trees, and each commit writes
    every page its batch touched, so fewer, larger batches write each page fewer
    times."""
    path = scratch_path(store.path)
    path.unlink(missing_ok=True)  # left by a rebuild that was killed
    fresh = Store(path, scratch=True)
    try:
        fresh.db.execute(f"PRAGMA cache_size = -{REBUILD_CACHE_KIB}")
        # The rows a batch holds make no reference cycles: the cyclic collector would only
        # rescan them, again and again (reference counting still frees everything).
        with paused_gc():
            applied = update(ledger, fresh, batch=batch, progress=progress)
        fresh.ensure()
    except BaseException:
        fresh.close()
        path.unlink(missing_ok=True)
        raise
    store.replace(fresh)
    return applied


def scratch_path(path: Path) -> Path:
    """Where a rebuild of the projection file ``path`` builds its replacement: beside
    it, so that the replacement is a rename within one file system."""
    return path.with_name(f"{path.name}.rebuild")
