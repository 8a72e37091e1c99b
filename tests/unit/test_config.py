"""Database URLs and settings (no environment read on import)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.config import PostgresTarget, Settings, parse_database_url
from ledger.errors import ConfigurationError


def test_postgres_url() -> None:
    target = parse_database_url("postgresql://root@db.example:6543/ledger?schema=anyue")
    assert target == PostgresTarget("db.example", 6543, "root", "", "ledger", "anyue")


def test_postgres_defaults_and_password() -> None:
    target = parse_database_url("postgres://u:p%40ss@h/d")
    assert isinstance(target, PostgresTarget)
    assert (target.port, target.password) == (5432, "p@ss")


def test_sqlite_url() -> None:
    assert parse_database_url("sqlite:///tmp/x.db") == Path("/tmp/x.db")


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root@localhost/test",
        "postgresql://localhost",
        "postgresql:///test",
        "postgresql://h/d?sslmode=require",
        "postgresql://h:notaport/d",
        "ledger.sqlite3",
    ],
)
def test_bad_urls_are_clear_errors(url: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_database_url(url)


def test_settings_from_mapping() -> None:
    settings = Settings.from_mapping({"SHUANGSUI_HOME": "/srv/ledger"})
    assert settings.home == Path("/srv/ledger")
    assert settings.target == Path("/srv/ledger/ledger.sqlite3")
    assert not settings.is_postgres
    explicit = Settings.from_mapping(
        {"SHUANGSUI_HOME": "/x"}, home="/y", database_url="postgresql://h/d"
    )
    assert explicit.home == Path("/y") and explicit.is_postgres


def test_settings_default_home() -> None:
    assert Settings.from_mapping({}).home == Path("./var")


def test_library_settings_never_enable_db_functions() -> None:
    env = Settings(database_url="postgresql://h/d").eventsourcing_env()
    assert env["POSTGRES_ENABLE_DB_FUNCTIONS"] == "n"
    assert env["APPLICATION_RECORDER_TOPIC"] == "ledger.storage.recorders:ChainedPostgresRecorder"
