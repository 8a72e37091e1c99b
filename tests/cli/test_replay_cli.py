"""``shuangsui verify`` replays every signed command, from the database and from a full
export bundle (issue 11.1).

The tamper is the operator's: a department's signed note recorded with a second event
under its evidence, linked, sealed with the ledger key and grown into the Merkle tree,
written straight into the database (:mod:`tests.support.rawdb`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.areas.notes.events import Note
from ledger.authorisation import sign_command
from ledger.bootstrap import open_ledger
from ledger.commanding import stamp
from ledger.config import Settings
from ledger.ids import note_id
from ledger.keys import read_key_file
from tests.support.cli import ok, run
from tests.support.rawdb import RawDB
from tools.cli import cli


@pytest.fixture
def home(settings: Settings) -> Settings:
    ok(settings, "init", "--origin", "replay.example/ledger")
    office = str(settings.keys_dir / "office.key")
    for text in ("第一次会议", "第二次会议"):
        ok(settings, "append-note", "--key", office, text)
    return settings


def forge_extra_note(home: Settings) -> int:
    """The office's signed note, recorded with a second note nobody asked for."""
    ledger_key = read_key_file(home.ledger_key_path)
    office = read_key_file(home.office_key_path)
    ledger = open_ledger(home, signer=ledger_key)
    try:
        auth = sign_command(office, "note.append", {"text": "会议纪要"})
        real = Note._create(
            Note.Created, id=note_id(auth.digest), text="会议纪要", author=auth.key_id
        )
        extra = Note._create(
            Note.Created, id=note_id(auth.digest, 1), text="撤回处罚", author=auth.key_id
        )
        stamp([real, extra], auth.created)
        positions = RawDB(ledger).forge_command(
            [*real.collect_events(), *extra.collect_events()], auth, ledger_key
        )
    finally:
        ledger.close()
    return positions[1]


def test_verify_says_it_replayed(home: Settings) -> None:
    """A clean ledger: the replay line, then the summary line as before."""
    result = ok(home, "verify", "--allow-unwitnessed")
    replay_line, summary = result.stdout.splitlines()
    assert replay_line.startswith("重放核验通过：3 条命令重新执行，5 个事件逐字节一致")
    assert "replay ok: 3 commands re-run, 5 events" in replay_line
    assert summary.startswith("ok: 5 entries, 3 commands")
    report = json.loads(ok(home, "verify", "--allow-unwitnessed", "--json").stdout)
    assert report["ok"] and report["replay"] == {
        "ok": True,
        "commands": 3,
        "events": 5,
        "failure": None,
    }
    assert ok(home, "verify", "--allow-unwitnessed", "--no-replay").stdout.splitlines() == [summary]


def test_verify_names_an_event_the_command_did_not_produce(home: Settings) -> None:
    """Issue 11.1: every chain check passes; the replay exits 1 at the extra event."""
    position = forge_extra_note(home)
    assert ok(home, "verify", "--allow-unwitnessed", "--no-replay").stdout.startswith(
        "ok: 7 entries"
    )
    result = run(home, "verify", "--allow-unwitnessed")
    assert result.exit_code == 1
    assert f"TAMPERED at position {position}: events not produced by the command" in (result.stdout)
    assert "extra event shuangsui.note.appended" in result.stdout
    report = json.loads(run(home, "verify", "--allow-unwitnessed", "--json").stdout)
    assert report["ok"] is False and report["failure"]["position"] == position
    assert report["replay"]["failure"]["reason"] == "events not produced by the command"


def test_verify_bundle_replays_a_full_export(home: Settings, tmp_path: Path) -> None:
    """Issue 11.1: the same, offline, from a full export bundle."""
    clean = tmp_path / "clean.bundle"
    ok(home, "export", "--out", str(clean))
    offline = CliRunner().invoke(
        cli, ["verify", "--allow-unwitnessed", "--bundle", str(clean)], env={}
    )
    assert offline.exit_code == 0, offline.output
    assert "replay ok: 3 commands re-run, 5 events" in offline.stdout
    position = forge_extra_note(home)
    forged = tmp_path / "forged.bundle"
    ok(home, "export", "--out", str(forged))
    bad = CliRunner().invoke(
        cli, ["verify", "--allow-unwitnessed", "--bundle", str(forged)], env={}
    )
    assert bad.exit_code == 1, bad.output
    assert f"TAMPERED at position {position}: events not produced by the command" in bad.stdout
    unreplayed = CliRunner().invoke(
        cli, ["verify", "--allow-unwitnessed", "--bundle", str(forged), "--no-replay"]
    )
    assert unreplayed.exit_code == 0 and unreplayed.stdout.startswith("ok: 7 entries")


@pytest.mark.parametrize("role", ["auditor", "inspector", "ledger"])
def test_append_note_through_the_cli_keeps_the_role_matrix(
    home: Settings, tmp_path: Path, role: str
) -> None:
    """Issue 11 (the CLI let auditor, inspector and ledger keys append notes the API
    refuses): ``append-note`` goes through ``Ledger.execute``, whose role gate is the
    API's and the replay's; refused with exit 2, a clear message, nothing written."""
    office = str(home.keys_dir / "office.key")
    if role == "ledger":
        key_file = str(home.ledger_key_path)
    else:
        key_file = str(tmp_path / f"{role}.key")
        ok(home, "keygen", key_file, "--label", role)
        ok(
            home,
            "key",
            "register",
            "--key",
            office,
            "--public-key",
            key_file,
            "--holder",
            f"TEST {role}",
            "--role",
            role,
        )
    size = json.loads(ok(home, "status", "--json").stdout)["size"]
    refused = run(home, "append-note", "--key", key_file, "不该由我写")
    assert refused.exit_code == 2, refused.output
    assert "note.append needs a key with role department or office" in refused.output
    assert json.loads(ok(home, "status", "--json").stdout)["size"] == size
    ok(home, "verify", "--allow-unwitnessed")
