"""backup, restore: a consistent online copy of the SQLite ledger, checked before it is
ever put back (issue 14 §4).

A backup is a tar file: ``ledger.sqlite3`` (copied with SQLite's online backup API, so
the service may keep writing), ``keys/*.pub`` (the public parts only: the private key
files are kept by their holders, offline), ``latest.checkpoint`` (the latest signed
checkpoint with its cosignatures), and ``manifest.json`` (origin, size, head, and the
SHA-256 of every other member). ``restore`` extracts it beside the target home, checks
the digests, runs the whole ``verify`` on the copy and checks that the copy's log holds
the checkpoint, and only then moves it into place; any failure leaves the target as it
was. PostgreSQL ledgers are backed up with ``pg_dump`` (see the README).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import click

from ledger.errors import ConflictError, ValidationError
from ledger.i18n import _
from tools.cli.runtime import EXIT_TAMPERED, Runtime, pass_runtime, writable_output

BACKUP_FORMAT = "shuangsui-backup-v1"
LEDGER = "ledger.sqlite3"
CHECKPOINT = "latest.checkpoint"
MANIFEST = "manifest.json"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sqlite_only(runtime: Runtime, what: str) -> Path:
    settings = runtime.settings
    if settings.is_postgres:
        raise ValidationError(
            _(
                "{what} copies the embedded SQLite ledger; for PostgreSQL use pg_dump / "
                "pg_restore (README, 'Backups')",
                what=what,
            )
        )
    return settings.home / LEDGER


@click.command()
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The backup file to write (a tar file).",
)
@pass_runtime
def backup(runtime: Runtime, out: Path) -> None:
    """Copy the running SQLite ledger consistently, with public keys and the latest
    checkpoint, into one file (备份).

    \b
    Uses SQLite's online backup API: the service may keep serving. Private key
    files are NOT copied: their holders keep them (ledger.key with the service's
    operator, office.key with the office). PostgreSQL: use pg_dump (README).
    Example:
      shuangsui backup --out /srv/backup/shuangsui-2026-11-27.tar
    """
    source_path = _sqlite_only(runtime, "backup")
    writable_output(out)
    if out.exists():
        raise ConflictError(_("{out} already exists; backups are never overwritten", out=out))
    ledger = runtime.open(write=False)  # refuses a home with no ledger
    try:
        head = ledger.head()
        checkpoint = ledger.transparency.note() if ledger.chain.checkpoint_sizes() else None
        origin = ledger.transparency.origin
    finally:
        ledger.close()
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as scratch:
        copy = Path(scratch) / LEDGER
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        members: dict[str, bytes] = {LEDGER: copy.read_bytes()}
        keys_dir = runtime.settings.keys_dir
        for pub in sorted(keys_dir.rglob("*.pub")) if keys_dir.is_dir() else []:
            members[f"keys/{pub.relative_to(keys_dir).as_posix()}"] = pub.read_bytes()
        if checkpoint is not None:
            members[CHECKPOINT] = checkpoint.encode("utf-8")
        size = _copied_size(copy)
        manifest = {
            "format": BACKUP_FORMAT,
            "origin": origin,
            "size": size,
            "head_at_start": head.entry_hash.hex(),
            "files": {name: _sha256(data) for name, data in members.items()},
        }
        partial = Path(scratch) / "backup.tar"
        with tarfile.open(partial, "w") as tar:
            for name, data in [(MANIFEST, _json_bytes(manifest)), *members.items()]:
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(data), 0o600
                tar.addfile(info, io.BytesIO(data))
        os.chmod(partial, 0o600)
        os.replace(partial, out)
    runtime.say(
        _(
            "backup of {origin}: {size} entries, {files} other file(s) -> {out} (private "
            "keys are not in it)",
            origin=origin,
            size=size,
            files=len(members) - 1,
            out=out,
        )
    )


def _copied_size(copy: Path) -> int:
    from ledger.storage.writer import CHAIN_TABLE

    conn = sqlite3.connect(copy)
    try:
        row = conn.execute(f"SELECT MAX(position) FROM {CHAIN_TABLE}").fetchone()
    finally:
        conn.close()
    return int(row[0] or 0)


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _read_backup(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the members, each checked against its digest; a usage error
    for a file that is not a backup."""
    try:
        with tarfile.open(path, "r") as tar:
            members: dict[str, bytes] = {}
            for info in tar.getmembers():
                name = info.name
                if not info.isfile() or name.startswith("/") or ".." in Path(name).parts:
                    raise ValidationError(
                        _("{path}: unexpected member {name!r}", path=path, name=name)
                    )
                handle = tar.extractfile(info)
                assert handle is not None
                members[name] = handle.read()
    except (tarfile.TarError, OSError) as exc:
        raise ValidationError(
            _("{path} is not a shuangsui backup: {exc}", path=path, exc=exc)
        ) from exc
    try:
        manifest = json.loads(members.pop(MANIFEST))
        assert manifest["format"] == BACKUP_FORMAT
        files = dict(manifest["files"])
    except (KeyError, ValueError, AssertionError, TypeError) as exc:
        raise ValidationError(_("{path} is not a shuangsui backup", path=path)) from exc
    if set(files) != set(members) or LEDGER not in members:
        raise ValidationError(_("{path}: the members do not match the manifest", path=path))
    return manifest, members


@click.command()
@click.argument("backup_file", metavar="BACKUP", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def restore(runtime: Runtime, backup_file: Path) -> None:
    """Check a backup with verify, then put it in place as this home's ledger (恢复).

    \b
    Refuses a home that already holds a ledger. Checks every member's digest, runs
    the whole verify on the copy, and checks the copy's log holds the backed-up
    checkpoint -- all before anything is put in place. Exit 1 if the copy does not
    verify, 2 for a usage error; nothing is written either way. Bring the private
    key files back from their holders afterwards (ledger.key to serve).
    Example:
      shuangsui --home /var/lib/shuangsui restore shuangsui-2026-11-27.tar
    """
    from ledger.bootstrap import open_ledger
    from ledger.transparency.database import verify_ledger

    target = _sqlite_only(runtime, "restore")
    home = runtime.settings.home
    if target.exists():
        raise ConflictError(_("{target} already exists: restore into an empty home", target=target))
    manifest, members = _read_backup(backup_file)
    bad = [n for n, data in members.items() if _sha256(data) != manifest["files"][n]]
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(dir=home, prefix=".restore-") as scratch:
        staged = Path(scratch)
        for name, data in members.items():
            path = staged / name
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.write_bytes(data)
            path.chmod(0o600)
        settings = runtime.settings.with_home(staged)
        ledger = open_ledger(settings, must_exist=True)
        try:
            report = verify_ledger(ledger)
            problem = _tampered(bad, report, ledger, members.get(CHECKPOINT), manifest)
        finally:
            ledger.close()
        if problem is not None:
            runtime.say(_("NOT RESTORED: {problem}", problem=problem), err=True)
            sys.exit(EXIT_TAMPERED)
        keys = runtime.settings.keys_dir
        keys.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name in members:
            if name.startswith("keys/") and not (home / name).exists():
                (home / name).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                shutil.copy2(staged / name, home / name)
        if CHECKPOINT in members:
            shutil.copy2(staged / CHECKPOINT, home / "restored.checkpoint")
        os.replace(staged / LEDGER, target)
    restored = _(
        "restored {size} entries of {origin} to {target}: verified ({signatures} signatures); "
        "put ledger.key back in {keys} before serving",
        size=report.size,
        origin=manifest["origin"],
        target=target,
        signatures=report.signatures,
        keys=keys,
    )
    if CHECKPOINT in members:
        restored = _("{restored}; checkpoint held", restored=restored)
    runtime.say(restored)


def _tampered(
    bad: list[str], report: Any, ledger: Any, checkpoint: bytes | None, manifest: dict[str, Any]
) -> str | None:
    if bad:
        return _("digest mismatch for {names}", names=", ".join(sorted(bad)))
    if not report:
        return _(
            "verify: position {position}: {reason}",
            position=report.failure.position,
            reason=report.failure.reason,
        )
    if report.origin != manifest["origin"] or report.size != manifest["size"]:
        return _("the copy is not the ledger the manifest names")
    if checkpoint is not None:
        try:
            ledger.transparency.extends(checkpoint.decode("utf-8"))
        except Exception as exc:
            return _("the copy does not hold its checkpoint: {exc}", exc=exc)
    return None
