"""Replay verification (issue 11.1): re-run every signed command over the state before
it and compare what it produces with what the log holds, byte for byte.

:func:`~ledger.replay.verifier.replay` does it over chain rows (from the database
through :mod:`ledger.transparency.database`, or from a full export bundle);
:class:`~ledger.replay.state.LogState` is the in-memory state the handlers read.
It imports the areas (their commands and events) and the auditor's definitions
(:mod:`ledger.audit`), never the storage.
"""

from collections.abc import Callable, Iterable

from ledger.audit.bundles import bundle_rows
from ledger.audit.evidence import RouteTable
from ledger.commanding import Registry
from ledger.replay.verifier import Replayer, ReplayReport, event_mapper, replay


def replay_bundle(
    lines: Iterable[str],
    registry: Registry,
    routes: RouteTable,
    *,
    progress: Callable[[int], None] | None = None,
) -> ReplayReport | None:
    """Replay a full export bundle that :func:`ledger.audit.bundles.verify_bundle` has
    accepted; ``None`` for a slice (it does not hold the state its commands read)."""
    kind, rows = bundle_rows(lines)
    if kind != "full":
        return None
    return replay(rows, registry, routes, progress=progress)


__all__ = ["ReplayReport", "Replayer", "event_mapper", "replay", "replay_bundle"]
