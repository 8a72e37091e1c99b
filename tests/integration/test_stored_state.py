"""The writer's stored state map (issue 11 part 4's cost, R2.2), on both backends.

A checkpoint in a new process grows the stored copy by the entries since it, and its
state root is the one the auditor's map gives from position 1; the copy is never what a
verifier reads, so a falsified copy gives a checkpoint every full verification refuses.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.application import Ledger
from ledger.audit.notes import parse_checkpoint, parse_note
from ledger.audit.report import BAD_CHECKPOINT
from ledger.audit.statemap import StateMap, state_root_of
from ledger.storage import statemaps
from ledger.transparency.database import verify_ledger
from tests.support.world import World, open_world


def rebuilt_map(ledger: Ledger, size: int) -> StateMap:
    """The map of the first ``size`` entries as a verifier builds it: from position 1."""
    state = StateMap()
    rows = ledger.chain.select_entry_meta(0, size, size + 1)
    for position, entry_hash, stream, version, topic, body in rows:
        state.observe(position, stream, version, topic, entry_hash, body)
    return state


def rebuilt_root(ledger: Ledger, size: int) -> bytes:
    return rebuilt_map(ledger, size).root()


def state_line_root(note: str) -> bytes | None:
    return state_root_of(parse_checkpoint(parse_note(note).text))


def test_a_checkpoint_keeps_the_map_in_the_database(world: World) -> None:
    for i in range(5):
        world.note(f"周报 {i}")
    note = world.ledger.transparency.checkpoint()
    size = world.ledger.transparency.size()
    assert world.ledger.chain.state_size() == size
    assert state_line_root(note) == rebuilt_root(world.ledger, size)


def test_the_map_reads_big_entries_a_few_at_a_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15 part 6: the entries are read in pages of at most ``PAGE_BYTES`` of their
    states (at least one entry each; 5,000 directory batches would be a gigabyte in
    memory at once), and the root is the same."""
    for i in range(5):
        world.note(f"周报 {i}")
    chain = world.ledger.chain
    size = world.ledger.transparency.size()
    rows = chain.select_entry_meta(0, size, size + 1)
    two = len(rows[0][5]) + len(rows[1][5])
    assert [r[0] for r in chain.select_entry_meta(0, size, size + 1, two)] == [1, 2]
    assert [r[0] for r in chain.select_entry_meta(0, size, size + 1, two - 1)] == [1]
    assert [r[0] for r in chain.select_entry_meta(0, size, size + 1, 0)] == [1]
    assert chain.select_entry_meta(0, size, size + 1, 10**9) == rows
    monkeypatch.setattr(statemaps, "PAGE_BYTES", 1)
    note = world.ledger.transparency.checkpoint()
    assert state_line_root(note) == rebuilt_root(world.ledger, size)


def test_a_new_process_reads_only_the_entries_since_the_stored_map(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11 part 4: a checkpoint in a new process grows the stored copy (reading
    the entries after it), not a map rebuilt over every entry; its root is the one
    the entries give from position 1, and the ledger verifies."""
    for i in range(4):
        world.note(f"n{i}")
    world.ledger.transparency.checkpoint()
    stored = world.ledger.chain.state_size()
    world.ledger.close()
    again = open_world(world.settings)
    try:
        for i in range(3):
            again.note(f"m{i}")
        reads: list[int] = []
        chain: Any = again.ledger.chain
        original = chain.select_entry_meta

        def counted(after: int, up_to: int, limit: int, budget: int | None = None) -> Any:
            reads.append(after)
            return original(after, up_to, limit, budget)

        monkeypatch.setattr(chain, "select_entry_meta", counted)
        note = again.ledger.transparency.checkpoint()
        size = again.ledger.transparency.size()
        assert reads == [stored]
        monkeypatch.undo()
        assert again.ledger.chain.state_size() == size
        assert state_line_root(note) == rebuilt_root(again.ledger, size)
        report = verify_ledger(again.ledger, workers=1)
        assert report, report.failure
    finally:
        again.ledger.close()
        world.ledger = open_world(world.settings).ledger  # for the fixture's close


def test_a_checkpoint_before_the_stored_map_is_built_in_memory(world: World) -> None:
    """A size the stored copy is already past is never rolled back: that map is built
    from the entries, and its root is still the right one."""
    world.note("a")
    early = world.ledger.transparency.size()
    world.note("b")
    world.ledger.transparency.checkpoint()
    note = world.ledger.transparency.checkpoint(early)
    assert world.ledger.chain.state_size() > early
    assert state_line_root(note) == rebuilt_root(world.ledger, early)


def test_a_falsified_stored_map_is_caught_by_the_full_verifier(world: World) -> None:
    """The stored copy is the operator's: rewrite its bucket hashes and the next
    checkpoint signs a false state line, which every full verification, recomputing
    the map from the entries, refuses."""
    world.note("x")
    world.ledger.transparency.checkpoint()
    chain: Any = world.ledger.chain
    chain.execute("UPDATE {state_buckets} SET hash = ?", (bytes(32),))
    world.ledger.close()
    again = open_world(world.settings)
    try:
        again.note("y")
        again.ledger.transparency.checkpoint()
        report = verify_ledger(again.ledger, workers=1)
        assert report.failure is not None and report.failure.reason == BAD_CHECKPOINT
        assert "state" in report.failure.detail
    finally:
        again.ledger.close()
        world.ledger = open_world(world.settings).ledger


def test_another_writer_moving_the_stored_map_first_is_not_overwritten(world: World) -> None:
    world.note("x")
    world.ledger.transparency.checkpoint()
    chain = world.ledger.chain
    stored = chain.state_size()
    assert not chain.write_state(stored - 1, stored + 1, [], [], [])
    assert chain.state_size() == stored
    world.note("y")
    note = world.ledger.transparency.checkpoint()
    size = world.ledger.transparency.size()
    assert state_line_root(note) == rebuilt_root(world.ledger, size)


def test_a_long_map_is_written_a_chunk_at_a_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15 part 7: the first map of a long log (a ledger upgraded, or laid in bulk)
    is written back every ``CHUNK`` entries, so the build holds one chunk's changed keys
    and links rather than the whole log's (3.5 GB at 10M entries), and an interrupted
    build keeps the chunks it wrote. Root and stored links are those of a map built from
    position 1 at once."""
    for i in range(6):
        world.note(f"分块 {i}")
    chain: Any = world.ledger.chain
    stored, size = chain.state_size(), world.ledger.transparency.size()
    monkeypatch.setattr(statemaps, "CHUNK", 4)
    writes: list[tuple[int, int]] = []
    write_state = chain.write_state

    def recorded(before: int, after: int, *args: Any) -> bool:
        writes.append((before, after))
        return bool(write_state(before, after, *args))

    monkeypatch.setattr(chain, "write_state", recorded)
    note = world.ledger.transparency.checkpoint()
    ends = [*range(stored + 4, size, 4), size]
    assert writes == list(zip([stored, *ends[:-1]], ends, strict=True))
    assert state_line_root(note) == rebuilt_root(world.ledger, size)
    links = rebuilt_map(world.ledger, size).links
    assert set(chain.query("SELECT subject, stream FROM {state_links}")) == links

    # Interrupted after its first chunk: that chunk stays written, the next map goes on
    # from it.
    for i in range(6):
        world.note(f"中断 {i}")
    stored, size = chain.state_size(), world.ledger.transparency.size()
    read = chain.select_entry_meta

    def failing(after: int, up_to: int, limit: int, budget: int | None = None) -> Any:
        if after >= stored + 4:
            raise OSError("the disk went away")
        return read(after, up_to, limit, budget)

    monkeypatch.setattr(chain, "select_entry_meta", failing)
    world.ledger.transparency._stored = statemaps.StoredStateMap(chain)  # a new process
    with pytest.raises(OSError):
        world.ledger.transparency.checkpoint()
    assert chain.state_size() == stored + 4
    monkeypatch.setattr(chain, "select_entry_meta", read)
    note = world.ledger.transparency.checkpoint()
    assert chain.state_size() == size
    assert state_line_root(note) == rebuilt_root(world.ledger, size)
    report = verify_ledger(world.ledger, workers=1)
    assert report, report.failure
