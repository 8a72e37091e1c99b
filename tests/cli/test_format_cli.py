"""``shuangsui verify`` on a ledger started under an older format (issue 11), and the
generic ``command`` entry refusing unknown parameters (exit 2).

An old-format ledger is not held to the later formats' rules, so verify accepts one
only when the auditor names its format (``--accept-format N``), and never one whose
genesis the office signed after the next format existed: that ledger was started under
old rules to escape the new ones.
"""

from __future__ import annotations

import json

import pytest

from ledger import formats
from ledger.config import Settings
from tests.support.cli import ok, run

IN_2024 = 1_704_412_800  # 2024-01-05T00:00:00Z


def test_a_format_1_ledger_started_now_fails_verify_whatever_is_accepted(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "CURRENT", 1)  # the office runs code of format 1
    ok(settings, "init", "--origin", "old.example/ledger")
    monkeypatch.undo()  # the auditor runs today's
    for accept in ((), ("--accept-format", "1")):
        result = run(settings, "verify", *accept)
        assert result.exit_code == 1, result.output
        assert "FORMAT:" in result.stdout and "after format 2 existed" in result.stdout
        assert "晚于格式 2 启用时间" in result.stdout
    document = json.loads(run(settings, "verify", "--json", "--accept-format", "1").stdout)
    assert document["ok"]  # the chain itself is intact
    assert document["started"]["superseded_by"] == 2 and not document["started"]["accepted"]


def test_an_older_format_1_ledger_is_accepted_only_by_naming_its_format(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "CURRENT", 1)
    ok(settings, "init", "--origin", "old.example/ledger", "--genesis-at", str(IN_2024))
    monkeypatch.undo()
    refused = run(settings, "verify")
    assert refused.exit_code == 1 and "--accept-format 1" in refused.stdout
    assert run(settings, "verify", "--accept-format", "2").exit_code == 1
    accepted = run(settings, "verify", "--accept-format", "1")
    assert accepted.exit_code == 0, accepted.output
    assert accepted.stdout.splitlines()[-1].startswith("ok:")
    assert "FORMAT" not in accepted.stdout
    document = json.loads(run(settings, "verify", "--json", "--accept-format", "1").stdout)
    assert document["started"]["accepted"] and document["started"]["format"] == 1
    assert document["started"]["genesis_signed"] == "2024-01-05T00:00:00Z"


def test_a_current_ledger_needs_no_acceptance(settings: Settings) -> None:
    ok(settings, "init", "--origin", "new.example/ledger")
    result = ok(settings, "verify", "--allow-unwitnessed")
    assert "FORMAT" not in result.output
    assert "started" not in json.loads(
        ok(settings, "verify", "--allow-unwitnessed", "--json").stdout
    )


def test_the_command_entry_refuses_an_unknown_parameter(settings: Settings) -> None:
    ok(settings, "init", "--origin", "new.example/ledger")
    office = str(settings.keys_dir / "office.key")
    result = run(
        settings, "command", "note.append", "--key", office, "-p", "text=纪要", "-p", "txet=x"
    )
    assert result.exit_code == 2, result.output
    assert "txet" in result.output and "未声明的参数" in result.output
    assert "Traceback" not in result.output
