"""Backup and restore (issue 14 §4): a consistent online copy of the SQLite ledger that
restores only after it verifies."""

from __future__ import annotations

import io
import json
import sqlite3
import stat
import tarfile
from pathlib import Path

import pytest

from ledger.config import Settings
from tests.support.cli import run


@pytest.fixture
def home(sqlite_settings: Settings) -> Settings:
    result = run(sqlite_settings, "init", "--origin", "backup.example/ledger")
    assert result.exit_code == 0, result.output
    office = str(sqlite_settings.keys_dir / "office.key")
    for text in ("一", "二"):
        assert run(sqlite_settings, "append-note", "--key", office, text).exit_code == 0
    assert run(sqlite_settings, "checkpoint").exit_code == 0
    assert run(sqlite_settings, "append-note", "--key", office, "三").exit_code == 0
    return sqlite_settings


def take(home: Settings, out: Path) -> None:
    result = run(home, "backup", "--out", str(out))
    assert result.exit_code == 0, result.output


def test_a_backup_restores_and_verifies(home: Settings, tmp_path: Path) -> None:
    out = tmp_path / "b.tar"
    take(home, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with tarfile.open(out) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "ledger.sqlite3", "latest.checkpoint"} <= names
    assert "keys/ledger.pub" in names and "keys/office.pub" in names
    assert not any(n.endswith(".key") for n in names), "private keys never go in a backup"
    target = home.with_home(tmp_path / "restored")
    result = run(target, "restore", str(out))
    assert result.exit_code == 0, result.output
    assert "restored 6 entries" in result.output
    verified = run(target, "verify", "--allow-unwitnessed")
    assert verified.exit_code == 0, verified.output
    assert "ok: 6 entries" in verified.stdout
    assert json.loads(run(target, "status", "--json").stdout)["size"] == 6
    assert (target.keys_dir / "office.pub").exists()


def test_restore_refuses_a_home_that_has_a_ledger(home: Settings, tmp_path: Path) -> None:
    out = tmp_path / "b.tar"
    take(home, out)
    result = run(home, "restore", str(out))
    assert result.exit_code == 2 and "already exists" in result.output


def test_a_backup_is_never_overwritten(home: Settings, tmp_path: Path) -> None:
    out = tmp_path / "b.tar"
    take(home, out)
    again = run(home, "backup", "--out", str(out))
    assert again.exit_code == 2 and "never overwritten" in again.output


def _rewrite(backup: Path, name: str, change: object) -> None:
    with tarfile.open(backup) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    members[name] = change(members[name])  # type: ignore[operator]
    with tarfile.open(backup, "w") as tar:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _tamper_db(data: bytes, scratch: Path) -> bytes:
    path = scratch / "t.sqlite3"
    path.write_bytes(data)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER IF EXISTS ledger_chain_no_update")
    for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'"):
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("UPDATE stored_events SET state = X'00' WHERE rowid = 5")
    conn.commit()
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("fix_manifest", [False, True])
def test_a_tampered_backup_is_not_restored(
    home: Settings, tmp_path: Path, fix_manifest: bool
) -> None:
    """A changed copy fails its digest -- or, with the manifest rewritten to match,
    fails verify: exit 1, and nothing is put in place."""
    out = tmp_path / "b.tar"
    take(home, out)
    _rewrite(out, "ledger.sqlite3", lambda data: _tamper_db(data, tmp_path))
    if fix_manifest:
        import hashlib

        with tarfile.open(out) as tar:
            db = tar.extractfile("ledger.sqlite3").read()  # type: ignore[union-attr]

        def fixed(data: bytes) -> bytes:
            manifest = json.loads(data)
            manifest["files"]["ledger.sqlite3"] = hashlib.sha256(db).hexdigest()
            return json.dumps(manifest).encode()

        _rewrite(out, "manifest.json", fixed)
    target = home.with_home(tmp_path / "restored")
    result = run(target, "restore", str(out))
    assert result.exit_code == 1, result.output
    assert "NOT RESTORED" in result.output
    assert ("verify" if fix_manifest else "digest mismatch") in result.output
    assert ("核验：位置" if fix_manifest else "摘要不符") in result.output  # issue 12 §7
    assert not (target.home / "ledger.sqlite3").exists()


def test_a_file_that_is_not_a_backup_is_a_usage_error(home: Settings, tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_text("not a tar")
    target = home.with_home(tmp_path / "restored")
    result = run(target, "restore", str(junk))
    assert result.exit_code == 2 and "not a shuangsui backup" in result.output


def test_postgres_is_pointed_at_pg_dump(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="postgresql://x@127.0.0.1:1/none")
    result = run(settings, "backup", "--out", str(tmp_path / "b.tar"))
    assert result.exit_code == 2 and "pg_dump" in result.output
