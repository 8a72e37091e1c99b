"""The ``shuangsui`` CLI through click's runner, as an operator or auditor uses it."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.config import Settings
from tests.support.cli import run
from tools.cli import cli


@pytest.fixture
def home(settings: Settings) -> Settings:
    result = run(settings, "init", "--origin", "cli.example/ledger")
    assert result.exit_code == 0, result.output
    return settings


def test_init_writes_private_keys_and_genesis(home: Settings) -> None:
    for name in ("ledger.key", "office.key"):
        path = home.keys_dir / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.with_suffix(".pub").exists()
    status = json.loads(run(home, "status", "--json").stdout)
    assert status["origin"] == "cli.example/ledger"
    assert status["size"] == 3


def test_init_twice_refuses(home: Settings) -> None:
    result = run(home, "init")
    assert result.exit_code == 2
    assert "already exists" in result.output


def test_note_then_verify(home: Settings) -> None:
    office = str(home.keys_dir / "office.key")
    assert run(home, "append-note", "--key", office, "第一次会议").exit_code == 0
    result = run(home, "verify", "--allow-unwitnessed")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("ok: 4 entries")
    report = json.loads(run(home, "verify", "--allow-unwitnessed", "--json").stdout)
    assert report["ok"] and report["size"] == 4 and report["signatures_checked"] == 4


def test_keys_register_show_rotate_revoke(home: Settings, tmp_path: Path) -> None:
    office = str(home.keys_dir / "office.key")
    assert (
        run(
            home,
            "department",
            "register",
            "--key",
            office,
            "SWJ",
            "--name",
            "县税务局",
            "--kind",
            "tax",
        ).exit_code
        == 0
    )
    assert run(home, "keygen", str(tmp_path / "d.key"), "--label", "县税务局").exit_code == 0
    result = run(
        home,
        "key",
        "register",
        "--key",
        office,
        "--public-key",
        str(tmp_path / "d.pub"),
        "--holder",
        "县税务局",
        "--role",
        "department",
        "--organisation",
        "SWJ",
    )
    assert result.exit_code == 0, result.output
    key_id = json.loads((tmp_path / "d.pub").read_text())["key_id"]
    shown = json.loads(run(home, "key", "show", key_id).output)
    assert shown["roles"] == ["department"] and shown["status"] == "active"
    assert run(home, "append-note", "--key", str(tmp_path / "d.key"), "x").exit_code == 0
    assert run(home, "keygen", str(tmp_path / "d2.key")).exit_code == 0
    result = run(
        home,
        "key",
        "rotate",
        "--key",
        str(tmp_path / "d.key"),
        key_id,
        "--public-key",
        str(tmp_path / "d2.pub"),
    )
    assert result.exit_code == 0, result.output
    refused = run(home, "append-note", "--key", str(tmp_path / "d.key"), "old key")
    assert refused.exit_code == 2 and "rotated" in refused.output
    new_id = json.loads((tmp_path / "d2.pub").read_text())["key_id"]
    result = run(home, "key", "revoke", "--key", office, new_id, "--reason", "人员调离")
    assert result.exit_code == 0, result.output
    assert run(home, "verify", "--allow-unwitnessed").exit_code == 0


def test_verify_names_the_tampered_position(sqlite_settings: Settings) -> None:
    assert run(sqlite_settings, "init").exit_code == 0
    office = str(sqlite_settings.keys_dir / "office.key")
    for text in ("a", "b", "c"):
        run(sqlite_settings, "append-note", "--key", office, text)
    db = sqlite3.connect(sqlite_settings.home / "ledger.sqlite3")
    db.execute("DROP TRIGGER stored_events_no_update")
    db.execute("UPDATE stored_events SET state = replace(state, 'b', 'B') WHERE rowid = 5")
    db.commit()
    result = run(sqlite_settings, "verify", "--allow-unwitnessed")
    assert result.exit_code == 1
    assert "TAMPERED at position 5: hash mismatch" in result.output
    report = json.loads(run(sqlite_settings, "verify", "--allow-unwitnessed", "--json").stdout)
    assert report["failure"]["position"] == 5


# --- bad input: a clear message, exit 2, nothing written ---------------------------------


def size_of(settings: Settings) -> int:
    return int(json.loads(run(settings, "status", "--json").stdout)["size"])


def test_malformed_key_file(home: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("this is not a key")
    result = run(home, "append-note", "--key", str(bad), "x")
    assert result.exit_code == 2
    assert "not a key file" in result.output
    assert size_of(home) == 3


def test_wrong_passphrase(sqlite_settings: Settings) -> None:
    good = {"SHUANGSUI_PASSPHRASE": "s3cret passphrase"}
    assert run(sqlite_settings, "init", "--seal", env=good).exit_code == 0
    office = str(sqlite_settings.keys_dir / "office.key")
    result = run(
        sqlite_settings, "append-note", "--key", office, "x", env={"SHUANGSUI_PASSPHRASE": "wrong"}
    )
    assert result.exit_code == 2
    assert "wrong passphrase" in result.output
    assert run(sqlite_settings, "append-note", "--key", office, "x", env=good).exit_code == 0
    assert size_of(sqlite_settings) == 4


def test_unknown_database_url_scheme(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--home", str(tmp_path), "--database-url", "mysql://root@localhost/test", "init"]
    )
    assert result.exit_code == 2
    assert "scheme 'mysql' is not supported" in result.output
    assert not (tmp_path / "keys").exists()


def test_unreachable_postgres(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--home",
            str(tmp_path),
            "--database-url",
            "postgresql://postgres@127.0.0.1:1/test",
            "init",
        ],
    )
    assert result.exit_code == 2
    assert "cannot reach PostgreSQL at postgresql://postgres@127.0.0.1:1/test" in result.output
    assert not (tmp_path / "keys").exists()


def test_missing_home_is_not_created(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "nowhere"), "status"])
    assert result.exit_code == 2
    assert "no ledger at" in result.output
    assert not (tmp_path / "nowhere").exists()


def test_bad_role_is_a_usage_error(home: Settings) -> None:
    result = run(
        home,
        "key",
        "register",
        "--key",
        str(home.keys_dir / "office.key"),
        "--public-key",
        "AAAA",
        "--holder",
        "x",
        "--role",
        "emperor",
    )
    assert result.exit_code == 2
    assert "emperor" in result.output


def test_every_command_has_help() -> None:
    from tools.cli import cli as group

    def walk(command, path):  # type: ignore[no-untyped-def]
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    for path, command in walk(group, []):
        result = CliRunner().invoke(group, [*path, "--help"])
        assert result.exit_code == 0, path
        assert command.help, f"{' '.join(path)} has no help text"


# --- transparency log commands -------------------------------------------------------------


def test_checkpoint_prove_consistency_export_and_offline_verify(
    home: Settings, tmp_path: Path
) -> None:
    office = str(home.keys_dir / "office.key")
    for text in ("a", "b"):
        run(home, "append-note", "--key", office, text)
    note = run(home, "checkpoint").stdout
    assert note.splitlines()[:2] == ["cli.example/ledger", "5"]
    assert run(home, "checkpoint", "show").stdout == note
    proof = run(home, "prove", "4").stdout
    assert proof.startswith("c2sp.org/tlog-proof@v1\nindex 3\n") and proof.endswith(note)
    assert run(home, "consistency", "3", "5").stdout.startswith("old 3\n")
    trusted = tmp_path / "trusted.checkpoint"
    trusted.write_text(note)
    run(home, "append-note", "--key", office, "c")
    since = run(home, "verify", "--allow-unwitnessed", "--since", str(trusted))
    assert since.exit_code == 0, since.output
    bundle = tmp_path / "ledger.bundle"
    assert run(home, "export", "--out", str(bundle)).exit_code == 0
    # Offline: no --home, no database.
    offline = CliRunner().invoke(cli, ["verify", "--allow-unwitnessed", "--bundle", str(bundle)])
    assert offline.exit_code == 0, offline.output
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 1
    bundle.write_bytes(bytes(data))
    assert (
        CliRunner()
        .invoke(cli, ["verify", "--allow-unwitnessed", "--bundle", str(bundle)])
        .exit_code
        == 1
    )


def test_witness_cosigns_and_checkpoint_attach(home: Settings, tmp_path: Path) -> None:
    office = str(home.keys_dir / "office.key")
    key = tmp_path / "w.key"
    assert run(home, "keygen", str(key)).exit_code == 0
    result = run(
        home,
        "key",
        "register",
        "--key",
        office,
        "--public-key",
        str(key.with_suffix(".pub")),
        "--holder",
        "县纪委监委",
        "--role",
        "witness",
        "--note-name",
        "w.example/w",
    )
    assert result.exit_code == 0, result.output
    vkey = run(home, "checkpoint", "vkey").stdout.strip()
    state = tmp_path / "w.json"
    note = tmp_path / "cp"
    note.write_text(run(home, "checkpoint").stdout)
    result = run(
        home,
        "witness",
        "init",
        "--state",
        str(state),
        "--name",
        "w.example/w",
        "--key",
        str(key),
        "--log-vkey",
        vkey,
        "--trusted-checkpoint",
        str(note),
    )
    assert result.exit_code == 0, result.output
    proof = tmp_path / "p"
    proof.write_text(run(home, "consistency", "4", "4").stdout)
    cosigned = run(
        home, "witness", "cosign", "--state", str(state), "--key", str(key), str(note), str(proof)
    )
    assert cosigned.exit_code == 0, cosigned.output
    (tmp_path / "cosigned").write_text(cosigned.stdout)
    assert "attached 1" in run(home, "checkpoint", "attach", str(tmp_path / "cosigned")).output
    (tmp_path / "p0").write_text(run(home, "consistency", "0", "4").stdout)
    again = run(
        home,
        "witness",
        "cosign",
        "--state",
        str(state),
        "--key",
        str(key),
        str(note),
        str(tmp_path / "p0"),
    )
    assert again.exit_code == 2 and "not the last cosigned size 4" in again.output
    report = json.loads(run(home, "verify", "--allow-unwitnessed", "--json").stdout)
    assert report["checkpoints"] == {"4": ["w.example/w"]}


def test_any_command_by_its_action_name(tmp_path: Path) -> None:
    """The generic entry every typed command gets from its declaration (issue 10)."""
    home = tmp_path / "home"
    runner = CliRunner()
    assert runner.invoke(cli, ["--home", str(home), "init"]).exit_code == 0
    listed = runner.invoke(cli, ["--home", str(home), "command", "--list"])
    actions = {c["action"]: c for c in json.loads(listed.output)}
    assert actions["note.append"]["route"] == "POST /api/v1/notes"
    assert actions["note.append"]["parameters"]["text"]["required"] is True
    office = str(home / "keys" / "office.key")
    sent = runner.invoke(
        cli, ["--home", str(home), "command", "note.append", "--key", office, "-p", "text=纪要"]
    )
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.output)["action"] == "note.append"
    for args, message in (
        (["command", "no.such", "--key", office], "unknown action"),
        (["command", "note.append"], "--key is required"),
        (["command", "note.append", "--key", office, "-p", "oops"], "expected NAME=VALUE"),
        (["command", "note.append", "--key", office], "text: 必填 / is required"),
        (["command"], "name an action"),
    ):
        refused = runner.invoke(cli, ["--home", str(home), *args])
        assert refused.exit_code == 2, args
        assert message in refused.output, (args, refused.output)


def test_keygen_with_a_dangling_pub_link_fails_cleanly(tmp_path: Path) -> None:
    """Issue 11 part 7: keygen never writes through a symlink; exit 2, one message."""
    planted = tmp_path / "planted" / "x.pub"
    (tmp_path / "d.pub").symlink_to(planted)
    result = CliRunner().invoke(cli, ["keygen", str(tmp_path / "d.key")])
    assert result.exit_code == 2, result.output
    assert "symbolic link" in result.output and "Traceback" not in result.output
    assert not planted.exists() and not (tmp_path / "d.key").exists()


def test_a_world_readable_private_key_is_refused_by_the_cli(home: Settings) -> None:
    """Issue 11 part 7: a private key file with group/other bits is not used."""
    office = home.keys_dir / "office.key"
    office.chmod(0o644)
    result = run(home, "append-note", "--key", str(office), "不应记录")
    assert result.exit_code == 2
    assert "私钥文件" in result.output and "chmod 600" in result.output
    assert json.loads(run(home, "status", "--json").stdout)["size"] == 3
