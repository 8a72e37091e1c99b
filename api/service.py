"""What the app holds: the ledger, its settings, and the projections, kept current.

One :class:`Service` per process. Writes go through ``Ledger.execute`` (the chain's
own transaction keeps one chain across processes); reads of current state come from
the projections, which are brought up to date before each read, so a client reads
its own writes. A request borrows a projection connection from a small pool
(:meth:`Service.acquire`) and the app's teardown gives it back
(:meth:`Service.release`): a connection serves one request at a time, and none is
left behind by a thread that has gone.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from api.nonces import READ_NONCES_FILE, ReadNonces
from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.config import Settings
from ledger.errors import ConfigurationError
from ledger.i18n import _
from ledger.keys import read_key_file
from ledger.transparency.witness import Witness
from projections import projection_path
from projections.runner import update
from projections.store import Store


class Service:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.settings = Settings.from_mapping(config)
        key_path = self.settings.ledger_key_path
        if not key_path.exists():
            raise ConfigurationError(
                _(
                    "no ledger at {home}: run 'shuangsui init' (or 'shuangsui demo')",
                    home=self.settings.home,
                )
            )
        signer = read_key_file(key_path, config.get("SHUANGSUI_PASSPHRASE") or None)
        self.ledger: Ledger = open_ledger(self.settings, signer=signer, must_exist=True)
        self.projection_file: Path = Path(
            config.get("SHUANGSUI_PROJECTIONS") or projection_path(self.settings.home)
        )
        self.pool: queue.LifoQueue[Store] = queue.LifoQueue()
        self.sync_lock = threading.Lock()
        #: Signed reads' nonces, kept on disk so a restart does not reopen the window.
        self.read_nonces = ReadNonces(
            Path(config.get("SHUANGSUI_READ_NONCES") or self.settings.home / READ_NONCES_FILE),
            self.settings.command_window,
        )
        self.witness: Witness | None = None
        if config.get("SHUANGSUI_WITNESS_STATE"):
            self.witness = Witness(
                Path(config["SHUANGSUI_WITNESS_STATE"]),
                read_key_file(
                    config["SHUANGSUI_WITNESS_KEY"],
                    config.get("SHUANGSUI_WITNESS_PASSPHRASE") or None,
                ),
            )

    def acquire(self) -> Store:
        """A projection connection for one request (or one background update)."""
        try:
            return self.pool.get_nowait()
        except queue.Empty:
            return Store(self.projection_file)

    def release(self, store: Store) -> None:
        self.pool.put(store)

    def catch_up(self, store: Store) -> Store:
        """Bring the projections up to date with the log (one updater at a time)."""
        with self.sync_lock:
            update(self.ledger, store)
        return store

    def projections(self) -> None:
        """Bring the projections up to date with the log (the serving loop's tick)."""
        store = self.acquire()
        try:
            self.catch_up(store)
        finally:
            self.release(store)

    def close(self) -> None:
        while True:
            try:
                self.pool.get_nowait().close()
            except queue.Empty:
                break
        self.read_nonces.close()
        self.ledger.close()
