"""What a monitor re-verifies (issue 11, part 3): every entry a checkpoint adds, with the
auditor's own rules, before the checkpoint is accepted.

A :class:`Follower` holds the log as the monitor verified it -- every entry from
position 1, kept in the monitor's folder as the entry lines of a full export bundle
(``entries.jsonl``) -- and the state those entries give: the chain checker's (keys,
nonces, time order, witness events, the state map), the Merkle frontier, and the replay's
log state. :meth:`Follower.extend` downloads the entries that follow, up to a checkpoint
the monitor has just found signed and consistent, and checks them exactly as ``verify``
does -- :func:`ledger.audit.signatures.verify_rows` (hashes, links, evidence, key
validity, nonces, seals and signatures), the entries' root against the checkpoint's, the
checkpoint's signature and cosigners against the verified key history, its
``shuangsui-state`` line against the state map the entries give (format 3), and
:mod:`ledger.replay` (each command's events are what it produces over the state before).

So an operator who serves a rewritten entry, withholds one, or signs a false state map
under a checkpoint is caught by the first monitor that downloads it, not only by a full
verification.

Invariants: a row is checked before it is replayed, and kept in ``entries.jsonl`` before
the checkpoint is accepted, but counts only up to the size the monitor's state records
as verified (:attr:`verified_bytes`): a tail left by a failed or interrupted run is cut
off when the follower is loaded again. After a failed :meth:`extend` the follower is
spent (its state holds what failed); load a new one from the folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ledger.audit.bundles import bundle_entry, entry_row
from ledger.audit.chain import ChainChecker
from ledger.audit.errors import BundleError, NoteError
from ledger.audit.evidence import RouteTable
from ledger.audit.hashing import MerkleFrontier
from ledger.audit.keystate import check_checkpoint
from ledger.audit.notes import Checkpoint
from ledger.audit.report import BAD_CHECKPOINT, MISSING_POSITION, ChainRow, Failure
from ledger.audit.signatures import verify_rows
from ledger.audit.statemap import StateMap, check_state_line
from ledger.audit.timing import check_checkpoint_times
from ledger.commanding import Registry
from ledger.errors import LedgerError
from ledger.i18n import _
from ledger.replay.verifier import Replayer, commands_of

ENTRIES_FILE = "entries.jsonl"
#: Entries asked for per request (the API's page limit).
PAGE = 1000


class EntrySource(Protocol):
    """Where a follower downloads entries: a running service's ``/api/v1/log/entries``
    (:class:`api.client.LogSource`) or, in tests, a ledger in the same process."""

    def entries(self, after: int, limit: int) -> Sequence[ChainRow]: ...


@dataclass
class Extension:
    """What one :meth:`Follower.extend` found; truthy when every check passed."""

    after: int
    size: int
    entries: int = 0
    commands: int = 0
    signatures: int = 0
    failure: Failure | None = None

    def __bool__(self) -> bool:
        return self.failure is None


def _fetch(source: EntrySource, after: int, size: int, page: int) -> Iterator[ChainRow]:
    """The entries after ``after`` up to ``size``, page by page; stops where the source
    stops (the checks then say what is missing)."""
    while after < size:
        rows = source.entries(after, min(page, size - after))
        if not rows:
            return
        yield from rows
        if rows[-1].position <= after:
            return  # a source going backwards: the checks have already refused it
        after = rows[-1].position


class Follower:
    """The log as this monitor verified it (see the module docstring)."""

    def __init__(self, folder: Path, routes: RouteTable, registry: Registry) -> None:
        self.path = folder / ENTRIES_FILE
        self.routes = routes
        self.checker = ChainChecker(routes)
        self.checker.state = StateMap()
        self.frontier = MerkleFrontier()
        self.replayer = Replayer(registry, routes)
        #: Length of ``entries.jsonl`` up to the last verified entry.
        self.verified_bytes = 0
        self.spent = False

    @property
    def size(self) -> int:
        return self.frontier.size

    # -- from the folder ------------------------------------------------------------------
    def load(self, size: int, length: int, progress: Callable[[int], None] | None = None) -> None:
        """Rebuild the state from the ``size`` entries kept (``length`` bytes), verified
        when they were downloaded: the chain checks again, without the signatures, and
        the replay state by applying the stored events, without re-running commands."""
        if size == 0:
            self.path.unlink(missing_ok=True)
            return
        try:
            with open(self.path, "r+b") as handle:
                handle.truncate(length)  # the tail of a failed or interrupted run
            with open(self.path, encoding="utf-8") as lines:
                rows = (entry_row(json.loads(line)) for line in lines)
                for group in commands_of(rows):
                    for row in group:
                        failure = self.checker.check(row)
                        if failure is not None:
                            raise LedgerError(
                                _(
                                    "{path}: the monitor's own copy fails at position "
                                    "{position}: {reason}",
                                    path=self.path,
                                    position=failure.position,
                                    reason=failure.reason,
                                )
                            )
                        self.frontier.append(row.entry_hash)
                    self.checker.jobs.clear()  # verified when downloaded
                    self.replayer.adopt(group)
                    if progress is not None:
                        progress(len(group))
        except (OSError, ValueError, BundleError) as exc:
            raise LedgerError(
                _("{path}: unreadable monitor copy: {exc}", path=self.path, exc=exc)
            ) from exc
        if self.size != size:
            raise LedgerError(
                _(
                    "{path} holds {held} entries, the monitor's state says {size}",
                    path=self.path,
                    held=self.size,
                    size=size,
                )
            )
        self.verified_bytes = length

    # -- what is new --------------------------------------------------------------------------
    def extend(
        self,
        source: EntrySource,
        checkpoint: Checkpoint,
        note: str,
        *,
        workers: int | None = None,
        progress: Callable[[int], None] | None = None,
        page: int = PAGE,
    ) -> Extension:
        """Download and verify the entries after :attr:`size` up to the checkpoint (see
        the module docstring); keep them when every check passes."""
        if self.spent:
            raise LedgerError(_("a follower is spent after a failure; load it again"))
        after, size = self.size, checkpoint.size
        found = Extension(after, size)
        checker = self.checker
        checker.state_sizes = {size}
        counted = checker.signatures  # the checker counts from position 1
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab") as kept:
            kept.truncate(self.verified_bytes)

            def served() -> Iterator[ChainRow]:
                for row in _fetch(source, after, size, page):
                    line = json.dumps(bundle_entry(row), ensure_ascii=False)
                    kept.write(line.encode("utf-8") + b"\n")
                    self.frontier.append(row.entry_hash)
                    yield row

            try:
                report = verify_rows(served(), checker=checker, workers=workers, progress=progress)
            except BundleError as exc:  # a line the service served is not an entry line
                self.spent = True
                found.failure = Failure(exc.position or self.size + 1, exc.reason, exc.detail)
                return found
            kept.flush()
            os.fsync(kept.fileno())
            length = kept.tell()
        found.entries, found.signatures = report.entries, report.signatures - counted
        found.failure = report.failure or self._against(checkpoint, note, report.size)
        if found.failure is None:
            found.failure = self._replay(found, progress)
        if found.failure is not None:
            self.spent = True
            return found
        self.verified_bytes = length
        return found

    def served(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The entry lines downloaded after the last verified one (a failed extension's,
        until the follower is loaded again), at most ``limit``."""
        with open(self.path, "rb") as handle:
            handle.seek(self.verified_bytes)
            for count, line in enumerate(handle):
                if limit is not None and count >= limit:
                    return
                loaded: dict[str, Any] = json.loads(line)
                yield loaded

    def _against(self, checkpoint: Checkpoint, note: str, last: int) -> Failure | None:
        """The verified entries against the checkpoint: its size, its root, its
        signature and cosigners (the key history), its times and its state line."""
        checker = self.checker
        size = checkpoint.size
        if self.size != size or last != size:
            return Failure(
                min(self.size, last) + 1,
                MISSING_POSITION,
                _(
                    "the service served entries up to position {last} for a checkpoint of "
                    "size {size}: entries withheld",
                    last=min(self.size, last),
                    size=size,
                ),
            )
        root = self.frontier.root()
        if root != checkpoint.root:
            return Failure(
                size,
                BAD_CHECKPOINT,
                _(
                    "the entries served do not give the checkpoint's root: an entry "
                    "rewritten, withheld or added"
                ),
            )
        try:
            __, cosigners = check_checkpoint(note, checker.keys, checker.origin, root)
            check_state_line(checkpoint, checker.format, checker.state_roots.get(size))
        except NoteError as exc:
            return Failure(
                size, BAD_CHECKPOINT, _("checkpoint of size {size}: {exc}", size=size, exc=exc)
            )
        return check_checkpoint_times(checker.format, checker.times, size, note, cosigners)

    def _replay(self, found: Extension, progress: Callable[[int], None] | None) -> Failure | None:
        """Replay the new commands over the state the earlier ones give."""
        for group in commands_of(entry_row(line) for line in self.served()):
            failure = self.replayer.command(group)
            if failure is not None:
                return failure
            found.commands += 1
            if progress is not None:
                progress(len(group))
        return None
