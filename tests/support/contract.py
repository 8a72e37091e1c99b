"""What a chained recorder must do, whatever its database: one contract, one subclass per backend.

As in eventsourcing's ``tests/persistence.py``: :class:`ChainedRecorderContract` holds the
tests and says nothing of a database; each backend's subclass (``tests/integration/
test_recorder_sqlite.py``, ``test_recorder_postgres.py``) only says how to get settings
for a fresh, empty ledger on it. The same tests, with the same assertions, pass on both.

The contract: positions are gapless and each chain row links to the one before; every
event is chained in the transaction that records it, a multi-event command as one signed
unit; a replayed nonce and a key not (or no longer) registered are refused, and a refused
command writes nothing; triggers refuse UPDATE and DELETE; the Merkle tree nodes and checkpoints
are stored (and survive a restart); several processes append one linear chain, first
start-ups race safely, and a writer killed mid-stream leaves a ledger that verifies; and
whatever is changed behind the recorder's back, verification reads it back and names the
first bad position and the reason.

Domain refusals (permissions, validation, the genesis) stay in the backend-parametrized
tests beside them (``test_log.py``, ``test_transparency.py``).

Over 400 lines on purpose: the contract is one list, so that no backend can pass half of it.
"""

from __future__ import annotations

import abc
import itertools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pymerkle
import pytest

from ledger import formats
from ledger.audit.hashing import ZERO_HASH, leaf_hash, verify_consistency, verify_inclusion
from ledger.audit.notes import parse_checkpoint, parse_note, verify_note
from ledger.audit.report import (
    BAD_CHECKPOINT,
    BAD_LEDGER_SIGNATURE,
    BAD_TREE,
    BROKEN_LINK,
    HASH_MISMATCH,
    KEY_NOT_VALID,
    MISSING_EVENT,
    MISSING_POSITION,
    REPLAYED_NONCE,
    UNAUTHORISED_KEY_CHANGE,
    UNCHAINED_EVENT,
    Report,
)
from ledger.audit.rows import is_compact
from ledger.authorisation import sign_command
from ledger.bootstrap import open_ledger
from ledger.config import Settings
from ledger.errors import ConflictError, KeyNotValidError, ReplayError, ValidationError
from ledger.transparency.database import verify_ledger
from tests.support.rawdb import RawDB, note_event
from tests.support.workers import append_notes, run_processes, start_up
from tests.support.world import World, open_world, start_world
from tests.vectors.testkeys import fixed_key

ROOT = Path(__file__).resolve().parents[2]


def verify(world: World) -> Report:
    return verify_ledger(world.ledger, workers=1)


def expect(world: World, position: int, reason: str) -> None:
    report = verify(world)
    assert not report
    assert report.failure is not None
    assert (report.failure.position, report.failure.reason) == (position, reason), report.failure


def entries(world: World, size: int) -> list[bytes]:
    return [r.entry for r in world.ledger.select_chain(0, size)][:size]


def pm_root(items: list[bytes]) -> bytes:
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for item in items:
        tree.append_entry(item)
    return tree.get_root()


class ChainedRecorderContract(abc.ABC):
    """The tests every chained recorder passes; a subclass names the backend."""

    @abc.abstractmethod
    def backend(self, tmp_path: Path) -> AbstractContextManager[Settings]:
        """Settings for a fresh, empty ledger on this backend, cleaned up on exit."""

    @pytest.fixture
    def settings(self, tmp_path: Path) -> Iterator[Settings]:
        with self.backend(tmp_path) as settings:
            yield settings

    @pytest.fixture
    def world(self, settings: Settings) -> Iterator[World]:
        w = start_world(settings)
        yield w
        w.ledger.close()

    # --- the chain: positions, links, signed units ---------------------------------------

    def test_genesis_keys_and_notes_verify(self, world: World) -> None:
        for i in range(5):
            world.note(f"note {i}")
        report = verify(world)
        assert report, report.failure
        assert report.size == 9  # genesis (3) + key (1) + 5 notes
        assert report.origin == "test.example/shuangsui"
        assert report.commands == 7
        assert report.signatures == 14
        assert world.ledger.head().position == 9

    def test_positions_are_gapless_and_linked(self, world: World) -> None:
        for i in range(3):
            world.note(f"note {i}")
        rows = world.ledger.select_chain(0, 100)
        assert [r.position for r in rows] == list(range(1, 8))
        prev = ZERO_HASH
        for row in rows:
            assert leaf_hash(row.entry) == row.entry_hash
            assert f'"prev":"{prev.hex()}"'.encode() in row.entry
            prev = row.entry_hash

    def test_entries_read_for_the_projections_are_the_chain_rows(self, world: World) -> None:
        # select_entries (plain tuples, issue 15.5) reads what select_chain reads.
        world.note("one")
        world.run(
            "department",
            "key.rotate",
            key_id=world.department.key_id,
            public_key=fixed_key("inspector").public.public_b64,
        )
        chain = world.ledger.select_chain(0, 100)
        entries = world.ledger.select_entries(0, 100)
        assert entries == [
            (
                r.position,
                r.entry,
                r.command,
                r.event.stream if r.event else None,
                r.event.topic if r.event else None,
                r.event.state if r.event else None,
            )
            for r in chain
        ]
        assert world.ledger.select_entries(2, 3) == entries[2:5]
        assert world.ledger.select_entries(len(entries), 10) == []

    def test_multi_event_command_is_one_signed_unit(self, world: World) -> None:
        # key.rotate writes two events: one command, parts [0,2] and [1,2].
        new = fixed_key("inspector")
        recorded = world.run(
            "department",
            "key.rotate",
            key_id=world.department.key_id,
            public_key=new.public.public_b64,
        )
        assert recorded.last_position == recorded.first_position + 1
        first, last = world.ledger.select_chain(recorded.first_position - 1, 2)
        assert first.command is not None and first.signature is None
        assert last.command is None and last.signature is not None
        assert b'"part":[0,2]' in first.entry and b'"part":[1,2]' in last.entry
        assert verify(world)

    def test_command_ledger_position_is_returned(self, world: World) -> None:
        recorded = world.note("hello")
        assert recorded.first_position == recorded.last_position == 5

    # --- in the transaction: the nonce and the key are checked, or nothing is written ----

    def test_reused_nonce_is_refused_and_nothing_written(self, world: World) -> None:
        auth = sign_command(world.department, "note.append", {"text": "once"})
        world.ledger.execute(auth)
        size = world.ledger.head().position
        with pytest.raises(ReplayError):
            world.ledger.execute(auth)
        assert world.ledger.head().position == size

    @pytest.mark.parametrize("refusal", ["nonce", "revoked"])
    def test_a_refusal_under_the_lock_leaves_no_event_behind(
        self, world: World, refusal: str
    ) -> None:
        # Straight to the recorder, past execute's own checks: the refusal comes from
        # the checks inside the write transaction, after the events were inserted, and
        # must roll them back with it (on PostgreSQL the library would have committed
        # them without their chain rows).
        from ledger.areas.notes.events import Note

        auth = sign_command(world.department, "note.append", {"text": "once"})
        if refusal == "nonce":
            world.ledger.execute(auth)
            expected: type[Exception] = ReplayError
        else:
            world.run("office", "key.revoke", key_id=world.department.key_id, reason="x")
            expected = KeyNotValidError
        size = world.ledger.head().position
        with pytest.raises(expected):
            world.ledger.save(Note(text="x", author=world.department.key_id), authorisation=auth)
        assert world.ledger.head().position == size
        report = verify(world)
        assert report, report.failure

    def test_unregistered_key_is_refused(self, world: World) -> None:
        with pytest.raises(KeyNotValidError):
            world.note("x", key=fixed_key("witness"))

    def test_revoked_key_is_refused(self, world: World) -> None:
        world.run("office", "key.revoke", key_id=world.department.key_id, reason="left office")
        with pytest.raises(KeyNotValidError):
            world.note("after revocation")
        assert verify(world)

    def test_rotated_key_is_refused_and_successor_works(self, world: World) -> None:
        new = fixed_key("inspector")
        world.run(
            "department",
            "key.rotate",
            key_id=world.department.key_id,
            public_key=new.public.public_b64,
        )
        with pytest.raises(KeyNotValidError):
            world.note("old key")
        world.note("new key", key=new)
        assert verify(world)

    # --- the acting key kept between commands (issue 15.2) --------------------------------

    @pytest.mark.parametrize("change", ["key.revoke", "key.rotate"])
    def test_a_key_changed_by_another_process_is_refused(
        self, world: World, settings: Settings, change: str
    ) -> None:
        # This ledger keeps the department's key as its acting key; another process
        # (a second ledger on the same database) revokes or rotates it. The write
        # transaction's own check refuses the next command, nothing is written, and
        # the refusal reads as a fresh look-up's would.
        world.note("the key is kept now")
        other = open_world(settings)
        try:
            if change == "key.revoke":
                other.run("office", "key.revoke", key_id=world.department.key_id, reason="x")
                status = "revoked"
            else:
                other.run(
                    "department",
                    change,
                    key_id=world.department.key_id,
                    public_key=fixed_key("inspector").public.public_b64,
                )
                status = "rotated"
        finally:
            other.ledger.close()
        size = world.ledger.head().position
        refused = f"key {world.department.key_id} was {status}"
        for _ in range(2):  # refused by the transaction, then by the look-up
            with pytest.raises(KeyNotValidError, match=refused):
                world.note("after the change")
        assert world.ledger.head().position == size
        report = verify(world)
        assert report, report.failure

    def test_the_kept_key_is_not_the_one_a_handler_changes(self, world: World) -> None:
        # key.revoke loads its subject with valid_key (a copy it changes); the acting key
        # the ledger keeps is never handed to a handler to change.
        world.note("kept")
        kept = world.ledger.actor(world.department.key_id)
        world.run("department", "key.revoke", key_id=world.department.key_id, reason="self")
        assert kept.active
        with pytest.raises(KeyNotValidError, match="was revoked"):
            world.ledger.actor(world.department.key_id)

    # --- append-only in the database -----------------------------------------------------

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE {chain} SET signer = 'x' WHERE position = 1",
            "DELETE FROM {chain} WHERE position = 4",
            "UPDATE {events} SET topic = 'x'",
            "DELETE FROM {events}",
        ],
    )
    def test_triggers_refuse_update_and_delete(self, world: World, statement: str) -> None:
        raw = RawDB(world.ledger)
        with pytest.raises(Exception, match="append-only"):
            raw.execute(statement)
        assert verify(world)

    # --- compact rows (ledger format 4, issue 15 part 3; R2.2) ---------------------------

    @pytest.fixture
    def compact(self, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
        """A ledger of format 4 (at least), which writes compact chain rows."""
        monkeypatch.setattr(formats, "CURRENT", max(formats.CURRENT, 4))
        w = start_world(settings)
        for i in range(3):
            w.note(f"note {i}")
        w.run(
            "department",
            "key.rotate",
            key_id=w.department.key_id,
            public_key=fixed_key("inspector").public.public_b64,
        )  # positions 8 and 9: one command, two entries
        yield w
        w.ledger.close()

    def test_format_4_rows_are_stored_compact_and_read_back_whole(self, compact: World) -> None:
        raw = RawDB(compact.ledger)
        stored = raw.execute("SELECT position, entry, command FROM {chain} ORDER BY position")
        assert all(is_compact(bytes(entry)) for __, entry, ___ in stored)
        assert all(command is None or is_compact(bytes(command)) for *__, command in stored)
        rows = compact.ledger.select_chain(0, 100)
        prev = ZERO_HASH
        for row in rows:
            assert leaf_hash(row.entry) == row.entry_hash
            assert json.loads(row.entry)["prev"] == prev.hex()
            prev = row.entry_hash
        assert rows[0].command is not None and rows[0].command.startswith(b'{"key":')
        # Read from inside a command, alone, or as the projections read: the same bytes.
        (second,) = compact.ledger.select_chain(8, 1)
        assert second == rows[8] and json.loads(second.entry)["part"] == [1, 2]
        assert compact.ledger.chain.select_positions([9, 2]) == [rows[1], rows[8]]
        entries = compact.ledger.select_entries(0, 100)
        assert [(e[0], e[1], e[2]) for e in entries] == [
            (r.position, r.entry, r.command) for r in rows
        ]
        assert compact.ledger.select_entries(8, 10) == entries[8:]
        report = verify(compact)
        assert report and report.size == 9, report.failure
        # Smaller: the whole entry and most of the evidence are not stored.
        assert sum(len(bytes(e)) for __, e, ___ in stored) * 10 < sum(len(r.entry) for r in rows)

    def test_a_format_3_ledger_keeps_writing_full_rows(self, world: World) -> None:
        if formats.since(world.ledger, 4):
            pytest.skip("the world is of format 4")
        world.note("x")
        raw = RawDB(world.ledger)
        for (entry,) in raw.execute("SELECT entry FROM {chain}"):
            assert bytes(entry).startswith(b"{")

    @pytest.mark.parametrize("column", ["entry", "command"])
    @pytest.mark.parametrize("index", [0, 1, 3, 12])
    def test_a_changed_compact_row_fails_at_its_position(
        self, compact: World, column: str, index: int
    ) -> None:
        raw = RawDB(compact.ledger)
        raw.drop_guards()
        raw.flip_chain_byte(6, column, index)
        expect(compact, 6, HASH_MISMATCH)

    def test_a_compact_row_whose_event_is_gone(self, compact: World) -> None:
        raw = RawDB(compact.ledger)
        raw.drop_guards()
        raw.execute("DELETE FROM {events} WHERE {event_id} = ?", (raw.notification_id(9),))
        expect(compact, 9, MISSING_EVENT)

    def test_a_compact_row_moved_elsewhere_is_another_entry(self, compact: World) -> None:
        raw = RawDB(compact.ledger)
        raw.drop_guards()
        raw.swap_chain_rows(5, 6)
        expect(compact, 5, HASH_MISMATCH)

    # --- tamper cases: verification names the first bad position -------------------------

    @pytest.fixture
    def tampered(self, world: World) -> tuple[World, RawDB]:
        for i in range(6):
            world.note(f"note {i}")  # positions 5..10
        raw = RawDB(world.ledger)
        raw.drop_guards()
        return world, raw

    def test_flipped_byte_in_stored_event(self, tampered: tuple[World, RawDB]) -> None:
        world, raw = tampered
        raw.flip_event_byte(7)
        expect(world, 7, HASH_MISMATCH)

    @pytest.mark.parametrize(
        ("column", "reason"),
        [
            ("entry", HASH_MISMATCH),
            ("entry_hash", HASH_MISMATCH),
            ("signature", BAD_LEDGER_SIGNATURE),
            ("command", HASH_MISMATCH),
        ],
    )
    def test_flipped_byte_in_chain_row(
        self, tampered: tuple[World, RawDB], column: str, reason: str
    ) -> None:
        world, raw = tampered
        raw.flip_chain_byte(8, column)
        expect(world, 8, reason)

    def test_deleted_chain_row(self, tampered: tuple[World, RawDB]) -> None:
        world, raw = tampered
        raw.delete_chain_row(6)
        expect(world, 6, MISSING_POSITION)

    def test_deleted_event_row(self, tampered: tuple[World, RawDB]) -> None:
        world, raw = tampered
        raw.execute("DELETE FROM {events} WHERE {event_id} = ?", (raw.notification_id(9),))
        expect(world, 9, MISSING_EVENT)
        (gone,) = world.ledger.select_entries(8, 1)
        assert gone[0] == 9 and gone[3:] == (None, None, None)

    def test_deleted_last_chain_row_leaves_an_unchained_event(
        self, tampered: tuple[World, RawDB]
    ) -> None:
        world, raw = tampered
        raw.delete_chain_row(10)
        expect(world, 10, UNCHAINED_EVENT)

    def test_swapped_rows(self, tampered: tuple[World, RawDB]) -> None:
        world, raw = tampered
        raw.swap_chain_rows(6, 7)
        # A compact row (format 4, ledger.audit.rows) takes its position and link from
        # where it is stored: the swapped entry is recomputed as another entry there.
        expect(world, 6, HASH_MISMATCH if formats.since(world.ledger, 4) else BROKEN_LINK)

    def test_signature_from_a_revoked_key(self, tampered: tuple[World, RawDB]) -> None:
        world, raw = tampered
        revoked = world.run("office", "key.revoke", key_id=world.department.key_id, reason="x")
        auth = sign_command(world.department, "note.append", {"text": "forged"})
        position = raw.forge_append(
            note_event(world.ledger, "forged", world.department.key_id), auth, world.ledger_key
        )
        assert position == revoked.last_position + 1
        expect(world, position, KEY_NOT_VALID)

    def test_signature_by_a_key_never_registered(self, tampered: tuple[World, RawDB]) -> None:
        world, raw = tampered
        stranger = fixed_key("witness")
        auth = sign_command(stranger, "note.append", {"text": "forged"})
        position = raw.forge_append(
            note_event(world.ledger, "forged", stranger.key_id), auth, world.ledger_key
        )
        expect(world, position, KEY_NOT_VALID)

    def test_replayed_nonce_written_directly(self, tampered: tuple[World, RawDB]) -> None:
        world, raw = tampered
        auth = sign_command(world.department, "note.append", {"text": "once"})
        world.ledger.execute(auth)
        position = raw.forge_append(
            note_event(world.ledger, "once", world.department.key_id), auth, world.ledger_key
        )
        expect(world, position, REPLAYED_NONCE)

    def test_entry_signed_by_a_non_ledger_key(self, tampered: tuple[World, RawDB]) -> None:
        world, raw = tampered
        auth = sign_command(world.department, "note.append", {"text": "self-sealed"})
        position = raw.forge_append(
            note_event(world.ledger, "x", world.department.key_id), auth, world.department
        )
        expect(world, position, KEY_NOT_VALID)

    def test_key_registered_by_a_non_office_key_is_caught(
        self, tampered: tuple[World, RawDB]
    ) -> None:
        world, raw = tampered
        from ledger.areas.keys.events import Key

        evil = fixed_key("witness")
        key = Key(
            key_id=evil.key_id,
            public_key=evil.public.public_b64,
            holder="evil",
            roles=("office",),
            organisation=None,
            predecessor=None,
            registered_by=world.department.key_id,
            note_name=None,
        )
        (event,) = key.collect_events()
        auth = sign_command(
            world.department, "key.register", {"public_key": evil.public.public_b64}
        )
        position = raw.forge_append(
            world.ledger.mapper.to_stored_event(event), auth, world.ledger_key
        )
        expect(world, position, UNAUTHORISED_KEY_CHANGE)

    # --- the Merkle tree and the checkpoints the recorder stores -------------------------

    def test_stored_tree_gives_pymerkle_roots_and_survives_a_restart(self, world: World) -> None:
        for i in range(20):
            world.note(f"n{i}")
        t = world.ledger.transparency
        all_entries = entries(world, 100)
        for size in range(1, len(all_entries) + 1):
            assert t.root(size) == pm_root(all_entries[:size])
        world.ledger.close()
        world.ledger = open_ledger(world.settings, signer=fixed_key("ledger"))
        for i in range(7):
            world.note(f"after restart {i}")
        all_entries = entries(world, 100)
        assert world.ledger.transparency.root(len(all_entries)) == pm_root(all_entries)
        assert verify_ledger(world.ledger, workers=1)

    def test_checkpoint_is_signed_stored_once_and_verifies(self, world: World) -> None:
        t = world.ledger.transparency
        note = t.checkpoint()
        assert t.checkpoint() == note  # same size: the stored one
        checkpoint = parse_checkpoint(parse_note(note).text)
        assert (checkpoint.origin, checkpoint.size) == ("test.example/shuangsui", 4)
        verify_note(parse_note(note), [t.log_verifier()])
        with pytest.raises(ConflictError):
            world.ledger.chain.insert_checkpoint(4, bytes(32), note, "now")

    def test_checkpoints_are_written_automatically(self, world: World) -> None:
        t = world.ledger.transparency
        t.every = 3
        for i in range(7):
            world.note(f"n{i}")
        sizes = world.ledger.chain.checkpoint_sizes()
        assert sizes and all(b - a >= 3 for a, b in itertools.pairwise(sizes))
        assert verify_ledger(world.ledger, workers=1).checkpoints.keys() == set(sizes)

    def test_proofs_verify(self, world: World) -> None:
        for i in range(9):
            world.note(f"n{i}")
        t = world.ledger.transparency
        size = t.size()
        root = t.root(size)
        for position in range(1, size + 1):
            row = world.ledger.chain.select_positions([position])[0]
            leaf = leaf_hash(row.entry)
            assert verify_inclusion(
                leaf, position - 1, size, t.inclusion_proof(position, size), root
            )
        for old in range(0, size + 1):
            proof = t.consistency_proof(old, size)
            assert verify_consistency(old, size, proof, t.root(old), root)
        with pytest.raises(ValidationError):
            t.inclusion_proof(size + 1, size)

    def test_tampered_checkpoint_and_tree_are_caught(self, world: World) -> None:
        for i in range(6):
            world.note(f"n{i}")
        world.ledger.transparency.checkpoint()
        raw = RawDB(world.ledger)
        raw.drop_guards()
        raw.execute("UPDATE {tree} SET hash = ? WHERE level = 1 AND idx = 2", (bytes(32),))
        report = verify_ledger(world.ledger, workers=1)
        assert report.failure is not None and report.failure.reason == BAD_TREE
        assert report.failure.position == 6

    def test_tampered_stored_checkpoint_is_caught(self, world: World) -> None:
        world.note("x")
        world.ledger.transparency.checkpoint()
        raw = RawDB(world.ledger)
        raw.drop_guards()
        (note,) = raw.execute("SELECT note FROM {checkpoints} WHERE size = 5")[0]
        raw.execute(
            "UPDATE {checkpoints} SET note = ? WHERE size = 5", (note.replace("\n5\n", "\n4\n"),)
        )
        report = verify_ledger(world.ledger, workers=1)
        assert report.failure is not None and report.failure.reason == BAD_CHECKPOINT

    # --- several processes: writers, start-up, a writer killed mid-stream ----------------

    def test_four_writers_make_one_linear_chain(self, world: World) -> None:
        size = world.ledger.head().position
        run_processes(append_notes, world.settings, [(25, f"w{i}") for i in range(4)])
        report = verify_ledger(world.ledger, workers=1)
        assert report, report.failure
        assert report.size == size + 100
        rows = world.ledger.select_chain(0, 1000)
        assert [r.position for r in rows] == list(range(1, size + 101))

    def test_concurrent_first_start_up_creates_tables_once(self, settings: Settings) -> None:
        run_processes(start_up, settings, [()] * 4)

    def test_writer_killed_mid_stream_leaves_a_verifiable_ledger(self, world: World) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.workers",
                str(world.settings.home),
                world.settings.database_url or "",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        committed = 0
        for line in proc.stdout:
            committed = int(line)
            if committed >= 40:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        report = verify_ledger(world.ledger, workers=1)
        assert report, report.failure
        # Everything reported committed is there; nothing partial beyond.
        assert report.size >= committed
        assert world.ledger.chain.first_unchained_event(report.size) is None
