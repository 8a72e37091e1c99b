"""Fixtures shared by every layer, built from :mod:`tests.support`.

``settings`` (and so ``world``) runs a test once on SQLite (a file in tmp_path) and once
on the real PostgreSQL server, in a schema of its own that is dropped afterwards. When
the server is unreachable the PostgreSQL half is skipped locally and FAILS in CI
(``CI=true``), so CI can never pass without having run it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.config import Settings
from tests.support.backends import postgres_settings, sqlite_settings
from tests.support.world import World, start_world


@pytest.fixture(autouse=True)
def no_language_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's language is ``--lang``, else ``SHUANGSUI_LANG``, else Chinese (issue 12
    §7): every test starts with no ``SHUANGSUI_LANG``, whatever the shell running the
    suite has; a test that needs one sets it."""
    monkeypatch.delenv("SHUANGSUI_LANG", raising=False)


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    with postgres_settings(tmp_path) as settings:
        yield settings


@pytest.fixture(name="sqlite_settings")
def sqlite_settings_fixture(tmp_path: Path) -> Settings:
    return sqlite_settings(tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield sqlite_settings(tmp_path)
    else:
        yield request.getfixturevalue("pg_settings")


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    w = start_world(settings)
    yield w
    w.ledger.close()


@pytest.fixture
def sqlite_world(sqlite_settings: Settings) -> Iterator[World]:
    w = start_world(sqlite_settings)
    yield w
    w.ledger.close()
