"""``shuangsui verify --receipts`` and the CLI's receipts folder (issue 11, part 2):
every command the CLI runs leaves its signed receipt in HOME/receipts; bad input is a
clear message and exit status 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.config import Settings
from tests.support.cli import run


@pytest.fixture
def home(sqlite_settings: Settings) -> Settings:
    result = run(sqlite_settings, "init", "--origin", "cli.example/ledger")
    assert result.exit_code == 0, result.output
    office = str(sqlite_settings.office_key_path)
    assert run(sqlite_settings, "append-note", "--key", office, "联席会议").exit_code == 0
    return sqlite_settings


def test_the_cli_keeps_a_receipt_per_command_and_verify_proves_them(home: Settings) -> None:
    folder = home.home / "receipts"
    names = sorted(p.name for p in folder.glob("*.json"))
    assert len(names) == 2 and "ledger.genesis" in names[0] and "note.append" in names[1]
    assert run(home, "checkpoint").exit_code == 0
    result = run(home, "verify", "--allow-unwitnessed", "--receipts", str(folder))
    assert result.exit_code == 0, result.output
    assert result.output.count("receipt ok") == 2
    document = json.loads(
        run(home, "verify", "--allow-unwitnessed", "--json", "--receipts", str(folder)).stdout
    )
    assert [r["ok"] for r in document["receipts"]] == [True, True]


def test_a_receipts_folder_that_does_not_exist(home: Settings, tmp_path: Path) -> None:
    result = run(home, "verify", "--allow-unwitnessed", "--receipts", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output


def test_an_empty_receipts_folder(home: Settings, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run(home, "verify", "--allow-unwitnessed", "--receipts", str(tmp_path / "empty"))
    assert result.exit_code == 2 and "no receipt files" in result.output


@pytest.mark.parametrize(
    "content",
    ["{", "[]", '{"format": "shuangsui-receipt-v1"}', "\udcff"],
)
def test_a_malformed_receipt_file_is_named(home: Settings, tmp_path: Path, content: str) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "broken.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    result = run(home, "verify", "--allow-unwitnessed", "--receipts", str(folder))
    assert result.exit_code == 2, result.output
    assert "broken.json" in result.output and "Traceback" not in result.output


def test_a_forged_receipt_fails_verification(home: Settings, tmp_path: Path) -> None:
    """A receipt whose signature does not verify is a failure (exit 1), named."""
    folder = tmp_path / "forged"
    folder.mkdir()
    source = sorted((home.home / "receipts").glob("*.json"))[-1]
    value = json.loads(source.read_text())
    value["action"] = "result.enter"
    (folder / "forged.json").write_text(json.dumps(value))
    result = run(home, "verify", "--allow-unwitnessed", "--receipts", str(folder))
    assert result.exit_code == 1
    assert "RECEIPT FAILED: forged.json: receipt signature does not verify" in result.output


def test_receipts_are_checked_against_a_bundle(home: Settings, tmp_path: Path) -> None:
    """Issue 11.2: offline, against a full export: no database needed."""
    assert run(home, "checkpoint").exit_code == 0
    bundle = tmp_path / "b.jsonl"
    assert run(home, "export", "--out", str(bundle)).exit_code == 0
    folder = home.home / "receipts"
    result = run(
        home, "verify", "--allow-unwitnessed", "--bundle", str(bundle), "--receipts", str(folder)
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("receipt ok") == 2
