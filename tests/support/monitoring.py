"""A monitor's sources in tests (issue 11 part 3): a log read in-process, as a monitor
reads a running service (honestly, or with no consistency path and entries refused,
altered or cut short), a re-verifying monitor of a world's log, two logs forked under
one key, and a log rewritten below a checkpoint the monitor accepted."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ledger.audit.report import ChainRow
from ledger.transparency.log import Transparency
from ledger.transparency.monitor import Monitor
from tests.support.backends import sqlite_settings
from tests.support.rawdb import RawDB
from tests.support.world import World, open_world, start_world
from tests.vectors.testkeys import fixed_key


class LedgerSource:
    """A log read in-process, as a monitor reads a service."""

    def __init__(self, name: str, transparency: Transparency) -> None:
        self.name = name
        self.t = transparency

    def checkpoint(self) -> str:
        return self.t.latest()

    def consistency(self, old: int, new: int) -> Sequence[bytes]:
        return self.t.consistency_proof(old, new)

    def entries(self, after: int, limit: int) -> Sequence[ChainRow]:
        return self.t.ledger.select_chain(after, limit)


class ProoflessSource(LedgerSource):
    """A service whose consistency answer gives no root (an empty path)."""

    def consistency(self, old: int, new: int) -> Sequence[bytes]:
        return []


class UnansweringSource(LedgerSource):
    """A service whose consistency answer holds no proof at all (``api.client`` raises
    ValueError for it)."""

    def consistency(self, old: int, new: int) -> Sequence[bytes]:
        raise ValueError("the service's consistency answer holds no proof")


class SealedSource(ProoflessSource):
    """A service that gives no consistency path and refuses the entries (a monitor
    without an oversight key): nothing can be proved offline."""

    def entries(self, after: int, limit: int) -> Sequence[ChainRow]:
        raise ValueError("403 Forbidden: an oversight role is needed")


class AlteredEntriesSource(ProoflessSource):
    """A service that gives no consistency path and serves the log's entries with the
    last one's hash changed: they give another root than the signed one."""

    def entries(self, after: int, limit: int) -> Sequence[ChainRow]:
        size = self.t.size()
        return [
            replace(row, entry_hash=bytes(32)) if row.position == size else row
            for row in super().entries(after, limit)
        ]


class ShortSource(ProoflessSource):
    """A service that gives no consistency path and serves no more than ``upto``
    entries."""

    upto = 3

    def entries(self, after: int, limit: int) -> Sequence[ChainRow]:
        return super().entries(after, max(0, min(limit, self.upto - after)))


def watcher(world: World, folder: Path, key: bool = True) -> Monitor:
    """A monitor that re-verifies what each checkpoint adds (issue 11 part 3)."""
    made = Monitor(
        folder,
        fixed_key("monitor") if key else None,
        routes=world.ledger.routes,
        registry=world.ledger.registry,
        workers=1,
    )
    made.init(world.ledger.transparency.log_verifier().vkey)
    return made


def forked_worlds(tmp_path: Path) -> tuple[World, World]:
    """Two copies of one log under one key, each then given another note: a fork."""
    settings = sqlite_settings(tmp_path / "a")
    world = start_world(settings)
    world.ledger.close()
    shutil.copytree(settings.home, tmp_path / "b")
    a, b = open_world(settings), open_world(settings.with_home(tmp_path / "b"))
    a.note("S1 录入：违法 / violation")
    b.note("S1 录入：未发现问题 / no problem")
    a.ledger.transparency.checkpoint()
    b.ledger.transparency.checkpoint()
    return a, b


def rewritten_below(
    world: World,
    tmp_path: Path,
    notes: int,
    key: bool = True,
    *,
    reverify: bool = True,
    source: LedgerSource | None = None,
) -> Path:
    """The monitor (re-verifying unless ``reverify`` is False, signing with ``key``)
    accepts a checkpoint after ``notes`` notes; the operator rewrites the first note
    (entry 5) below it, reseals, and signs a larger checkpoint: the inconsistency proof
    the monitor writes, reading the log from ``source`` (default: as it is)."""
    if reverify:
        monitor = watcher(world, tmp_path / "m", key=key)
    else:
        monitor = Monitor(tmp_path / "m", fixed_key("monitor") if key else None)
        monitor.init(world.ledger.transparency.log_verifier().vkey)
    honest = LedgerSource("local", world.ledger.transparency)
    for n in range(notes):
        world.note(f"第{n}条")
    world.ledger.transparency.checkpoint()
    assert monitor.poll(honest)
    raw = RawDB(world.ledger)
    raw.drop_guards()
    raw.rewrite_event(5, "第0条".encode(), "第9条".encode(), world.ledger_key)
    world.note("新")
    world.ledger.transparency.checkpoint()
    found = monitor.poll(source or honest)
    assert not found and found.problems
    (proof,) = found.forks
    return proof
