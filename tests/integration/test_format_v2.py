"""A format-2 ledger written before format 3 still verifies, replays and recomputes its
draw: rules added after format 2 ask ``formats.since(ledger, 3)``, so the signed commands
of an older format-2 ledger still produce, byte for byte, the events they produced then.

``tests/vectors/format-v2/`` holds the demo county's ledger as commit 524ebf5 wrote it
(see the README there; TEST-ONLY data). Here the current code opens a copy.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tools.cli import cli

FIXTURE = Path(__file__).resolve().parents[1] / "vectors" / "format-v2"
HEAD = "c272823cb257b93a7c21e8c958514d8363f32757d7af5e37c5e614afac315bfb"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger home holding a copy of the old ledger (and nothing else)."""
    home = tmp_path_factory.mktemp("format-v2")
    with (
        gzip.open(FIXTURE / "ledger.sqlite3.gz") as packed,
        open(home / "ledger.sqlite3", "wb") as out,
    ):
        shutil.copyfileobj(packed, out)
    return home


def shuangsui(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--home", str(home), *args], env={}, catch_exceptions=False)


def test_it_is_a_format_2_ledger(home: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(f"file:{home / 'ledger.sqlite3'}?mode=ro", uri=True)
    try:
        (state,) = connection.execute(
            "SELECT state FROM stored_events WHERE topic LIKE '%genesis%' LIMIT 1"
        ).fetchone()
    finally:
        connection.close()
    assert b'"format":2' in bytes(state)


def test_it_verifies_and_replays(home: Path) -> None:
    # An older format is accepted only by name (ledger/audit/standing.py)
    refused = shuangsui(home, "verify")
    assert refused.exit_code == 1 and "--accept-format 2" in refused.output
    result = shuangsui(home, "verify", "--accept-format", "2")
    assert result.exit_code == 0, result.output
    assert "826 events identical" in result.output
    assert "ok: 826 entries, 534 commands, 1068 signatures verified" in result.output
    assert HEAD in result.output


def test_its_draw_recomputes(home: Path) -> None:
    result = shuangsui(home, "verify-draw", "T-2026-001/1")
    assert result.exit_code == 0, result.output
    assert "identical" in result.output and "113 objects" in result.output


def test_its_projections_rebuild(home: Path) -> None:
    result = shuangsui(home, "projections", "rebuild")
    assert result.exit_code == 0, result.output
    assert "826" in result.output
