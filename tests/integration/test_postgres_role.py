"""Issue 11, part 7: the service runs under a PostgreSQL role without DDL rights.

The owner creates the tables once (``shuangsui init --create-tables-only --grant-to
ROLE``); the service connects as ROLE with ``SHUANGSUI_CREATE_TABLES=n``, appends and
reads -- and that role can neither drop nor disable a trigger, truncate, delete or
update, nor create a table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from ledger.config import Settings
from tests.support.backends import PG_BASE, drop_schema, require_postgres
from tests.support.cli import run

pytestmark = pytest.mark.postgres


@pytest.fixture
def owner_and_role(tmp_path: Path) -> Iterator[tuple[Settings, Settings, str, str]]:
    """(owner settings, service-role settings, schema, role) on a fresh schema."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    role = f"svc_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'svc-test'")
    parts = urlsplit(PG_BASE)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{role}:svc-test@{host}:{parts.port or 5432}"
    role_url = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    owner = Settings(home=tmp_path / "owner", database_url=f"{PG_BASE}?schema={schema}")
    service = Settings(
        home=tmp_path / "service",
        database_url=f"{role_url}?schema={schema}",
        create_tables=False,
    )
    yield owner, service, schema, role_url
    drop_schema(schema)
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f'DROP OWNED BY "{role}"')
        conn.execute(f'DROP ROLE "{role}"')


def test_the_service_role_appends_but_cannot_drop_a_trigger_or_truncate(
    owner_and_role: tuple[Settings, Settings, str, str],
) -> None:
    owner, service, schema, role_url = owner_and_role
    role = urlsplit(role_url).username
    created = run(owner, "init", "--create-tables-only", "--grant-to", str(role))
    assert created.exit_code == 0, created.output
    assert "GRANT SELECT, INSERT" in created.output and "TRUNCATE" not in created.output
    # The service, as the role, with table creation off: genesis, a note, verify.
    env = {"SHUANGSUI_CREATE_TABLES": "n"}
    started = run(service, "init", "--origin", "role.example/ledger", env=env)
    assert started.exit_code == 0, started.output
    office = str(service.keys_dir / "office.key")
    assert run(service, "append-note", "--key", office, "以服务角色写入", env=env).exit_code == 0
    verified = run(service, "verify", env=env)
    assert verified.exit_code == 0, verified.output
    # A checkpoint grows the writer's stored state map, which the role may update.
    assert run(service, "append-note", "--key", office, "再写一条", env=env).exit_code == 0
    checkpointed = run(service, "checkpoint", env=env)
    assert checkpointed.exit_code == 0, checkpointed.output
    # What the role cannot do, each refused by PostgreSQL itself.
    attempts = [
        f'DROP TRIGGER "ledger_chain_no_change" ON "{schema}"."ledger_chain"',
        f'ALTER TABLE "{schema}"."ledger_chain" DISABLE TRIGGER ALL',
        f'TRUNCATE "{schema}"."ledger_chain"',
        f'TRUNCATE "{schema}"."shuangsui_events"',
        f'DELETE FROM "{schema}"."ledger_chain"',
        f'DELETE FROM "{schema}"."shuangsui_events"',
        f'CREATE TABLE "{schema}".intruder (a int)',
        f'DROP TABLE "{schema}"."ledger_checkpoints"',
    ]
    with psycopg.connect(role_url, autocommit=True) as conn:
        for statement in attempts:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        size = conn.execute(f'SELECT count(*) FROM "{schema}"."ledger_chain"').fetchone()
        stored = conn.execute(f'SELECT size FROM "{schema}"."ledger_state_size"').fetchone()
    assert size is not None and size[0] == 5
    assert stored is not None and stored[0] == 5


def test_create_tables_only_refuses_grants_on_sqlite(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    result = run(settings, "init", "--create-tables-only", "--grant-to", "svc")
    assert result.exit_code == 2 and "PostgreSQL" in result.output


def test_a_service_that_may_not_create_tables_says_so_on_an_empty_database(
    owner_and_role: tuple[Settings, Settings, str, str],
) -> None:
    """Without the owner's step, the role's service fails with a message, writes nothing."""
    _, service, _, _ = owner_and_role
    result = run(service, "init", env={"SHUANGSUI_CREATE_TABLES": "n"})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_the_setting_accepts_only_yes_or_no() -> None:
    from ledger.errors import ConfigurationError

    assert Settings.from_mapping({"SHUANGSUI_CREATE_TABLES": "n"}).create_tables is False
    assert Settings.from_mapping({}).create_tables is True
    with pytest.raises(ConfigurationError, match="SHUANGSUI_CREATE_TABLES"):
        Settings.from_mapping({"SHUANGSUI_CREATE_TABLES": "maybe"})
