"""A monitor: follows a log's checkpoints, keeps every one it has seen, checks each new
one is consistent with the last, re-verifies the entries it adds, and turns two roots
for one size into a fork proof (issue 11, part 3; :mod:`ledger.audit.forks` checks the
proof offline).

The monitor's state is a folder: ``monitor.json`` (the log's pinned verifier key, the
latest checkpoint it accepted and how far it verified the entries), ``checkpoints/``
(every checkpoint seen, one file per size and root, never deleted), ``forks/`` (the
fork and inconsistency proofs it wrote, and its signed records of a checkpoint it could
not prove either way offline, each saying why), ``entries.jsonl`` (every entry it
verified, from position 1: :mod:`ledger.transparency.follow`) and ``findings/`` (what
a re-verification caught, each a signed, self-contained record). A :class:`Source` is
where checkpoints, consistency proofs and entries come from: a running service
(:class:`api.client.LogSource`) or, in tests, a ledger in the same process.

Invariants: a checkpoint is kept only once it verifies under the pinned key; state is
written atomically; a checkpoint that does not extend the latest accepted one, or
(re-verifying) whose entries fail the auditor's checks, is never accepted (the latest
stays), and is reported.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ledger.audit.errors import NoteError
from ledger.audit.evidence import RouteTable
from ledger.audit.forks import (
    ENTRIES_OTHER_ROOT,
    ENTRIES_SHORT,
    ENTRIES_UNREADABLE,
    fork_body,
    fork_message,
    inconsistency_body,
    unproved_reason,
)
from ledger.audit.hashing import MerkleFrontier, consistency_roots, verify_consistency
from ledger.audit.notes import (
    Checkpoint,
    NoteVerifier,
    b64,
    b64strict,
    parse_checkpoint,
    parse_note,
    verify_note,
)
from ledger.audit.receipts import canonical_json
from ledger.audit.report import ChainRow
from ledger.commanding import Registry
from ledger.errors import LedgerError
from ledger.i18n import _
from ledger.keys import SigningKey
from ledger.storage.merkle import consistency_ranges
from ledger.transparency.follow import Extension, Follower

STATE_FORMAT = "shuangsui-monitor-state-v1"
FINDING_FORMAT = "shuangsui-monitor-finding-v1"
FINDING_SIGNATURE_CONTEXT = b"shuangsui/monitor-finding/v1\n"
#: Entry lines a finding carries at most (from the first one not verified).
FINDING_ENTRIES = 10_000


#: Progress reporting: called with a label and a total, it returns the update function.
Progress = Callable[[str, int], Callable[[int], None]]


class Source(Protocol):
    """Where a monitor reads a log."""

    name: str

    def checkpoint(self) -> str: ...

    def consistency(self, old: int, new: int) -> Sequence[bytes]: ...

    def entries(self, after: int, limit: int) -> Sequence[ChainRow]: ...


@dataclass
class Observation:
    """What one poll found."""

    size: int
    root: bytes
    new: bool  # a checkpoint not seen before
    problems: list[str] = field(default_factory=list)
    forks: list[Path] = field(default_factory=list)
    #: The entries re-verified up to this checkpoint (None: none were new, or not asked).
    extension: Extension | None = None
    findings: list[Path] = field(default_factory=list)
    #: The checkpoint without the witness quorum of the policy the log records (as
    #: ``verify`` judges it; None: it has it, or it was not judged -- not re-verifying).
    unwitnessed: str | None = None
    #: Whether the quorum was judged (the log's key and policy history are known).
    witnessing_judged: bool = False

    def __bool__(self) -> bool:
        return not self.problems and not self.forks and not self.findings


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
    """``routes`` and ``registry`` (the ledger's route table and command registry) turn
    on re-verification: each new checkpoint is accepted only once the entries it adds
    pass the auditor's checks and replay (:class:`~ledger.transparency.follow.Follower`)."""

    def __init__(
        self,
        folder: Path,
        key: SigningKey | None = None,
        *,
        routes: RouteTable | None = None,
        registry: Registry | None = None,
        workers: int | None = None,
    ) -> None:
        self.folder = folder
        self.key = key
        self.routes, self.registry, self.workers = routes, registry, workers
        self._follower: Follower | None = None
        #: The size and frontier verified before the running extension (for a finding).
        self._before: tuple[int, list[tuple[int, int, bytes]]] = (0, [])

    @property
    def reverifying(self) -> bool:
        return self.routes is not None and self.registry is not None

    def follower(self, progress: Progress | None = None) -> Follower:
        """The log as this monitor verified it, loaded from its folder once."""
        verified = self.state().get("verified") or {"size": 0, "bytes": 0}
        size = int(verified["size"])
        # Another run on this folder may have verified further since this one loaded.
        if self._follower is None or self._follower.spent or self._follower.size != size:
            assert self.routes is not None and self.registry is not None
            follower = Follower(self.folder, self.routes, self.registry)
            update = progress("loading", size) if progress is not None and size else None
            follower.load(size, int(verified["bytes"]), update)
            self._follower = follower
        return self._follower

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

    def trust(self, note: str) -> Checkpoint:
        """Start from a checkpoint the auditor already trusts (held from an earlier
        audit, a witness, a receipt): it must verify under the pinned key, and becomes
        the latest accepted, so the first checkpoint served must extend it (consistency
        from it, not from entry 0). Only for a folder that has accepted none yet, or
        this very one."""
        state = self.state()
        checkpoint = _checkpoint_of(
            note, NoteVerifier.from_vkey(state["vkey"]), _("the trusted checkpoint")
        )
        latest = state.get("latest")
        if latest is not None:
            if (int(latest["size"]), latest["root"]) != (checkpoint.size, b64(checkpoint.root)):
                raise LedgerError(
                    _(
                        "{folder} already follows the log from the checkpoint of size "
                        "{size}; a trusted checkpoint starts a new monitor folder",
                        folder=self.folder,
                        size=latest["size"],
                    )
                )
            return checkpoint
        self.keep(checkpoint, note)
        state["latest"] = {
            "size": checkpoint.size,
            "root": b64(checkpoint.root),
            "source": "trusted",
            "at": _now(),
        }
        _write(self.state_path, json.dumps(state, indent=2) + "\n")
        return checkpoint

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
    def poll(self, source: Source, progress: Progress | None = None) -> Observation:
        state = self.state()
        verifier = NoteVerifier.from_vkey(state["vkey"])
        text = source.checkpoint()
        checkpoint = _checkpoint_of(text, verifier, source.name)
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
                    _(
                        "{source} serves a checkpoint of size {size}, older than the {old} "
                        "already seen (a rollback, or a stale mirror)",
                        source=source.name,
                        size=checkpoint.size,
                        old=old_size,
                    )
                )
                return found
            try:
                proof = list(source.consistency(old_size, checkpoint.size))
            except ValueError:
                proof = []  # an answer holding no proof: the entries may still settle it
            if not verify_consistency(old_size, checkpoint.size, proof, old_root, checkpoint.root):
                older = seen.get(old_size, {}).get(old_root)
                if older is None:
                    found.problems.append(
                        _(
                            "the checkpoint of size {size} is not proved to extend the one "
                            "of size {old} accepted before, which is no longer in {folder}: "
                            "no offline proof",
                            size=checkpoint.size,
                            old=old_size,
                            folder=self.folder / "checkpoints",
                        )
                    )
                    return found
                judged = self.inconsistency_proof(state["vkey"], older, text, proof, source)
                if judged is not None:
                    written, unproved = judged
                    found.forks.append(written)
                    found.problems.append(
                        _(
                            "the checkpoint of size {size} does not extend the one of size "
                            "{old} seen before: the log was rewritten or forked",
                            size=checkpoint.size,
                            old=old_size,
                        )
                        if unproved is None
                        else _(
                            "the service does not prove that the checkpoint of size {size} "
                            "extends the one of size {old} seen before, and its entries do "
                            "not settle it: {why}",
                            size=checkpoint.size,
                            old=old_size,
                            why=unproved,
                        )
                    )
                    return found
                # The entries the service serves give both signed roots: the checkpoint
                # does extend the last one; only the service's proof was wrong.
        if not found.forks and self.reverifying:
            extension = self.reverify(source, state, checkpoint, text, progress)
            if extension is not None:
                found.extension = extension
                if not extension:
                    found.findings.append(self.finding(state, text, extension, source.name))
                    failure = extension.failure
                    assert failure is not None
                    found.problems.append(
                        _(
                            "the entries up to the checkpoint of size {size} fail "
                            "re-verification at position {position}: {reason} ({detail})",
                            size=checkpoint.size,
                            position=failure.position,
                            reason=failure.reason,
                            detail=failure.detail,
                        )
                    )
                    return found
        if not found.forks and self.reverifying and self._follower is not None:
            self.judge_witnessing(found, checkpoint, text)
        if not found.forks:
            state["latest"] = {
                "size": checkpoint.size,
                "root": b64(checkpoint.root),
                "source": source.name,
                "at": _now(),
            }
            _write(self.state_path, json.dumps(state, indent=2) + "\n")
        return found

    def judge_witnessing(self, found: Observation, checkpoint: Checkpoint, note: str) -> None:
        """Whether the checkpoint has the witness quorum of the policy the log records,
        by the rule ``verify`` applies (:meth:`ledger.audit.witnessing.Witnessing.assess`,
        over the key and policy history the monitor verified)."""
        follower = self._follower
        if follower is None or follower.spent or checkpoint.size > follower.size:
            return
        checker = follower.checker
        quorum = checker.witnessing.assess(
            {checkpoint.size: note}, checker.keys, ledger_format=checker.format
        )
        found.witnessing_judged = quorum.required
        judged = next((c for c in quorum.checkpoints if c.size == checkpoint.size), None)
        if quorum.required and judged is not None and not judged.ok:
            found.unwitnessed = judged.describe()

    def inconsistency_proof(
        self, vkey: str, older: str, newer: str, proof: Sequence[bytes], source: Source
    ) -> tuple[Path, str | None] | None:
        """Write what shows that the checkpoint ``newer`` does not extend ``older``: a
        self-contained proof (:mod:`ledger.audit.forks`) whose consistency path gives
        the new signed root and another root for the old size. The path the service
        served, when it does that; else -- the old size a power of two (the RFC's path
        then leaves out the subtree the old tree is) or a path that gives no root --
        one made from the entries the service serves (a signed read), if they give the
        new signed root. Where nothing can be proved offline (the entries cannot be
        read, are fewer, or give another root), a record the monitor signs, marked
        ``unproved`` with the reason, which ``verify-fork`` names and does not take
        for a proof. The file and, for such a record, why it proves nothing; None when
        the served entries show that ``newer`` does extend ``older`` (the service's
        proof alone was wrong)."""
        old = parse_checkpoint(parse_note(older).text)
        new = parse_checkpoint(parse_note(newer).text)
        path = list(proof)
        power_of_two = old.size & (old.size - 1) == 0
        if not power_of_two:
            roots = consistency_roots(old.size, new.size, path)
            if roots is not None and roots[1] == new.root and roots[0] != old.root:
                return self._write_inconsistency(vkey, older, newer, path, source.name), None
        try:
            leaves = [row.entry_hash for row in _served_rows(source, new.size)]
        except Exception as exc:  # whatever the service answers (or fails to): say why
            return self._unproved(
                vkey, older, newer, path, source.name, ENTRIES_UNREADABLE, str(exc)
            )
        if power_of_two and len(leaves) >= old.size:
            # The served path with the old subtree the entries give in front of it.
            with_subtree = [_subtree(leaves, 0, old.size), *path]
            roots = consistency_roots(old.size, new.size, with_subtree)
            if roots is not None and roots[1] == new.root:
                if roots[0] == old.root:
                    return None
                written = self._write_inconsistency(vkey, older, newer, with_subtree, source.name)
                return written, None
        if len(leaves) < new.size:
            detail = f"{len(leaves)} of {new.size}"
            return self._unproved(vkey, older, newer, path, source.name, ENTRIES_SHORT, detail)
        if _subtree(leaves, 0, new.size) != new.root:
            return self._unproved(vkey, older, newer, path, source.name, ENTRIES_OTHER_ROOT, "")
        # The served entries are the new signed tree: the path from its own nodes.
        own = [_subtree(leaves, a, b) for a, b in consistency_ranges(old.size, new.size)]
        if power_of_two:
            own.insert(0, _subtree(leaves, 0, old.size))
        roots = consistency_roots(old.size, new.size, own)
        if roots is None or roots[1] != new.root or roots[0] == old.root:
            return None
        return self._write_inconsistency(vkey, older, newer, own, source.name), None

    def _write_inconsistency(
        self,
        vkey: str,
        older: str,
        newer: str,
        path: list[bytes],
        source: str,
        unproved: dict[str, str] | None = None,
    ) -> Path:
        old = parse_checkpoint(parse_note(older).text)
        new = parse_checkpoint(parse_note(newer).text)
        body = inconsistency_body(vkey, older, newer, path, [{"source": source, "at": _now()}])
        prefix = "inconsistent"
        if unproved is not None:
            body["unproved"] = unproved
            prefix = "unproved"
        body["monitor"] = self._signed(fork_message(body))
        where = self.folder / "forks" / f"{prefix}-{old.size}-{new.size}-{new.root.hex()[:8]}.json"
        _write(where, json.dumps(body, ensure_ascii=False, indent=2) + "\n")
        return where

    def _unproved(
        self,
        vkey: str,
        older: str,
        newer: str,
        path: list[bytes],
        source: str,
        reason: str,
        detail: str,
    ) -> tuple[Path, str]:
        """The monitor's signed record of a checkpoint not proved to extend the older
        one, with the path as served, and why no offline proof could be made."""
        unproved = {"reason": reason, "detail": detail}
        written = self._write_inconsistency(vkey, older, newer, path, source, unproved)
        return written, unproved_reason(unproved)

    def _signed(self, message: bytes) -> dict[str, str] | None:
        if self.key is None:
            return None
        return {"key": b64(self.key.public_key), "signature": b64(self.key.sign(message))}

    def reverify(
        self,
        source: Source,
        state: dict[str, Any],
        checkpoint: Checkpoint,
        note: str,
        progress: Progress | None,
    ) -> Extension | None:
        """Download and verify what the checkpoint adds to what this monitor verified;
        None when it adds nothing."""
        follower = self.follower(progress)
        if checkpoint.size <= follower.size:
            return None
        self._before = (follower.size, list(follower.frontier.nodes))
        # Each new entry is counted twice: checked, then replayed.
        update = (
            progress("re-verifying", 2 * (checkpoint.size - follower.size)) if progress else None
        )
        extension = follower.extend(source, checkpoint, note, workers=self.workers, progress=update)
        if extension:
            state["verified"] = {
                "size": follower.size,
                "root": b64(checkpoint.root),
                "bytes": follower.verified_bytes,
            }
        return extension

    def finding(self, state: dict[str, Any], note: str, extension: Extension, source: str) -> Path:
        """Write what a re-verification caught: the log-signed checkpoint, the failure,
        the frontier of what was verified before (so the root of the entries served can
        be recomputed from them) and the entry lines served up to the failure; signed
        by the monitor's key. Its path."""
        failure = extension.failure
        assert failure is not None and self._follower is not None
        size, nodes = self._before
        upto = failure.position - size
        lines = list(self._follower.served(max(0, min(upto, FINDING_ENTRIES))))
        body: dict[str, Any] = {
            "format": FINDING_FORMAT,
            "vkey": state["vkey"],
            "checkpoint": note,
            "verified": {
                "size": size,
                "frontier": [[level, index, b64(h)] for level, index, h in nodes],
            },
            "failure": {
                "position": failure.position,
                "reason": failure.reason,
                "detail": failure.detail,
            },
            "entries": lines,
            "observed": [{"source": source, "at": _now()}],
        }
        monitor = None
        if self.key is not None:
            monitor = {
                "key": b64(self.key.public_key),
                "signature": b64(self.key.sign(FINDING_SIGNATURE_CONTEXT + canonical_json(body))),
            }
        body["monitor"] = monitor
        checkpoint = parse_checkpoint(parse_note(note).text)
        path = (
            self.folder
            / "findings"
            / f"finding-{checkpoint.size}-{checkpoint.root.hex()[:8]}-{failure.position}.json"
        )
        _write(path, json.dumps(body, ensure_ascii=False, indent=1) + "\n")
        return path

    def fork_proof(self, vkey: str, note_a: str, note_b: str, source: str) -> Path:
        """Write a fork proof for two checkpoints of one size; its path."""
        body: dict[str, Any] = fork_body(vkey, note_a, note_b, [{"source": source, "at": _now()}])
        body["monitor"] = self._signed(fork_message(body))
        roots = sorted(
            parse_checkpoint(parse_note(n).text).root.hex()[:8] for n in (note_a, note_b)
        )
        path = self.folder / "forks" / f"fork-{body['size']}-{roots[0]}-{roots[1]}.json"
        _write(path, json.dumps(body, ensure_ascii=False, indent=2) + "\n")
        return path


def _subtree(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    """RFC 9162 MTH of the leaf hashes ``leaves[start:end]``."""
    frontier = MerkleFrontier()
    for leaf in leaves[start:end]:
        frontier.append(leaf)
    return frontier.root()


def _served_rows(source: Source, size: int) -> list[ChainRow]:
    """The entries 1..``size`` as the source serves them (fewer if it stops)."""
    rows: list[ChainRow] = []
    while len(rows) < size:
        page = source.entries(len(rows), min(1000, size - len(rows)))
        if not page or page[0].position != len(rows) + 1:
            break
        rows.extend(page)
    return rows[:size]


def _checkpoint_of(text: str, verifier: NoteVerifier, name: str) -> Checkpoint:
    """A checkpoint of the pinned log: signed by its key, of its origin."""
    try:
        note = parse_note(text)
        verify_note(note, [verifier])
        checkpoint = parse_checkpoint(note.text)
    except NoteError as exc:
        raise LedgerError(
            _(
                "{name}: not a checkpoint of {log}: {exc}",
                name=name,
                log=verifier.name,
                exc=exc,
            )
        ) from exc
    if checkpoint.origin != verifier.name:
        raise LedgerError(
            _(
                "{name}: a checkpoint of {origin}, not {log}",
                name=name,
                origin=checkpoint.origin,
                log=verifier.name,
            )
        )
    return checkpoint
