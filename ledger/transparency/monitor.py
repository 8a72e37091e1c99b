"""A monitor: follows a log's checkpoints, keeps every one it has seen, checks each new
one is consistent with the last, and turns two roots for one size into a fork proof
(issue 11, part 3; :mod:`ledger.audit.forks` checks the proof offline).

The monitor's state is a folder: ``monitor.json`` (the log's pinned verifier key and
the latest checkpoint it accepted), ``checkpoints/`` (every checkpoint seen, one file
per size and root, never deleted) and ``forks/`` (the fork proofs it wrote). A
:class:`Source` is where checkpoints and consistency proofs come from: a running
service (:class:`api.client.LogSource`) or, in tests, a ledger in the same process.

Invariants: a checkpoint is kept only once it verifies under the pinned key; state is
written atomically; a checkpoint that does not extend the latest accepted one is
never accepted (the latest stays), and is reported.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ledger.audit.errors import NoteError
from ledger.audit.forks import fork_body, fork_message
from ledger.audit.hashing import verify_consistency
from ledger.audit.notes import (
    Checkpoint,
    NoteVerifier,
    b64,
    b64strict,
    parse_checkpoint,
    parse_note,
    verify_note,
)
from ledger.errors import LedgerError
from ledger.i18n import _
from ledger.keys import SigningKey

STATE_FORMAT = "shuangsui-monitor-state-v1"


class Source(Protocol):
    """Where a monitor reads a log."""

    name: str

    def checkpoint(self) -> str: ...

    def consistency(self, old: int, new: int) -> Sequence[bytes]: ...


@dataclass
class Observation:
    """What one poll found."""

    size: int
    root: bytes
    new: bool  # a checkpoint not seen before
    problems: list[str] = field(default_factory=list)
    forks: list[Path] = field(default_factory=list)

    def __bool__(self) -> bool:
        return not self.problems and not self.forks


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.new")
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


class Monitor:
    def __init__(self, folder: Path, key: SigningKey | None = None) -> None:
        self.folder = folder
        self.key = key

    # -- state --------------------------------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.folder / "monitor.json"

    def init(self, vkey: str) -> dict[str, Any]:
        try:
            verifier = NoteVerifier.from_vkey(vkey)
        except NoteError as exc:
            raise LedgerError(_("log verifier key {vkey!r}: {exc}", vkey=vkey, exc=exc)) from exc
        if self.state_path.exists():
            raise LedgerError(
                _(
                    "{state_path} already exists; a monitor keeps its history",
                    state_path=self.state_path,
                )
            )
        state = {"format": STATE_FORMAT, "origin": verifier.name, "vkey": vkey, "latest": None}
        _write(self.state_path, json.dumps(state, indent=2) + "\n")
        return state

    def state(self) -> dict[str, Any]:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LedgerError(
                _(
                    "{state_path}: no monitor state; give --log-vkey the first time",
                    state_path=self.state_path,
                )
            ) from None
        except (OSError, ValueError) as exc:
            raise LedgerError(
                _(
                    "{state_path}: unreadable monitor state: {exc}",
                    state_path=self.state_path,
                    exc=exc,
                )
            ) from exc
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise LedgerError(
                _("{state_path}: not a monitor state file", state_path=self.state_path)
            )
        return state

    def seen(self) -> dict[int, dict[bytes, str]]:
        """Every checkpoint kept: size -> root -> note."""
        found: dict[int, dict[bytes, str]] = {}
        folder = self.folder / "checkpoints"
        for path in sorted(folder.glob("*.checkpoint")) if folder.exists() else []:
            note = path.read_text(encoding="utf-8")
            checkpoint = parse_checkpoint(parse_note(note).text)
            found.setdefault(checkpoint.size, {})[checkpoint.root] = note
        return found

    def keep(self, checkpoint: Checkpoint, note: str) -> bool:
        path = (
            self.folder
            / "checkpoints"
            / f"{checkpoint.size:012d}-{checkpoint.root.hex()[:16]}.checkpoint"
        )
        if path.exists():
            return False
        _write(path, note)
        return True

    # -- one poll ---------------------------------------------------------------------------
    def poll(self, source: Source) -> Observation:
        state = self.state()
        verifier = NoteVerifier.from_vkey(state["vkey"])
        text = source.checkpoint()
        try:
            note = parse_note(text)
            verify_note(note, [verifier])
            checkpoint = parse_checkpoint(note.text)
        except NoteError as exc:
            raise LedgerError(
                _(
                    "{name}: not a checkpoint of {log}: {exc}",
                    name=source.name,
                    log=verifier.name,
                    exc=exc,
                )
            ) from exc
        if checkpoint.origin != verifier.name:
            raise LedgerError(
                _(
                    "{name}: a checkpoint of {origin}, not {log}",
                    name=source.name,
                    origin=checkpoint.origin,
                    log=verifier.name,
                )
            )
        seen = self.seen()
        new = self.keep(checkpoint, text)
        found = Observation(checkpoint.size, checkpoint.root, new)
        for root, other in seen.get(checkpoint.size, {}).items():
            if root != checkpoint.root:
                found.forks.append(self.fork_proof(state["vkey"], other, text, source.name))
        latest = state.get("latest")
        if latest is not None and not found.forks:
            old_size, old_root = int(latest["size"]), b64strict(latest["root"])
            if checkpoint.size < old_size:
                found.problems.append(
                    f"{source.name} serves a checkpoint of size {checkpoint.size}, older than the "
                    f"{old_size} already seen (a rollback, or a stale mirror)"
                )
                return found
            proof = source.consistency(old_size, checkpoint.size)
            if not verify_consistency(old_size, checkpoint.size, proof, old_root, checkpoint.root):
                found.problems.append(
                    f"the checkpoint of size {checkpoint.size} does not extend the one of size "
                    f"{old_size} seen before: the log was rewritten or forked"
                )
                return found
        if not found.forks:
            state["latest"] = {
                "size": checkpoint.size,
                "root": b64(checkpoint.root),
                "source": source.name,
                "at": _now(),
            }
            _write(self.state_path, json.dumps(state, indent=2) + "\n")
        return found

    def fork_proof(self, vkey: str, note_a: str, note_b: str, source: str) -> Path:
        """Write a fork proof for two checkpoints of one size; its path."""
        body: dict[str, Any] = fork_body(vkey, note_a, note_b, [{"source": source, "at": _now()}])
        monitor = None
        if self.key is not None:
            monitor = {
                "key": b64(self.key.public_key),
                "signature": b64(self.key.sign(fork_message(body))),
            }
        body["monitor"] = monitor
        roots = sorted(
            parse_checkpoint(parse_note(n).text).root.hex()[:8] for n in (note_a, note_b)
        )
        path = self.folder / "forks" / f"fork-{body['size']}-{roots[0]}-{roots[1]}.json"
        _write(path, json.dumps(body, ensure_ascii=False, indent=2) + "\n")
        return path
