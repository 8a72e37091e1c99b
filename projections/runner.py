"""Keeping the projections current: ``update`` applies what is new, ``rebuild`` replays all.

The log is polled in batches (the library's ``ProjectionRunner`` needs ``subscribe()``,
which SQLite's recorder lacks); each batch is one transaction that also records the
position reached, so an interrupted run resumes exactly after the last batch it wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ledger.decoding import paused_gc
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
    """Drop every read model and replay the whole log.

    The secondary indexes are built once the tables are filled (one sort each, rather
    than a B-tree insert per row), and also if the replay fails: a store is always
    opened with them (:meth:`Store.ensure`). Batches are larger than an update's, with
    a larger page cache: the trail's and the results' keys land all over their
    B-trees, and each commit writes every page its batch touched, so fewer, larger
    batches write each page fewer times."""
    store.drop(indexes=False)
    (pages,) = store.db.execute("PRAGMA cache_size").fetchone()
    store.db.execute(f"PRAGMA cache_size = -{REBUILD_CACHE_KIB}")
    try:
        # The rows a batch holds make no reference cycles: the cyclic collector would only
        # rescan them, again and again (reference counting still frees everything).
        with paused_gc():
            return update(ledger, store, batch=batch, progress=progress)
    finally:
        store.db.execute(f"PRAGMA cache_size = {int(pages)}")
        store.ensure()
