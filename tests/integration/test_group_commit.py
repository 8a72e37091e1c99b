"""Group commit (issue 15.1), on SQLite and PostgreSQL: concurrent commands of one process
share one transaction, each keeps its own entries, evidence, signature and receipt, and a
command refused or failing inside a batch takes no other down and leaves nothing partial.

A batch is formed on purpose: the first command's batch is held at the door of its
transaction until the others have queued behind it; they are then written as one batch.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from ledger.application import Recorded
from ledger.audit.hashing import leaf_hash
from ledger.audit.receipts import check_signature, parse_receipt
from ledger.authorisation import Authorisation, sign_command
from ledger.errors import ReplayError
from ledger.storage import recorders
from ledger.storage.sequencer import Request
from ledger.transparency.database import verify_ledger
from ledger.transparency.receipts import check_receipts
from tests.support.backends import PG_BASE
from tests.support.world import World


class Crash(BaseException):
    """What a process being torn down mid-batch looks like to the batch's writer."""


def note(world: World, text: str) -> Authorisation:
    return sign_command(world.department, "note.append", {"text": text})


@contextmanager
def held_first_batch(world: World, behind: int) -> Iterator[threading.Event]:
    """Hold the next batch at the door until ``behind`` more commands have queued;
    the event is set once it is held."""
    recorder = world.ledger.chain
    sequencer = recorder.sequencer
    write = sequencer._write
    held = [True]
    entered = threading.Event()

    def write_held(batch: list[Request]) -> None:
        if held[0]:
            held[0] = False
            entered.set()
            deadline = time.monotonic() + 30
            while len(sequencer._queue) < behind and time.monotonic() < deadline:
                time.sleep(0.005)
        write(batch)

    sequencer._write = write_held
    try:
        yield entered
    finally:
        sequencer._write = write


def run_together(world: World, auths: list[Authorisation]) -> list[Recorded | BaseException]:
    """Execute ``auths`` in threads, the first alone and the rest as one batch behind it."""
    outcomes: list[Recorded | BaseException] = [RuntimeError("not run")] * len(auths)

    def worker(i: int) -> None:
        try:
            outcomes[i] = world.ledger.execute(auths[i])
        except BaseException as exc:
            outcomes[i] = exc

    with held_first_batch(world, len(auths) - 1) as entered:
        first = threading.Thread(target=worker, args=(0,))
        first.start()
        assert entered.wait(30)
        rest = [threading.Thread(target=worker, args=(i,)) for i in range(1, len(auths))]
        for t in rest:
            t.start()
            time.sleep(0.002)
        for t in (first, *rest):
            t.join(60)
    return outcomes


def batches(world: World) -> tuple[int, int]:
    sequencer = world.ledger.chain.sequencer
    return sequencer.batches, sequencer.commands


def assert_whole(world: World) -> None:
    """The log verifies and no event is stored without its chain row."""
    report = verify_ledger(world.ledger, workers=1)
    assert report, report.failure
    assert world.ledger.chain.first_unchained_event(world.ledger.head().position) is None


def assert_own_receipt(world: World, recorded: Recorded) -> None:
    """The command's receipt names its own entries, signed, and proves into the log."""
    assert recorded.receipt is not None
    receipt = parse_receipt(recorded.receipt)
    positions = list(range(recorded.first_position, recorded.last_position + 1))
    assert receipt.positions == positions
    rows = world.ledger.chain.select_positions(positions)
    assert [h for __, h in receipt.entries] == [r.entry_hash for r in rows]
    assert all(r.entry_hash == leaf_hash(r.entry) for r in rows)
    assert rows[0].command is not None and rows[-1].signature is not None
    report = verify_ledger(world.ledger, workers=1)
    check_signature(receipt, report.keys, report.origin)
    assert all(check_receipts(world.ledger, [("r", receipt)], report))


def test_concurrent_commands_share_a_transaction_each_with_its_own_entries(
    world: World,
) -> None:
    """Issue 15.1: four commands sent together are written as one batch after the
    first; each has its own positions, evidence, signature and receipt; the log is the
    one they would have made one by one (it verifies)."""
    before = batches(world)
    auths = [note(world, f"批次 {i}") for i in range(5)]
    outcomes = run_together(world, auths)
    assert all(isinstance(o, Recorded) for o in outcomes), outcomes
    after = batches(world)
    assert (after[0] - before[0], after[1] - before[1]) == (2, 5)
    recorded = [o for o in outcomes if isinstance(o, Recorded)]
    spans = sorted((r.first_position, r.last_position) for r in recorded)
    assert [b - a for a, b in spans] == [0] * 5
    assert [a for a, __ in spans] == list(range(spans[0][0], spans[0][0] + 5))
    for r in recorded:
        assert_own_receipt(world, r)
    assert_whole(world)


def test_a_refused_command_in_a_batch_gets_its_error_and_the_others_commit(
    world: World,
) -> None:
    """Issue 15.1: in one batch, a command whose nonce was used, and the same command
    sent twice (its stream ids collide: a database error inside its savepoint), are
    refused with their own errors; the commands around them commit."""
    used = note(world, "已记录")
    world.ledger.execute(used)
    twice = note(world, "重复")
    auths = [
        note(world, "领头"),
        note(world, "前"),
        used,
        twice,
        twice,
        note(world, "后"),
    ]
    head = world.ledger.head().position
    outcomes = run_together(world, auths)
    assert isinstance(outcomes[2], ReplayError)
    assert sum(isinstance(o, ReplayError) for o in outcomes[3:5]) == 1
    good = [o for o in outcomes if isinstance(o, Recorded)]
    assert len(good) == 4
    assert world.ledger.head().position == head + 4
    assert sorted(o.first_position for o in good) == list(range(head + 1, head + 5))
    for r in good:
        assert_own_receipt(world, r)
    assert_whole(world)


def test_an_exception_in_one_command_of_a_batch_leaves_nothing_of_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15.1: an unexpected failure while one command of a batch is sealed (after
    its events are inserted) rolls back that command alone; the others commit."""
    doomed = note(world, "失败")
    real = recorders.seal

    def seal(*args: Any) -> Any:
        if args[4].nonce == doomed.nonce:
            raise RuntimeError("sealing failed")
        return real(*args)

    monkeypatch.setattr(recorders, "seal", seal)
    auths = [note(world, "一"), note(world, "二"), doomed, note(world, "三")]
    head = world.ledger.head().position
    outcomes = run_together(world, auths)
    assert isinstance(outcomes[2], RuntimeError) and "sealing failed" in str(outcomes[2])
    assert all(isinstance(o, Recorded) for i, o in enumerate(outcomes) if i != 2)
    assert world.ledger.head().position == head + 3
    assert not world.ledger.chain.nonce_used(world.department.key_id, doomed.nonce)
    assert_whole(world)
    # The ledger goes on: the next command links to the batch's last entry.
    assert world.ledger.execute(note(world, "之后")).first_position == head + 4
    assert_whole(world)


@pytest.mark.parametrize("failure", ["crash", "commit"])
def test_a_batch_that_fails_as_a_whole_stores_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    """Issue 15.1: the writer torn down mid-batch (after two of three commands are
    written), or the batch's commit failing after all three are, refuses every command
    of the batch and stores nothing of it; the ledger goes on after it."""
    recorder = world.ledger.chain
    auths = [note(world, "一"), note(world, "二"), note(world, "三"), note(world, "四")]
    head = world.ledger.head().position
    if failure == "crash":
        real_record = recorder._record

        def crash(*args: Any) -> None:
            if args[-1].kwargs["authorisation"].nonce == auths[3].nonce:
                raise Crash("torn down")
            real_record(*args)

        monkeypatch.setattr(recorder, "_record", crash)
        undo: Callable[[], None] = monkeypatch.undo
    else:
        undo = _fail_commit(recorder, monkeypatch, auths[3].nonce)
    outcomes = run_together(world, auths)
    assert isinstance(outcomes[0], Recorded)
    expected = Crash if failure == "crash" else Exception
    assert all(isinstance(o, expected) for o in outcomes[1:]), outcomes
    assert world.ledger.head().position == head + 1
    for auth in auths[1:]:
        assert not world.ledger.chain.nonce_used(world.department.key_id, auth.nonce)
    assert_whole(world)
    undo()
    assert world.ledger.execute(note(world, "之后")).first_position == head + 2
    assert_whole(world)


def _fail_commit(recorder: Any, m: pytest.MonkeyPatch, nonce: str) -> Callable[[], None]:
    """Make the commit of the transaction holding the command with ``nonce`` fail,
    after every command of it was written; return how to stop."""
    if isinstance(recorder, recorders.ChainedSQLiteRecorder):
        from eventsourcing.sqlite import SQLiteConnection

        real, real_record = SQLiteConnection.commit, recorder._record
        written = [False]

        def record(c: Any, request: Request) -> None:
            real_record(c, request)
            written[0] = written[0] or request.kwargs["authorisation"].nonce == nonce

        def commit(self: SQLiteConnection) -> None:
            if written[0]:
                written[0] = False
                self._sqlite_conn.rollback()  # what a failed COMMIT leaves
                raise sqlite3.OperationalError("disk I/O error")
            real(self)

        m.setattr(recorder, "_record", record)
        m.setattr(SQLiteConnection, "commit", commit)
        return m.undo
    # PostgreSQL: a deferred constraint trigger fails the COMMIT itself.
    schema = recorder.datastore.schema
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(
            f'CREATE FUNCTION "{schema}".fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$ '
            f"BEGIN IF NEW.nonce = '{nonce}' THEN RAISE EXCEPTION 'commit refused'; END IF; "
            "RETURN NULL; END $$"
        )
        conn.execute(
            f'CREATE CONSTRAINT TRIGGER fail_commit AFTER INSERT ON "{schema}".ledger_chain '
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            f'EXECUTE FUNCTION "{schema}".fail_commit()'
        )

    def undo() -> None:
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f'DROP TRIGGER fail_commit ON "{schema}".ledger_chain')

    return undo


def test_many_threads_append_one_linear_chain(world: World) -> None:
    """Issue 15.1: eight threads appending at once make one gapless chain that verifies,
    in fewer transactions than commands when they contend; each command's receipt is
    its own."""
    per, threads = 6, 8
    out: list[Recorded] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    head = world.ledger.head().position
    before = batches(world)

    def worker(n: int) -> None:
        try:
            for i in range(per):
                r = world.ledger.execute(note(world, f"线程 {n} 第 {i} 条"))
                with lock:
                    out.append(r)
        except BaseException as exc:
            errors.append(exc)

    ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert not errors, errors
    assert sorted(r.first_position for r in out) == list(range(head + 1, head + 1 + per * threads))
    after = batches(world)
    assert after[1] - before[1] == per * threads
    for r in out[::per]:
        assert_own_receipt(world, r)
    assert_whole(world)


def test_a_leader_waits_only_for_announced_commands() -> None:
    """Issue 15.1: a batch waits for a command announced as being prepared (it joins
    the batch), at most the linger; nothing is waited for when none is announced, and
    an announcement that ends without a command (a refusal before the save) is
    forgotten."""
    from ledger.storage.sequencer import Sequencer

    written: list[int] = []

    def write(batch: list[Request]) -> None:
        time.sleep(2.0 if not written else 0.01)
        written.append(len(batch))
        for r in batch:
            r.recorded([1], [1], [b""])

    sequencer = Sequencer(write, linger=1.0)
    sequencer.submit([], {})  # a first batch that took 2 s: the next may wait 1 s
    joined = threading.Event()

    def announced_then_submitted() -> None:
        with sequencer.preparing():
            joined.wait(5)
            time.sleep(0.001)
            sequencer.submit([], {})

    helper = threading.Thread(target=announced_then_submitted)
    helper.start()
    while not sequencer._preparing:
        time.sleep(0.001)
    joined.set()
    sequencer.submit([], {})
    helper.join(5)
    assert written == [1, 2]
    with sequencer.preparing():
        pass  # refused before its save
    assert sequencer._preparing == 0
    started = time.monotonic()
    sequencer.submit([], {})
    assert written == [1, 2, 1]
    assert time.monotonic() - started < 0.5  # no linger without an announcement
