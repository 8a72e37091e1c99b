"""A monitor's sources in tests (issue 11 part 3): a log read in-process, as a monitor
reads a running service, and a re-verifying monitor of a world's log."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ledger.audit.report import ChainRow
from ledger.transparency.log import Transparency
from ledger.transparency.monitor import Monitor
from tests.support.world import World
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
