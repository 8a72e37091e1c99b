"""Issue 11, part 7: ``shuangsui projections verify`` rebuilds the read models into a
scratch file and compares them table by table, naming the first difference; reads say
which log position they reflect (CLI listings, the API's ``X-Projection-Position``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from projections import projection_path
from projections.runner import update
from projections.store import Store
from projections.verify import verify_projections
from tests.support.cli import run
from tests.support.world import World


@pytest.fixture
def projected(world: World) -> World:
    world.note("第一次会议", key="office")
    world.run("office", "department.register", code="SWJ", name="县税务局", kind="tax")
    store = Store(projection_path(world.settings.home))
    update(world.ledger, store)
    store.close()
    return world


def tamper(world: World, sql: str) -> None:
    store = Store(projection_path(world.settings.home))
    store.db.conn.execute(sql)
    store.close()


def test_an_untouched_file_verifies(projected: World, tmp_path: Path) -> None:
    store = Store(projection_path(projected.settings.home))
    try:
        check = verify_projections(projected.ledger, store, tmp_path / "scratch.sqlite3")
    finally:
        store.close()
    assert check, check.difference
    assert check.position == projected.ledger.head().position and check.tables > 5
    result = run(projected.settings, "projections", "verify")
    assert result.exit_code == 0, result.output
    assert "一致" in result.output and f"position {check.position}" in result.output


@pytest.mark.parametrize(
    ("sql", "table", "reason"),
    [
        (
            "UPDATE departments SET name = '县市场监管局' WHERE code = 'SWJ'",
            "departments",
            "differs",
        ),
        ("DELETE FROM departments WHERE code = 'SWJ'", "departments", "missing from the file"),
        (
            "INSERT INTO departments VALUES ('FAKE', '虚构单位', 'tax', '[]')",
            "departments",
            "not produced by the log",
        ),
        ("CREATE TABLE planted (a INTEGER)", "planted", "only in the file"),
        # the public name search made to find a name that was never published (R9.1)
        (
            "INSERT INTO publications_names(rowid, name) VALUES (999, '虚构名称')",
            "publications_names",
            "search index does not match",
        ),
    ],
)
def test_a_tampered_file_names_the_first_difference(
    projected: World, sql: str, table: str, reason: str
) -> None:
    tamper(projected, sql)
    result = run(projected.settings, "projections", "verify")
    assert result.exit_code == 1, result.output
    assert f"table {table}" in result.output and reason in result.output
    report = json.loads(run(projected.settings, "projections", "verify", "--json").stdout)
    assert report["ok"] is False and report["difference"]["table"] == table


def test_a_position_beyond_the_log_is_reported(projected: World) -> None:
    tamper(projected, "UPDATE state SET position = position + 5 WHERE name = 'log'")
    result = run(projected.settings, "projections", "verify")
    assert result.exit_code == 1 and "table state" in result.output


def test_verify_checks_the_file_as_it_is_not_a_caught_up_copy(projected: World) -> None:
    """Entries appended after the file's position are not applied before the check."""
    projected.note("之后的会议", key="office")
    store = Store(projection_path(projected.settings.home))
    before = store.position()
    store.close()
    report = json.loads(run(projected.settings, "projections", "verify", "--json").stdout)
    assert report["ok"] and report["position"] == before < report["head"]


def test_cli_listings_say_which_position_they_reflect(projected: World) -> None:
    result = run(projected.settings, "department", "list")
    assert result.exit_code == 0, result.output
    position = projected.ledger.head().position
    assert f"position {position}" in result.output or f"位置 {position}" in result.output


def test_api_reads_carry_the_projection_position(projected: World) -> None:
    from api import create_app
    from ledger.keys import write_key_file
    from tests.vectors.testkeys import fixed_key

    write_key_file(projected.settings.ledger_key_path, fixed_key("ledger"))
    app = create_app(
        {
            "SHUANGSUI_HOME": str(projected.settings.home),
            **(
                {"SHUANGSUI_DATABASE_URL": projected.settings.database_url}
                if projected.settings.database_url
                else {}
            ),
        }
    )
    try:
        response = app.test_client().get("/api/v1/publications")
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["X-Projection-Position"] == str(projected.ledger.head().position), (
            response.headers
        )
    finally:
        app.extensions["shuangsui"].close()
