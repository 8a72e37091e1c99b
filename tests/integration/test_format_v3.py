"""A format-3 ledger written before format 4 still verifies, replays and recomputes its
draw, and a bundle exported from it then still verifies: rules added after format 3 ask
``formats.since(ledger, 4)``, so the signed commands of an older format-3 ledger still
produce, byte for byte, the events they produced then, and its stored rows and bundles
are still read as they were written.

``tests/vectors/format-v3/`` holds the demo county's ledger as commit 9de1452 wrote it,
and the draw bundle that code exported from it (see the README there; TEST-ONLY data).
Here the current code opens copies.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tools.cli import cli

FIXTURE = Path(__file__).resolve().parents[1] / "vectors" / "format-v3"
HEAD = "f56f3e10dee7eef696221afc8ae0455e008c2e8bb2d3912b7373b65d31bbff24"
VKEY = "anyue.example/shuangsui+3e76e83a+AcE137chWM9ctNqsSPwzwqzAmeJWNCMH+WLEmHwsCjCe"


def unpack(name: str, to: Path) -> Path:
    with gzip.open(FIXTURE / f"{name}.gz") as packed, open(to / name, "wb") as out:
        shutil.copyfileobj(packed, out)
    return to / name


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger home holding a copy of the old ledger (and nothing else)."""
    home = tmp_path_factory.mktemp("format-v3")
    unpack("ledger.sqlite3", home)
    return home


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unpack("draw.bundle", tmp_path_factory.mktemp("format-v3-bundle"))


def shuangsui(home: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["--home", str(home), "--lang", "en", *args], env={}, catch_exceptions=False
    )


def test_it_is_a_format_3_ledger(home: Path) -> None:
    connection = sqlite3.connect(f"file:{home / 'ledger.sqlite3'}?mode=ro", uri=True)
    try:
        (state,) = connection.execute(
            "SELECT state FROM stored_events WHERE topic LIKE '%genesis%' LIMIT 1"
        ).fetchone()
    finally:
        connection.close()
    assert b'"format":3' in bytes(state)


def test_it_verifies_and_replays(home: Path) -> None:
    # An older format is accepted only by name (ledger/audit/standing.py)
    refused = shuangsui(home, "verify")
    assert refused.exit_code == 1 and "--accept-format 3" in refused.output
    result = shuangsui(home, "verify", "--accept-format", "3")
    assert result.exit_code == 0, result.output
    assert "731 events identical" in result.output
    assert "ok: 731 entries, 488 commands, 976 signatures verified" in result.output
    assert HEAD in result.output


def test_its_draw_recomputes(home: Path) -> None:
    result = shuangsui(home, "verify-draw", "T-2026-001/1")
    assert result.exit_code == 0, result.output
    assert "identical" in result.output and "63 objects" in result.output


def test_its_projections_rebuild(home: Path) -> None:
    result = shuangsui(home, "projections", "rebuild")
    assert result.exit_code == 0, result.output
    assert "731" in result.output


def test_its_old_draw_bundle_still_verifies(home: Path, bundle: Path) -> None:
    """A bundle exported by the format-3 code: its state proofs (format 3's state map)
    still prove it complete, anchored by the log's verifier key."""
    drawn = shuangsui(home, "verify-draw", "T-2026-001/1", "--bundle", str(bundle))
    assert drawn.exit_code == 0, drawn.output
    assert "identical" in drawn.output and "63 objects" in drawn.output
    result = shuangsui(
        home, "verify", "--bundle", str(bundle), "--vkey", VKEY, "--accept-format", "3"
    )
    assert result.exit_code == 0, result.output
    assert "(anchored by vkey)" in result.output
    assert "complete: 205 stream(s)" in result.output


@pytest.mark.parametrize("tamper", ["omit", "alter"])
def test_a_tampered_old_bundle_is_refused(
    home: Path, bundle: Path, tmp_path: Path, tamper: str
) -> None:
    """The old bundle is not trusted because it is old: an entry left out, or one entry's
    bytes changed, is caught."""
    lines = bundle.read_bytes().splitlines(keepends=True)
    entries = [i for i, line in enumerate(lines) if line.startswith(b'{"t":"entry"')]
    at = entries[len(entries) // 2]
    if tamper == "omit":
        del lines[at]
    else:
        head, _, rest = lines[at].partition(b'"entry":"')
        lines[at] = head + b'"entry":"' + (b"f" if rest[:1] != b"f" else b"e") + rest[1:]
    forged = tmp_path / "forged.bundle"
    forged.write_bytes(b"".join(lines))
    result = shuangsui(
        home, "verify", "--bundle", str(forged), "--vkey", VKEY, "--accept-format", "3"
    )
    assert result.exit_code != 0, result.output
