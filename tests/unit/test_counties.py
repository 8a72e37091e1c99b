"""The county list of a provincial deployment (issue 15 part 7; R2.1): each county's
settings differ from the province's only in home and schema (or SQLite file); codes,
hosts and origins are checked; an unknown county names the configured ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.config import Settings
from ledger.counties import Counties, County, county_settings
from ledger.errors import ConflictError, NotFoundError, ValidationError
from tools.cli import cli

ANYUE = County("anyue", "安岳县", "anyue.sc.example/shuangsui", ("anyue.sc.example",))
LEZHI = County("lezhi", "乐至县", "lezhi.sc.example/shuangsui")


def test_postgres_county_is_the_provinces_database_with_its_own_schema(tmp_path: Path) -> None:
    province = Settings(
        home=tmp_path, database_url="postgresql://u:p@db.example:5433/province?schema=public"
    )
    settings = county_settings(province, ANYUE)
    assert settings.home == tmp_path / "counties" / "anyue"
    assert settings.describe_database() == (
        "postgresql://u@db.example:5433/province (schema county_anyue)"
    )
    assert settings.eventsourcing_env()["POSTGRES_SCHEMA"] == "county_anyue"
    assert settings.eventsourcing_env()["POSTGRES_PASSWORD"] == "p"


def test_sqlite_county_is_a_file_in_its_own_home(tmp_path: Path) -> None:
    for url in (None, f"sqlite:///{tmp_path}/province.sqlite3"):
        settings = county_settings(Settings(home=tmp_path, database_url=url), LEZHI)
        assert settings.target == tmp_path / "counties" / "lezhi" / "ledger.sqlite3"


def test_round_trip_and_selection(tmp_path: Path) -> None:
    Counties(tmp_path).add(ANYUE).add(LEZHI).save()
    counties = Counties.load(tmp_path)
    assert [c.code for c in counties] == ["anyue", "lezhi"]
    assert counties.get("anyue") == ANYUE
    assert counties.by_host("anyue.sc.example:8080") == ANYUE
    assert counties.by_host("ANYUE.sc.example") == ANYUE
    assert counties.by_host("lezhi.sc.example") is None
    with pytest.raises(NotFoundError, match="the counties are: anyue, lezhi"):
        counties.get("suining")
    assert len(Counties.load(tmp_path / "none")) == 0


@pytest.mark.parametrize(
    "county",
    [
        County("Anyue", "安岳县", "a.example/s"),
        County("1anyue", "安岳县", "a.example/s"),
        County("an-yue", "安岳县", "a.example/s"),
        County("a" * 31, "安岳县", "a.example/s"),
        County("anyue", "", "a.example/s"),
        County("anyue", "安岳县", "with space"),
        County("anyue", "安岳县", "/leading/slash"),
        County("anyue", "安岳县", "a.example/s", ("host:80",)),
        County("anyue", "安岳县", "a.example/s", ("UPPER.example",)),
    ],
)
def test_bad_counties_are_refused(tmp_path: Path, county: County) -> None:
    with pytest.raises(ValidationError):
        Counties(tmp_path).add(county)


def test_a_code_origin_or_host_used_twice_is_refused(tmp_path: Path) -> None:
    counties = Counties(tmp_path).add(ANYUE)
    for clash in (
        County("anyue", "又", "other.example/s"),
        County("other", "又", ANYUE.origin),
        County("other", "又", "other.example/s", ANYUE.hosts),
    ):
        with pytest.raises(ConflictError):
            counties.add(clash)


def test_sqlite_province_cli_init_status_and_verify(tmp_path: Path) -> None:
    """SQLite keeps working: a county is a file of its own; without --county nothing
    changes."""
    home = str(tmp_path / "p")

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--home", home, "--lang", "en", *args], env={})
        assert result.exit_code == 0, result.output
        return result.output

    run("county", "add", "anyue", "--name", "安岳县")
    run("--county", "anyue", "init")
    assert (tmp_path / "p" / "counties" / "anyue" / "ledger.sqlite3").exists()
    assert "anyue.example/shuangsui" in run("--county", "anyue", "status")
    assert "ok: 3 entries" in run("--county", "anyue", "verify")
    assert "anyue" in run("county", "list")
    missing = CliRunner().invoke(cli, ["--home", home, "status"], env={})
    assert missing.exit_code == 2  # the province's home itself holds no ledger
