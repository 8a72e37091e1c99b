"""The chained recorder's contract on PostgreSQL, in a schema of its own per test.

Marked ``postgres``: when the server is unreachable these tests are skipped locally and
FAIL in CI (``CI=true``), like every other PostgreSQL test.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from ledger.config import Settings
from tests.support.backends import postgres_settings
from tests.support.contract import ChainedRecorderContract


@pytest.mark.postgres
class TestChainedPostgreSQLRecorder(ChainedRecorderContract):
    def backend(self, tmp_path: Path) -> AbstractContextManager[Settings]:
        return postgres_settings(tmp_path)
