"""A witness: an independent party that cosigns checkpoints it has seen grow.

Follows C2SP ``tlog-witness`` (``add-checkpoint``) and ``tlog-cosignature``
(``cosignature/v1``). The witness keeps, per log origin, the log's verifier key and
the latest checkpoint it cosigned, in its own state file. A request is an ``old N``
line, consistency-proof lines, a blank line and the checkpoint. Invariants: the
old-size check and the write of the new state happen under one exclusive file lock,
and the state is replaced atomically (write, fsync, rename), so no two requests can
roll the witness back; a checkpoint is cosigned only if it is signed by the log's
known key and provably extends the last one cosigned.

Errors carry the HTTP status ``tlog-witness`` assigns them, so the API can return
them unchanged; the CLI prints them.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.audit.errors import NoteError
from ledger.audit.hashing import verify_consistency
from ledger.audit.notes import (
    NOTE_COSIGNATURE,
    NoteSignature,
    NoteVerifier,
    b64,
    b64strict,
    cosigned_message,
    parse_checkpoint,
    parse_note,
    valid_note_name,
    verify_note,
)
from ledger.errors import LedgerError
from ledger.i18n import _
from ledger.keys import SigningKey

STATE_FORMAT = "shuangsui-witness-state-v1"
MAX_PROOF_LINES = 63
#: Entries of a ledger's genesis command (the genesis, the office key, the ledger key):
#: a witness given no trusted checkpoint first cosigns the log at exactly this size, so
#: it has seen the log from its start (issue 11.3: no first contact at any other size).
GENESIS_SIZE = 3


class WitnessError(LedgerError):
    """A refused add-checkpoint request; ``status`` is tlog-witness's HTTP status."""

    code = "witness-refused"

    def __init__(self, status: int, message: str, known_size: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.known_size = known_size


@dataclass
class Witness:
    """A witness's identity and state file; the key signs cosignatures."""

    state_path: Path
    key: SigningKey

    @staticmethod
    def create(
        state_path: Path, name: str, log_vkeys: list[str], trusted: list[str] | None = None
    ) -> dict[str, Any]:
        """Write a new state file trusting the given log verifier keys.

        ``trusted``: checkpoint notes the witness already trusts (one per log at most),
        each signed by its log's key; the witness then continues from that checkpoint.
        Without one, the first checkpoint it cosigns must be the genesis's
        (:data:`GENESIS_SIZE` entries)."""
        if not valid_note_name(name):
            raise LedgerError(_("a witness name has no spaces or '+' (a schema-less URL)"))
        logs: dict[str, Any] = {}
        for vkey in log_vkeys:
            try:
                verifier = NoteVerifier.from_vkey(vkey)
            except NoteError as exc:
                raise LedgerError(
                    _("log verifier key {vkey!r}: {exc}", vkey=vkey, exc=exc)
                ) from exc
            logs[verifier.name] = {
                "vkey": verifier.vkey,
                "size": 0,
                "root": None,
                "checkpoint": None,
                "first": GENESIS_SIZE,
            }
        for text in trusted or []:
            try:
                note = parse_note(text)
                checkpoint = parse_checkpoint(note.text)
                log = logs.get(checkpoint.origin)
                if log is None:
                    raise LedgerError(
                        _(
                            "the trusted checkpoint is of {origin!r}, not a log given",
                            origin=checkpoint.origin,
                        )
                    )
                verify_note(note, [NoteVerifier.from_vkey(log["vkey"])])
            except NoteError as exc:
                raise LedgerError(_("trusted checkpoint: {exc}", exc=exc)) from exc
            log.update(
                size=checkpoint.size,
                root=b64(checkpoint.root),
                checkpoint=note.text,
                first=checkpoint.size,
            )
        state = {"format": STATE_FORMAT, "name": name, "logs": logs}
        if state_path.exists():
            raise LedgerError(
                _("{state_path} already exists; refusing to reset a witness", state_path=state_path)
            )
        _write_atomically(state_path, state)
        return state

    def verifier(self, name: str) -> NoteVerifier:
        return NoteVerifier(name, self.key.public_key, NOTE_COSIGNATURE)

    @contextmanager
    def _locked_state(self) -> Iterator[dict[str, Any]]:
        lock_path = self.state_path.with_name(self.state_path.name + ".lock")
        with open(lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield _read_state(self.state_path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add_checkpoint(self, request: str, *, now: int | None = None) -> str:
        """Handle a tlog-witness add-checkpoint request; return cosignature lines."""
        old, proof, note_text = _parse_request(request)
        try:
            note = parse_note(note_text)
            checkpoint = parse_checkpoint(note.text)
        except NoteError as exc:
            raise WitnessError(400, _("not a checkpoint: {exc}", exc=exc)) from exc
        with self._locked_state() as state:
            log = state["logs"].get(checkpoint.origin)
            if log is None:
                raise WitnessError(
                    404, _("unknown log origin {origin!r}", origin=checkpoint.origin)
                )
            try:
                verify_note(note, [NoteVerifier.from_vkey(log["vkey"])])
            except NoteError as exc:
                raise WitnessError(
                    403, _("checkpoint not signed by the log's key: {exc}", exc=exc)
                ) from exc
            if old > checkpoint.size:
                raise WitnessError(
                    400,
                    _(
                        "old size {old} is larger than the checkpoint's {size}",
                        old=old,
                        size=checkpoint.size,
                    ),
                )
            if old != log["size"]:
                raise WitnessError(
                    409,
                    _(
                        "old size {old} is not the last cosigned size {size}",
                        old=old,
                        size=log["size"],
                    ),
                    known_size=log["size"],
                )
            if old == checkpoint.size:
                if log["root"] is not None and b64(checkpoint.root) != log["root"]:
                    raise WitnessError(
                        409, _("fork: size {old} was cosigned with another root", old=old)
                    )
            elif old and not verify_consistency(
                old, checkpoint.size, proof, b64strict(log["root"]), checkpoint.root
            ):
                raise WitnessError(
                    422,
                    _(
                        "the log of size {size} does not extend the checkpoint of size {old} "
                        "(fork or rewrite)",
                        size=checkpoint.size,
                        old=old,
                    ),
                )
            elif not old and proof:
                raise WitnessError(422, _("a proof from size 0 must be empty"))
            first = log.get("first", GENESIS_SIZE)
            if log["root"] is None and checkpoint.size != first:
                raise WitnessError(
                    409,
                    _(
                        "first contact at size {size}: this witness starts from the log's "
                        "genesis (size {first}); give it a trusted checkpoint at 'witness init' "
                        "to start later",
                        size=checkpoint.size,
                        first=first,
                    ),
                    known_size=log["size"],
                )
            timestamp = int(time.time()) if now is None else now
            signature = self.key.sign(cosigned_message(note.text, timestamp))
            verifier = self.verifier(state["name"])
            line = NoteSignature(
                verifier.name, verifier.key_id, timestamp.to_bytes(8, "big") + signature
            ).line
            log.update(size=checkpoint.size, root=b64(checkpoint.root), checkpoint=note.text)
            _write_atomically(self.state_path, state)
        return line


def _parse_request(request: str) -> tuple[int, list[bytes], str]:
    head, sep, checkpoint = request.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines[0].startswith("old "):
        raise WitnessError(400, _("a request starts with 'old N', proof lines and a blank line"))
    size_text = lines[0][4:]
    if not (size_text.isascii() and size_text.isdigit()) or (
        size_text != "0" and size_text.startswith("0")
    ):
        raise WitnessError(400, _("old size {size_text!r} is not a decimal", size_text=size_text))
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessError(
            400, _("more than {max_proof_lines} proof lines", max_proof_lines=MAX_PROOF_LINES)
        )
    try:
        proof = [b64strict(line, _("proof line")) for line in lines[1:]]
    except NoteError as exc:
        raise WitnessError(400, str(exc)) from exc
    if any(len(h) != 32 for h in proof):
        raise WitnessError(400, _("a proof line is not a 32-byte hash"))
    return int(size_text), proof, checkpoint


def _read_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LedgerError(
            _("{path}: no witness state; run 'shuangsui witness init'", path=path)
        ) from None
    except (OSError, ValueError) as exc:
        raise LedgerError(_("{path}: unreadable witness state: {exc}", path=path, exc=exc)) from exc
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise LedgerError(_("{path}: not a witness state file", path=path))
    return state


def _write_atomically(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.new")
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(state, ensure_ascii=False, indent=2) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def request_text(consistency: str, checkpoint_note: str) -> str:
    """Join ``old N`` + proof lines (from ``shuangsui consistency``) and a checkpoint."""
    return consistency.rstrip("\n") + "\n\n" + checkpoint_note
