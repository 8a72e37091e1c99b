"""Settings for a fresh ledger on each backend.

SQLite is a file under the test's temporary directory. PostgreSQL is the real server at
``SHUANGSUI_TEST_PG`` (default 127.0.0.1:5432, database ``test``), in a schema of its own
that is dropped afterwards. When the server is unreachable a PostgreSQL test is skipped
locally and FAILS in CI (``CI=true``), so CI can never pass without having run it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from ledger.config import Settings

PG_BASE = os.environ.get("SHUANGSUI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    try:
        with psycopg.connect(PG_BASE, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


_PG_PROBLEM: list[str | None] = []


def require_postgres() -> None:
    """Skip (locally) or fail (``CI=true``) unless the PostgreSQL server answers."""
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_pg_available())
    problem = _PG_PROBLEM[0]
    if problem is not None:
        message = f"PostgreSQL at {PG_BASE} is unreachable: {problem}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI requires it)")
        pytest.skip(message)


def drop_schema(schema: str) -> None:
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@contextmanager
def postgres_settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings on a schema of its own, dropped on exit."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield Settings(home=tmp_path / "home", database_url=f"{PG_BASE}?schema={schema}")
    drop_schema(schema)
