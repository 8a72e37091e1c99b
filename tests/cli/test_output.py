"""Listings print one way: their default as always, ``--json``, ``--csv`` (tools/cli/output.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import click
import pytest
from click.testing import CliRunner

from ledger.config import Settings
from tools.cli import cli
from tools.cli.output import Output, csv_text, listing

ROWS = [
    {"code": "SCJGJ", "sections": ["食品股", "信用股"], "open": True, "cap": None},
    {"code": "SWJ", "sections": [], "open": False, "cap": "0.05", "extra": {"a": 1}},
]


def test_csv_cells_and_header() -> None:
    text = csv_text(ROWS, columns=("code", "cap"))
    assert text.splitlines()[0] == "code,cap,sections,open,extra"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0] == {
        "code": "SCJGJ",
        "cap": "",
        "sections": '["食品股","信用股"]',
        "open": "true",
        "extra": "",
    }
    assert rows[1]["extra"] == '{"a":1}' and rows[1]["open"] == "false"
    assert "\r" not in text and text.endswith("\n")


def test_an_empty_listing_keeps_its_header() -> None:
    assert csv_text([], columns=("code", "name")) == "code,name\n"
    assert csv_text([]) == ""


def toy(default: Any) -> click.Command:
    def table() -> Iterator[str]:
        yield "code  sections"
        for row in ROWS:
            yield f"{row['code']:<5} {len(row['sections'])}"

    @click.command()
    @click.option("--limit", type=int, default=2)
    @listing(default=default)
    def command(limit: int, out: Output) -> None:
        """A toy listing."""
        rows = ROWS[:limit]
        out.rows(rows, table=table() if default == "table" else None, document={"items": rows})

    return command


@pytest.mark.parametrize("default", ["table", "json"])
def test_listing_options(default: str) -> None:
    command = toy(default)
    runner = CliRunner()
    shown = runner.invoke(command, [])
    as_json = runner.invoke(command, ["--json", "--limit", "1"])
    as_csv = runner.invoke(command, ["--csv"])
    assert json.loads(as_json.stdout) == {"items": ROWS[:1]}
    if default == "table":
        assert shown.stdout == "code  sections\nSCJGJ 2\nSWJ   0\n"
    else:
        assert shown.stdout == json.dumps({"items": ROWS}, ensure_ascii=False, indent=2) + "\n"
    assert as_csv.stdout == csv_text(ROWS)


def test_json_and_csv_together_are_refused() -> None:
    both = CliRunner().invoke(cli, ["coverage", "--json", "--csv"])
    assert both.exit_code == 2 and "use --json or --csv, not both" in both.output


def test_help_names_both_options() -> None:
    for path in (["trail"], ["deadlines"], ["coverage"], ["feed"], ["task-ledger"]):
        text = CliRunner().invoke(cli, [*path, "--help"]).output
        assert "--json" in text and "--csv" in text
    for path in (["department", "list"], ["items", "report"], ["inspectors", "pending"]):
        text = CliRunner().invoke(cli, [*path, "--help"]).output
        assert "Print JSON (the default)." in text and "--csv" in text


def test_a_real_listing(sqlite_settings: Settings) -> None:
    def run(*args: str) -> str:
        result = CliRunner().invoke(
            cli, ["--home", str(sqlite_settings.home), *args], catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        return result.stdout

    run("init")
    assert run("department", "list", "--csv") == "code,name,kind,sections\n"
    office = str(sqlite_settings.keys_dir / "office.key")
    run("department", "register", "--key", office, "SWJ", "--name", "县税务局", "--kind", "tax")
    run("department", "add-section", "--key", office, "SWJ", "征收管理股")
    default = run("department", "list")
    assert run("department", "list", "--json") == default
    assert json.loads(default)[0]["sections"] == ["征收管理股"]
    assert run("department", "list", "--csv") == (
        'code,name,kind,sections\nSWJ,县税务局,tax,"[""征收管理股""]"\n'
    )
    assert run("coverage", "--csv").splitlines()[0] == (
        "department,item,name,tasks,joint_tasks,drawn_inspections,case_inspections,"
        "arbitrary_inspections"
    )
