"""Fixtures shared by every layer.

``backend`` runs a test once on SQLite (a file in tmp_path) and once on the real
PostgreSQL server, in a schema of its own that is dropped afterwards. When the
server is unreachable the PostgreSQL half is skipped locally and FAILS in CI
(``CI=true``), so CI can never pass without having run it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from ledger.application import Ledger
from ledger.authorisation import Authorisation, sign_command
from ledger.bootstrap import open_ledger
from ledger.config import Settings
from ledger.keys import SigningKey
from tests.vectors.testkeys import fixed_key

PG_BASE = os.environ.get("SHUANGSUI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ORIGIN = "test.example/shuangsui"


def _pg_available() -> str | None:
    try:
        with psycopg.connect(PG_BASE, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


_PG_PROBLEM: list[str | None] = []


def require_postgres() -> None:
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


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield Settings(home=tmp_path / "home", database_url=f"{PG_BASE}?schema={schema}")
    drop_schema(schema)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(home=tmp_path / "home")
    else:
        yield request.getfixturevalue("pg_settings")


@dataclass
class World:
    """A ledger with its genesis and a registered department key."""

    settings: Settings
    ledger: Ledger
    office: SigningKey = field(default_factory=lambda: fixed_key("office"))
    ledger_key: SigningKey = field(default_factory=lambda: fixed_key("ledger"))
    department: SigningKey = field(default_factory=lambda: fixed_key("department"))

    def sign(self, key: SigningKey, action: str, **params: object) -> Authorisation:
        return sign_command(key, action, params)

    def run(self, key: SigningKey, action: str, **params: object):  # type: ignore[no-untyped-def]
        return self.ledger.execute(self.sign(key, action, **params))

    def note(self, text: str = "note", key: SigningKey | None = None):  # type: ignore[no-untyped-def]
        return self.run(key or self.department, "note.append", text=text)

    def register(self, key: SigningKey, *roles: str, holder: str = "test holder"):  # type: ignore[no-untyped-def]
        return self.run(
            self.office,
            "key.register",
            public_key=key.public.public_b64,
            holder=holder,
            roles=list(roles or ("department",)),
        )


def start_world(settings: Settings) -> World:
    ledger_key, office = fixed_key("ledger"), fixed_key("office")
    ledger = open_ledger(settings, signer=ledger_key, must_exist=False)
    ledger.execute(
        sign_command(
            office,
            "ledger.genesis",
            {
                "origin": ORIGIN,
                "office_public_key": office.public.public_b64,
                "ledger_public_key": ledger_key.public.public_b64,
                "office_holder": "TEST office",
            },
        )
    )
    world = World(settings, ledger)
    world.register(world.department, "department")
    return world


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
