"""The chained recorder's contract on SQLite (a file under the test's temporary directory)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger.config import Settings
from tests.support.backends import sqlite_settings
from tests.support.contract import ChainedRecorderContract


class TestChainedSQLiteRecorder(ChainedRecorderContract):
    @contextmanager
    def backend(self, tmp_path: Path) -> Iterator[Settings]:
        yield sqlite_settings(tmp_path)


def test_entries_read_a_stream_id_stored_otherwise_as_the_chain_reader_does(
    tmp_path: Path,
) -> None:
    """SQLite stores a stream id as 32 lower-case hex digits and the projections' reader
    formats it in SQL (issue 15.5); an id stored any other way (here upper case, by hand)
    is read by the same Python as select_chain's -- as what is stored, not as the id
    ``UUID`` would take it for (issue 11.1: the ledger's lookups by the stored text miss
    it, so the chain check must not match it to its entry either)."""
    from tests.support.rawdb import RawDB
    from tests.support.world import start_world

    world = start_world(sqlite_settings(tmp_path))
    world.note("x")
    raw = RawDB(world.ledger)
    raw.drop_guards()
    raw.execute(
        "UPDATE {events} SET originator_id = upper(originator_id) WHERE {event_id} = ?",
        (raw.notification_id(5),),
    )
    (row,) = world.ledger.select_chain(4, 1)
    (entry,) = world.ledger.select_entries(4, 1)
    assert row.event is not None and entry[3] == row.event.stream
    ((stored,),) = raw.execute(
        "SELECT originator_id FROM {events} WHERE {event_id} = ?", (raw.notification_id(5),)
    )
    assert entry[3] == f"'{stored}'" and stored == stored.upper()
    world.ledger.close()


def test_a_new_ledger_keeps_its_tree_nodes_in_their_key_b_tree(tmp_path: Path) -> None:
    """Each commit adds about one Merkle node; WITHOUT ROWID makes it one B-tree insert,
    not a row plus an entry in the key's index (issue 15.2: fewer pages per commit)."""
    from tests.support.rawdb import RawDB
    from tests.support.world import start_world

    world = start_world(sqlite_settings(tmp_path))
    (sql,) = RawDB(world.ledger).execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ledger_tree'"
    )[0]
    assert sql.endswith("WITHOUT ROWID")
    world.note("x")
    assert world.ledger.transparency.inclusion_proof(5, 5) is not None
    world.ledger.close()


def test_rows_hand_edited_to_other_types_are_read_alike_by_every_chain_reader(
    tmp_path: Path,
) -> None:
    """SQLite columns are untyped: a hand edit can leave TEXT where bytes or numbers were
    written. ``select_chain`` (verify's page reader) and ``select_positions`` (a proof's,
    a receipt's) read such rows alike -- bytes as bytes, a version that is no number as
    -1 -- so verify judges what every other reader sees (issue 11.1)."""
    from tests.support.rawdb import RawDB
    from tests.support.world import start_world

    world = start_world(sqlite_settings(tmp_path))
    world.note("类型")
    world.note("之后")
    raw = RawDB(world.ledger)
    raw.drop_guards()
    size = world.ledger.head().position
    nid = raw.notification_id(5)
    raw.execute(
        "UPDATE {events} SET originator_version = 'v' || originator_version, "
        "state = CAST(state AS TEXT) WHERE {event_id} = ?",
        (nid,),
    )
    raw.execute("UPDATE {chain} SET entry_hash = hex(entry_hash) WHERE position = 6")
    raw.execute("UPDATE {chain} SET signature = CAST(signature AS TEXT) WHERE position = 7")
    checked = world.ledger.select_chain(0, size)
    assert world.ledger.chain.select_positions(list(range(1, size + 1))) == checked
    (five,) = (r for r in checked if r.position == 5)
    assert five.event is not None and five.event.version == -1  # no version: not a number
    assert type(five.event.state) is bytes
    world.ledger.close()
