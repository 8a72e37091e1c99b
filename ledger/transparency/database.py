"""The *database* check: verify the ledger where it is stored, built on :mod:`ledger.audit`.

This is not the auditor's verifier. :mod:`ledger.audit` holds the rules (standard
library and PyNaCl only) and checks an export bundle with no database; this module
reads the rows out of the ledger's own database, hands them to those same rules
(:func:`ledger.audit.signatures.verify_rows`, with the ledger's route table), and adds
what only the database can show: the stored Merkle tree, events stored without a
chain row, and the stored checkpoints.

* :func:`verify_ledger` reads the whole chain (joined with the events) in pages and
  feeds it to :func:`~ledger.audit.signatures.verify_rows`; then it looks for events
  stored without a chain row (only a direct write to the table can produce one) and
  checks every stored checkpoint against the roots the verified entries give.
* :func:`verify_since` starts from a checkpoint the auditor already trusts: it proves
  the current log extends it (RFC 9162 consistency proof), proves the entries it
  needs from before it (the key history, the last entry) into the trusted root, and
  then verifies only what was appended after it.
* :func:`replay_ledger` re-runs every signed command over the state before it and
  compares the events with the stored ones (:mod:`ledger.replay`, issue 11.1); run it
  after :func:`verify_ledger` accepted the chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ledger.application import Ledger
from ledger.audit.chain import ChainChecker
from ledger.audit.errors import NoteError
from ledger.audit.hashing import MerkleFrontier, leaf_hash, verify_consistency, verify_inclusion
from ledger.audit.keystate import check_checkpoint
from ledger.audit.notes import parse_checkpoint, parse_note
from ledger.audit.report import (
    BAD_CHECKPOINT,
    BAD_PROOF,
    BAD_TREE,
    UNCHAINED_EVENT,
    ChainRow,
    Failure,
    Report,
)
from ledger.audit.signatures import verify_rows
from ledger.audit.statemap import StateMap, check_state_line, empty_root
from ledger.audit.timing import check_checkpoint_times
from ledger.audit.witnessing import WITNESS_TOPICS
from ledger.errors import ConflictError, ValidationError
from ledger.replay import ReplayReport, replay
from ledger.storage.merkle import load_frontier

PAGE = 5000


def iter_chain(ledger: Ledger, after: int = 0, page: int = PAGE) -> Iterator[ChainRow]:
    for rows in iter_pages(ledger, after, page):
        yield from rows


def iter_pages(ledger: Ledger, after: int = 0, page: int = PAGE) -> Iterator[list[ChainRow]]:
    while True:
        rows = ledger.select_chain(after, page)
        if rows:
            yield rows
        if len(rows) < page:
            return
        after = rows[-1].position


class _TreeCheck:
    """Grows a Merkle frontier from the entries as they are read and compares every
    node it completes with the stored tree, so proofs served from the tree are proofs
    about these entries. Roots at ``sizes`` are kept for checkpoint checks."""

    def __init__(self, ledger: Ledger, frontier: MerkleFrontier, sizes: set[int]) -> None:
        self.ledger = ledger
        self.frontier = frontier
        self.sizes = sizes
        self.roots: dict[int, bytes] = {}
        self.failure: Failure | None = None

    def rows(self, pages: Iterator[list[ChainRow]]) -> Iterator[ChainRow]:
        for page in pages:
            completed: list[tuple[int, tuple[int, int, bytes]]] = []
            for row in page:
                completed += [(row.position, n) for n in self.frontier.append(row.entry_hash)]
                if self.frontier.size in self.sizes:
                    self.roots[self.frontier.size] = self.frontier.root()
            stored = self.ledger.chain.nodes([(level, idx) for _, (level, idx, _) in completed])
            for position, (level, idx, h) in completed:
                if self.failure is None and stored.get((level, idx)) != h:
                    self.failure = Failure(
                        position, BAD_TREE, f"stored tree node ({level}, {idx}) differs"
                    )
            # Every row still goes to the chain checks: an earlier failure there (a
            # missing row shifts every later leaf) is the one to report.
            yield from page

    def merge(self, report: Report) -> None:
        if self.failure is not None and (
            report.failure is None or self.failure.position < report.failure.position
        ):
            report.failure = self.failure


def verify_ledger(
    ledger: Ledger,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check the whole ledger in its database: every entry (the rules of
    :mod:`ledger.audit`), the stored tree, unchained events, every stored checkpoint."""
    sizes = set(ledger.chain.checkpoint_sizes())
    tree = _TreeCheck(ledger, MerkleFrontier(), sizes)
    checker = ChainChecker(ledger.routes)
    checker.state, checker.state_sizes = StateMap(), sizes
    report = verify_rows(
        tree.rows(iter_pages(ledger)), checker=checker, workers=workers, progress=progress
    )
    tree.merge(report)
    if report:
        unchained = ledger.chain.first_unchained_event(report.size)
        if unchained is not None:
            notification_id, before = unchained
            report.failure = Failure(
                before + 1,
                UNCHAINED_EVENT,
                f"stored event with notification id {notification_id} has no chain row",
            )
    if report:
        report.failure = _check_checkpoints(ledger, sorted(sizes), tree.roots, report, checker)
    if report:
        report.failure = _check_witnessing(ledger, sorted(sizes), report)
    return report


def replay_ledger(ledger: Ledger, *, progress: Callable[[int], None] | None = None) -> ReplayReport:
    """Replay every command of the ledger (see :mod:`ledger.replay`)."""
    return replay(iter_chain(ledger), ledger.registry, ledger.routes, progress=progress)


def _check_witnessing(ledger: Ledger, sizes: list[int], report: Report) -> Failure | None:
    """Judge the quorum of every checkpoint (stored or recorded in the log); a recorded
    checkpoint must have the root the verified tree gives (else the log forked)."""
    for size, note in sorted(report.witnessing.recorded.items()):
        if size > report.size:
            return Failure(
                size, BAD_CHECKPOINT, f"recorded checkpoint of size {size} is beyond the log"
            )
        try:
            recorded = parse_checkpoint(parse_note(note).text)
        except NoteError as exc:
            return Failure(size, BAD_CHECKPOINT, f"recorded checkpoint of size {size}: {exc}")
        if recorded.root != ledger.transparency.root(size):
            return Failure(
                size,
                BAD_CHECKPOINT,
                f"the checkpoint of size {size} recorded in the log has another root: a fork",
            )
    notes = {size: ledger.transparency.note(size) for size in sizes if size <= report.size}
    report.quorum = report.witnessing.assess(notes, report.keys, ledger_format=report.ledger_format)
    return None


def _check_checkpoints(
    ledger: Ledger,
    sizes: list[int],
    roots: dict[int, bytes],
    report: Report,
    checker: ChainChecker,
) -> Failure | None:
    """Every stored checkpoint: signed, cosigned by registered witnesses, the entries'
    root; from format 2 the commands' times agree with the cosignature times."""
    for size in sizes:
        if size not in roots:
            return Failure(size, BAD_CHECKPOINT, f"a checkpoint of size {size} is beyond the log")
        note = ledger.transparency.note(size)
        try:
            checkpoint, cosigners = check_checkpoint(note, report.keys, report.origin, roots[size])
            check_state_line(
                checkpoint, checker.format, checker.state_roots.get(size) if size else empty_root()
            )
        except NoteError as exc:
            return Failure(size, BAD_CHECKPOINT, f"checkpoint of size {size}: {exc}")
        if checkpoint.size != size:
            return Failure(
                size, BAD_CHECKPOINT, f"the checkpoint stored as size {size} says {checkpoint.size}"
            )
        report.checkpoints[size] = cosigners
        late = check_checkpoint_times(checker.format, checker.times, size, note, cosigners)
        if late is not None:
            return late
    return None


def verify_since(
    ledger: Ledger,
    note_text: str,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Verify what was appended after a trusted checkpoint, and that the log extends it.

    Nonce reuse is checked among the new entries (and by the database's index), not
    against commands before the checkpoint, which this check deliberately does not read.
    """
    transparency = ledger.transparency
    try:
        checkpoint, size = transparency.extends(note_text)
    except (ConflictError, ValidationError) as exc:
        return Report(failure=Failure(0, BAD_CHECKPOINT, exc.message))
    trusted = checkpoint.size
    # Made before sizes inside a command were refused: say so, not a proof error.
    transparency.require_command_boundary(trusted)
    history = ChainChecker(ledger.routes, sparse=True)
    anchor: ChainRow | None = None
    wanted = set(ledger.chain.positions_of_topics(WITNESS_TOPICS)) | (
        {trusted} if trusted else set()
    )
    for row in transparency.slice_rows(wanted, trusted):
        proof = transparency.inclusion_proof(row.position, trusted)
        if not verify_inclusion(
            leaf_hash(row.entry), row.position - 1, trusted, proof, checkpoint.root
        ):
            return Report(
                failure=Failure(row.position, BAD_PROOF, "entry is not in the trusted checkpoint")
            )
        failure = history.check(row)
        if failure is not None:
            return Report(failure=failure)
        anchor = row
    history.jobs.clear()  # signatures before the trusted checkpoint are not re-checked
    # The frontier at the trusted size must give the trusted root; growing it with the
    # entries read below gives the root those entries really have.
    try:
        frontier = load_frontier(trusted, ledger.chain)
    except ValidationError as exc:  # a stored node deleted: the tree cannot give the root
        return Report(failure=Failure(trusted, BAD_TREE, f"stored tree is incomplete: {exc}"))
    if frontier.root() != checkpoint.root:
        return Report(
            failure=Failure(trusted, BAD_TREE, "stored tree does not give the trusted root")
        )
    tree = _TreeCheck(ledger, frontier, {size})
    checker = ChainChecker(
        ledger.routes,
        expected=trusted + 1,
        prev=anchor.entry_hash if anchor else bytes(32),
        keys=history.keys,
    )
    checker.origin = history.origin
    checker.witnessing = history.witnessing
    checker.last_notification_id = history.last_notification_id
    # Format 2 time order continues from the latest command the history proved.
    checker.format = history.format
    checker.started = history.started
    checker.times.latest = history.times.latest
    checker.times.latest_position = history.times.latest_position
    checker.times.floor = history.times.floor
    report = verify_rows(
        tree.rows(iter_pages(ledger, after=trusted)),
        checker=checker,
        workers=workers,
        progress=progress,
    )
    tree.merge(report)
    if report and report.size != size:
        report.failure = Failure(report.size + 1, BAD_CHECKPOINT, "the log changed while verifying")
    if report and size > trusted:
        proof = transparency.consistency_proof(trusted, size)
        if not verify_consistency(trusted, size, proof, checkpoint.root, tree.frontier.root()):
            report.failure = Failure(
                size, BAD_CHECKPOINT, "the entries do not extend the trusted checkpoint"
            )
    report.checkpoints[trusted] = []
    if report:
        sizes = [s for s in ledger.chain.checkpoint_sizes() if s >= trusted]
        report.failure = _check_witnessing(ledger, sizes, report)
    return report
