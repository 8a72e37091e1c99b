"""Issue 11, part 4: ``shuangsui verify`` opens the database it audits read-only.

SQLite through a ``mode=ro`` URI, PostgreSQL with read-only transactions; the audit
never creates a table, index or trigger in the database (an index dropped by the
operator stays dropped, so verify cannot "repair" the evidence it is looking at).
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.bootstrap import open_ledger
from ledger.config import Settings
from ledger.storage.writer import CHAIN_TABLE
from tests.support.cli import run
from tests.support.rawdb import RawDB
from tests.support.world import World


def _schema_objects(world: World) -> set[tuple[Any, ...]]:
    raw = RawDB(world.ledger)
    if raw.sqlite:
        return set(raw.execute("SELECT type, name FROM sqlite_master"))
    schema = world.ledger.chain.datastore.schema
    return set(
        raw.execute(
            "SELECT c.relkind::text, c.relname FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = ? UNION ALL "
            "SELECT 't', t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ?",
            (schema, schema),
        )
    )


def _drop_nonce_index(world: World) -> None:
    raw = RawDB(world.ledger)
    if raw.sqlite:
        raw.execute(f"DROP INDEX {CHAIN_TABLE}_nonce")
    else:
        schema = world.ledger.chain.datastore.schema
        raw.execute(f'DROP INDEX "{schema}"."{CHAIN_TABLE}_nonce"')


def test_verify_creates_nothing_in_the_audited_database(world: World) -> None:
    """R: issue 11 part 4 -- verify never creates tables or indexes where it audits."""
    world.note("before the audit")
    _drop_nonce_index(world)
    before = _schema_objects(world)
    result = run(world.settings, "verify", "--allow-unwitnessed")
    assert result.exit_code == 0, result.output
    assert _schema_objects(world) == before


def test_a_ledger_opened_read_only_refuses_every_write(world: World) -> None:
    """The connection itself is read-only: DDL and DML are refused by the database."""
    ledger = open_ledger(world.settings, read_only=True)
    try:
        assert ledger.head().position == world.ledger.head().position
        for statement in ("CREATE TABLE intruder (a INTEGER)", "DELETE FROM {tree}"):
            with pytest.raises(Exception, match=r"(?i)read.?only"):
                ledger.chain.execute(statement)
    finally:
        ledger.close()
    assert world.note("still writable by the service").first_position > 0


def test_read_only_open_of_a_missing_sqlite_ledger_creates_no_file(
    sqlite_settings: Settings,
) -> None:
    with pytest.raises(Exception, match="no ledger"):
        open_ledger(sqlite_settings, read_only=True)
    assert not sqlite_settings.home.exists()
    result = run(sqlite_settings, "verify")
    assert result.exit_code == 2
    assert not sqlite_settings.home.exists()


def test_read_only_must_exist() -> None:
    with pytest.raises(ValueError):
        open_ledger(Settings(), read_only=True, must_exist=False)
