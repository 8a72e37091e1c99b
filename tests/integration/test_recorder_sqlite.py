"""The chained recorder's contract on SQLite (a file under the test's temporary directory)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger.config import Settings
from tests.support.backends import sqlite_settings
from tests.support.contract import ChainedRecorderContract


class TestChainedSQLiteRecorder(ChainedRecorderContract):
    @contextmanager
    def backend(self, tmp_path: Path) -> Iterator[Settings]:
        yield sqlite_settings(tmp_path)
