"""Signed reads' nonces: each (key, nonce) is accepted once within the window.

A write's nonce is refused the second time by the ledger itself (the chain holds every
command's nonce). A signed read writes nothing to the log, so without this store a read
captured on the wire could be replayed for as long as its ``created`` time stays within
the window (issue 11, part 7). The nonces are kept in a small SQLite file beside the
ledger (``HOME/read-nonces.sqlite3``), not in memory, so a restart of the service does
not open the window again, and several service processes share it.

Invariants: a (key, nonce) pair is claimed at most once (the primary key decides, so two
processes racing for one pair cannot both win); a pair is forgotten only once its
``created`` time is older than twice the window, when the freshness check refuses the
request anyway.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from ledger.errors import ReplayError, StorageError
from ledger.i18n import _

READ_NONCES_FILE = "read-nonces.sqlite3"


class ReadNonces:
    """The nonces of signed reads seen within the window, persisted."""

    def __init__(self, path: Path, window: int) -> None:
        self.path = path
        self.window = window
        self._lock = threading.Lock()
        self._claims = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                path, isolation_level=None, timeout=30, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS read_nonces (key_id TEXT NOT NULL, "
                "nonce TEXT NOT NULL, created INTEGER NOT NULL, PRIMARY KEY (key_id, nonce))"
            )
            self._conn.execute(
                "CREATE INDEX IF NOT EXISTS read_nonces_created ON read_nonces (created)"
            )
        except sqlite3.Error as exc:
            raise StorageError(
                _("cannot open the read nonce store {path}: {exc}", path=path, exc=exc)
            ) from exc

    def claim(self, key_id: str, nonce: str, created: int, now: float | None = None) -> None:
        """Accept this read's nonce, or raise :class:`ReplayError` if it was seen."""
        with self._lock:
            try:
                self._conn.execute(
                    "INSERT INTO read_nonces VALUES (?, ?, ?)", (key_id, nonce, created)
                )
            except sqlite3.IntegrityError:
                raise ReplayError(
                    _(
                        "key {key_id} already used nonce {nonce} for a signed read: a replayed "
                        "request is refused",
                        key_id=key_id,
                        nonce=nonce,
                    )
                ) from None
            except sqlite3.Error as exc:
                raise StorageError(
                    _("read nonce store {path}: {exc}", path=self.path, exc=exc)
                ) from exc
            self._claims += 1
            if self._claims % 500 == 1:
                self.forget(now)

    def forget(self, now: float | None = None) -> int:
        """Drop the nonces whose requests the freshness check refuses anyway."""
        horizon = int(time.time() if now is None else now) - 2 * self.window
        cursor = self._conn.execute("DELETE FROM read_nonces WHERE created < ?", (horizon,))
        return cursor.rowcount

    def close(self) -> None:
        self._conn.close()
