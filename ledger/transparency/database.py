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

import json
from collections.abc import Callable, Iterator
from typing import Any

from ledger.application import Ledger
from ledger.audit.auditstate import AuditorState, copy_keys
from ledger.audit.chain import ChainChecker
from ledger.audit.errors import NoteError
from ledger.audit.hashing import MerkleFrontier, leaf_hash, verify_consistency, verify_inclusion
from ledger.audit.keystate import check_checkpoint
from ledger.audit.notes import Checkpoint, parse_checkpoint, parse_note
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
from ledger.audit.statemap import (
    KEYS_KEY,
    STATE_FORMAT,
    StateMap,
    check_state_line,
    empty_root,
    history_step,
    keys_value,
    lookup,
    proven_leaves,
    state_root_of,
)
from ledger.audit.timing import check_checkpoint_times
from ledger.audit.witnessing import CHECKPOINT_RECORDED_TOPIC, WITNESS_TOPICS
from ledger.errors import ConflictError, ValidationError
from ledger.i18n import _
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
            stored = self.ledger.chain.nodes(
                [(level, idx) for _key, (level, idx, _node) in completed]
            )
            for position, (level, idx, h) in completed:
                if self.failure is None and stored.get((level, idx)) != h:
                    self.failure = Failure(
                        position,
                        BAD_TREE,
                        _("stored tree node ({level}, {idx}) differs", level=level, idx=idx),
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
    checker.state, checker.state_sizes = StateMap(), sizes | _recorded_sizes(ledger)
    checker.snapshot_at = max(sizes) if sizes else None
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
                _(
                    "stored event with notification id {notification_id} has no chain row",
                    notification_id=notification_id,
                ),
            )
    if report:
        report.failure = _check_checkpoints(ledger, sorted(sizes), tree.roots, report, checker)
    if report:
        report.failure = _check_witnessing(ledger, sorted(sizes), report, checker.state_roots)
    if report:
        report.saved_state = _saved(ledger, checker)
    return report


def _saved(ledger: Ledger, checker: ChainChecker) -> AuditorState | None:
    """The auditor state at the largest checkpoint verified, with that checkpoint."""
    if checker.snapshot is None or checker.snapshot_at is None:
        return None
    checker.snapshot.checkpoint = ledger.transparency.note(checker.snapshot_at)
    return checker.snapshot


def replay_ledger(ledger: Ledger, *, progress: Callable[[int], None] | None = None) -> ReplayReport:
    """Replay every command of the ledger (see :mod:`ledger.replay`). The rows are read
    as stored: a command whose compact rows match what it produces is accepted without
    expanding them; any other is expanded and compared entry by entry."""
    return replay(
        _stored_rows(ledger),
        ledger.registry,
        ledger.routes,
        progress=progress,
        expand=ledger.expand_chain,
    )


def _stored_rows(ledger: Ledger) -> Iterator[ChainRow]:
    after = 0
    while True:
        rows = ledger.select_chain(after, PAGE, expand=False)
        yield from rows
        if len(rows) < PAGE:
            return
        after = rows[-1].position


def _recorded_sizes(ledger: Ledger) -> set[int]:
    """The sizes of the checkpoints recorded in the log (``checkpoint.recorded``): the
    state map's root is kept at those sizes too, to check their state lines."""
    found: set[int] = set()
    after = 0
    while True:
        rows = ledger.chain.select_topic_events([CHECKPOINT_RECORDED_TOPIC], after, PAGE)
        for position, _stream, _topic, state in rows:
            try:
                size = json.loads(state).get("size")
            except (ValueError, AttributeError):
                size = None
            if isinstance(size, int) and 0 < size < position:
                found.add(size)
        if len(rows) < PAGE:
            return found
        after = rows[-1][0]


def _check_witnessing(
    ledger: Ledger, sizes: list[int], report: Report, state_roots: dict[int, bytes] | None = None
) -> Failure | None:
    """Judge the quorum of every checkpoint (stored or recorded in the log); a recorded
    checkpoint must have the root the verified tree gives (else the log forked), and
    the state line the verified entries give."""
    for size, note in sorted(report.witnessing.recorded.items()):
        if size > report.size:
            return Failure(
                size,
                BAD_CHECKPOINT,
                _("recorded checkpoint of size {size} is beyond the log", size=size),
            )
        try:
            recorded = parse_checkpoint(parse_note(note).text)
        except NoteError as exc:
            return Failure(
                size,
                BAD_CHECKPOINT,
                _("recorded checkpoint of size {size}: {exc}", size=size, exc=exc),
            )
        if recorded.root != ledger.transparency.root(size):
            return Failure(
                size,
                BAD_CHECKPOINT,
                _(
                    "the checkpoint of size {size} recorded in the log has another root: a fork",
                    size=size,
                ),
            )
        if state_roots is not None and size in state_roots:
            try:
                check_state_line(recorded, report.ledger_format, state_roots[size])
            except NoteError as exc:
                return Failure(
                    size,
                    BAD_CHECKPOINT,
                    _("recorded checkpoint of size {size}: {exc}", size=size, exc=exc),
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
            return Failure(
                size, BAD_CHECKPOINT, _("a checkpoint of size {size} is beyond the log", size=size)
            )
        note = ledger.transparency.note(size)
        try:
            checkpoint, cosigners = check_checkpoint(note, report.keys, report.origin, roots[size])
            check_state_line(
                checkpoint, checker.format, checker.state_roots.get(size) if size else empty_root()
            )
        except NoteError as exc:
            return Failure(
                size, BAD_CHECKPOINT, _("checkpoint of size {size}: {exc}", size=size, exc=exc)
            )
        if checkpoint.size != size:
            return Failure(
                size,
                BAD_CHECKPOINT,
                _(
                    "the checkpoint stored as size {size} says {stated}",
                    size=size,
                    stated=checkpoint.size,
                ),
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
    state: AuditorState | None = None,
) -> Report:
    """Verify what was appended after a trusted checkpoint, and that the log extends it.

    The key and nonce state before the checkpoint comes from the auditor's own state
    file (``state``, written by an earlier verification at exactly this checkpoint) --
    never from the database being audited. Without one, the key and witness-policy
    history is read from the database but each entry is proved into the trusted root
    and, from format 3, the whole history is proved complete against the checkpoint's
    state map; nonces before the checkpoint are then not checked (the report says so).
    """
    transparency = ledger.transparency
    try:
        checkpoint, size = transparency.extends(note_text)
    except (ConflictError, ValidationError) as exc:
        return Report(failure=Failure(0, BAD_CHECKPOINT, exc.message))
    trusted = checkpoint.size
    # Made before sizes inside a command were refused: say so, not a proof error.
    transparency.require_command_boundary(trusted)
    if state is not None and (
        state.origin != checkpoint.origin or state.size != trusted or state.root != checkpoint.root
    ):
        return Report(
            failure=Failure(
                0,
                BAD_CHECKPOINT,
                _(
                    "the auditor state file is for the checkpoint of size {saved}, not the "
                    "trusted one of size {trusted}",
                    saved=state.size,
                    trusted=trusted,
                ),
            )
        )
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
                failure=Failure(
                    row.position, BAD_PROOF, _("entry is not in the trusted checkpoint")
                )
            )
        failure = history.check(row)
        if failure is not None:
            return Report(failure=failure)
        anchor = row
    history.jobs.clear()  # signatures before the trusted checkpoint are not re-checked
    notes: list[str] = []
    if state is not None:
        notes.append(
            _(
                "key and nonce state before the checkpoint from the auditor's state file "
                "(checkpoint {trusted})",
                trusted=trusted,
            )
        )
    elif history.format >= STATE_FORMAT:
        failure = _prove_history(transparency, checkpoint, history)
        if failure is not None:
            return Report(failure=failure)
        notes.append(
            _(
                "key history before the checkpoint read from the database, every entry proved "
                "into it and the whole history proved complete by its state map; nonces "
                "before it not checked (give --state, written by an earlier 'verify "
                "--save-state')"
            )
        )
    else:
        notes.append(
            _(
                "key history before the checkpoint read from the database and proved into it "
                "entry by entry; its completeness is not provable before format 3, and "
                "nonces before it are not checked (give --state)"
            )
        )
    # The frontier at the trusted size must give the trusted root; growing it with the
    # entries read below gives the root those entries really have.
    frontier = load_frontier(trusted, ledger.chain)
    if frontier.root() != checkpoint.root:
        return Report(
            failure=Failure(trusted, BAD_TREE, _("stored tree does not give the trusted root"))
        )
    after = [s for s in ledger.chain.checkpoint_sizes() if trusted < s <= size]
    tree = _TreeCheck(ledger, frontier, {size, *after})
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
    if state is not None:
        checker.keys, checker.nonces = copy_keys(state.keys), set(state.nonces)
        checker.origin, checker.format, checker.prev = state.origin, state.ledger_format, state.prev
        checker.times.latest = state.latest_time
        checker.times.latest_position = state.latest_position
        checker.last_notification_id = max(checker.last_notification_id, state.last_notification_id)
        if state.state is not None:
            checker.state, checker.state_sizes = state.state.copy(), set(after)
    elif checker.format >= STATE_FORMAT and after:
        notes.append(_("the new checkpoints' state lines are not recomputed without --state"))
    checker.snapshot_at = max(after) if after else None
    report = verify_rows(
        tree.rows(iter_pages(ledger, after=trusted)),
        checker=checker,
        workers=workers,
        progress=progress,
    )
    tree.merge(report)
    report.notes = notes
    if report and report.size != size:
        report.failure = Failure(
            report.size + 1, BAD_CHECKPOINT, _("the log changed while verifying")
        )
    if report and size > trusted:
        proof = transparency.consistency_proof(trusted, size)
        if not verify_consistency(trusted, size, proof, checkpoint.root, tree.frontier.root()):
            report.failure = Failure(
                size, BAD_CHECKPOINT, _("the entries do not extend the trusted checkpoint")
            )
    if report:
        report.failure = _check_checkpoints(ledger, after, tree.roots, report, checker)
    report.checkpoints[trusted] = report.checkpoints.get(trusted, [])
    if report:
        sizes = [s for s in ledger.chain.checkpoint_sizes() if s >= trusted]
        report.failure = _check_witnessing(ledger, sizes, report)
    if report and state is not None:
        report.saved_state = _saved(ledger, checker) if after else state
    return report


def _prove_history(
    transparency: Any, checkpoint: Checkpoint, history: ChainChecker
) -> Failure | None:
    """The key and policy history read from the database is the whole of it: its digest
    is the one the trusted checkpoint's state map holds (a proof from the database,
    checked against the trusted root)."""
    try:
        root = state_root_of(checkpoint)
        if root is None:
            raise NoteError(_("the trusted checkpoint carries no state line"))
        proofs = transparency.state_map(checkpoint.size).prove([KEYS_KEY])
        leaves, buckets = proven_leaves(proofs, root)
    except NoteError as exc:
        return Failure(checkpoint.size, BAD_CHECKPOINT, _("trusted checkpoint: {exc}", exc=exc))
    _leaf, value = lookup(KEYS_KEY, leaves, buckets)
    digest = bytes(32)
    for _position, entry_hash in history.history:
        digest = history_step(digest, entry_hash)
    held = keys_value(
        len(history.history), history.history[-1][0] if history.history else 0, digest
    )
    if value != held:
        return Failure(
            checkpoint.size,
            BAD_CHECKPOINT,
            _(
                "the key history the database gives before the trusted checkpoint is not "
                "the one the checkpoint commits to: a key event is hidden"
            ),
        )
    return None
