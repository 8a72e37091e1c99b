"""A monitor's sources in tests (issue 11 part 3): a log read in-process, as a monitor
reads a running service, a re-verifying monitor of a world's log, and two logs forked
under one key."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from ledger.audit.report import ChainRow
from ledger.transparency.log import Transparency
from ledger.transparency.monitor import Monitor
from tests.support.backends import sqlite_settings
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
