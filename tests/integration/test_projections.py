"""Projections: an incremental build equals a full rebuild; a crash mid-batch resumes
without duplicates; a projection never writes to the log.

The property test draws random sequences of commands (case inspections, results,
publication, withholding, follow-ups, joint tasks, sections, notes, calendar
amendments, settled reviews) and random points at which to bring the projections up
to date, in random batch sizes, then compares every table with a rebuild from zero.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.areas.directory.importer import import_objects
from ledger.config import Settings
from ledger.errors import ConflictError, NotFoundError, PermissionDeniedError, RuleViolationError
from projections import projectors
from projections.runner import rebuild, scratch_path, update
from projections.store import SCHEMA, Store
from tests.support.actors import SETUP_DAY, moment
from tests.support.county import DEPARTMENTS, County, add_people, build_county, key_for
from tests.support.world import open_world, start_world
from tools.fakecounty import write_generated_objects

OBJECTS = 12


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    return {
        name: sorted((tuple(r.values()) for r in store.db.query(f"SELECT * FROM {name}")), key=repr)
        for name in SCHEMA
    }


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A county with keys, lists, inspectors and a small directory, built once."""
    root = tmp_path_factory.mktemp("template")
    world = start_world(Settings(home=root / "home"))
    county = build_county(world)
    add_people(county)
    source = root / "objects.csv"
    write_generated_objects(source, OBJECTS, departments=("SCJGJ",), seed=11)
    with county.dated():
        import_objects(source, "SCJGJ", county.submitter("SCJGJ"))
    keys = Store(root / "p.sqlite3")
    update(world.ledger, keys)
    ids = [r["id"] for r in keys.db.query("SELECT id FROM objects ORDER BY id")]
    keys.close()
    world.ledger.close()
    return root / "home", ids


def copy_county(template: Path, where: Path) -> County:
    home = where / "home"
    shutil.copytree(template, home)
    county = County(open_world(Settings(home=home)))
    county.keys.update({code: key_for(code) for code in DEPARTMENTS})
    county.keys.update({p: key_for(f"inspector {p}") for p in ("S1", "S2", "S3")})
    county.keys["discipline"] = key_for("discipline")
    county.monotone = True  # steps come in any order; the log's times only move forward
    county.undated_at = moment(SETUP_DAY)
    return county


RESULTS = ("no_problem", "violation", "corrected", "not_found")
DAYS = ("2026-02-10", "2026-03-02", "2026-09-22", "2026-10-09", "2026-11-02")
step = st.one_of(
    st.tuples(
        st.just("case"),
        st.integers(0, OBJECTS - 1),
        st.sampled_from(RESULTS),
        st.sampled_from(DAYS),
    ),
    st.tuples(st.just("decide"), st.integers(0, 20), st.sampled_from(("publish", "withhold"))),
    st.tuples(st.just("follow"), st.integers(0, 20)),
    st.tuples(st.just("task"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("section"), st.integers(0, 3)),
    st.tuples(st.just("note"), st.text(st.characters(categories=("L", "N")), max_size=8)),
    st.tuples(st.just("calendar"), st.sampled_from(("2027-01-01", "2026-10-09")), st.booleans()),
    st.tuples(st.just("settle"), st.integers(0, OBJECTS - 1), st.sampled_from(("S1", "SCJGJ"))),
    st.tuples(st.just("sync"), st.integers(1, 7)),
)


def apply_step(
    county: County,
    ids: list[str],
    done: list[dict[str, Any]],
    s: tuple[Any, ...],
    sync: Callable[[int], None],
) -> None:
    kind = s[0]
    if kind == "case":
        _, index, result, day = s
        basis = {"kind": "case", "case": f"C{len(done)}", "trigger": "complaint", "reference": "r"}
        target = {"basis": basis, "object": ids[index], "item": "SCJGJ:SC-001"}
        county.run(
            "S1",
            "inspection.record",
            on=day,
            **target,
            method="on_site",
            inspectors=["S1", "S2"],
            checked_on=day,
        )
        county.run("S2", "result.enter", on=day, **target, result=result, formed_on=day)
        done.append({**target, "day": day, "result": result})
    elif kind in ("decide", "follow") and done:
        target = done[s[1] % len(done)]
        keys = {k: target[k] for k in ("basis", "object", "item")}
        if kind == "follow":
            county.run(
                "SCJGJ",
                "result.follow_up",
                {"on": "2026-11-20"},
                on="2026-11-20",
                **keys,
                kind="penalty_case",
                reference="P1",
            )
        elif s[2] == "publish":
            county.run(
                "SCJGJ", "result.publish", on="2026-11-20", **keys, published_on="2026-11-20"
            )
        else:
            county.run(
                "SCJGJ",
                "result.withhold",
                on="2026-11-20",
                **keys,
                legal_basis="法",
                decided_on="2026-11-20",
            )
    elif kind == "task":
        code = f"T-P-{s[1]}"
        county.run(
            "SCJGJ",
            "task.create",
            on="2026-11-20",
            task=code,
            name="联合",
            year=2026,
            items=["SC-001"],
            inspectors=["S1", "S2"],
            matching="dispersed",
            team_size=2,
            planned_start="2026-12-01",
            planned_end="2026-12-20",
            ratios={"A": "0.05", "B": "0.05", "C": "0.05", "D": "0.05"},
            # R5.3: above every class ratio, within SC-001's cap (R3.2).
            directed={"ratio": "0.1", "penalty_years": 3, "min_complaints": 2},
            scope={"kinds": ["enterprise"], "regions": [], "industries": []},
        )
        if s[2]:
            county.run(
                "SWJ", "task.join", on="2026-11-20", task=code, items=["SW-001"], inspectors=["T1"]
            )
    elif kind == "section":
        county.run("office", "department.add_section", department="SCJGJ", section=f"科室{s[1]}")
    elif kind == "note":
        county.run("SCJGJ", "note.append", text=s[1] or "-")
    elif kind == "calendar":
        county.run("office", "calendar.amend", days={s[1]: s[2]}, declare_years=[2027], note="n")
    elif kind == "settle":
        county.run(
            "discipline",
            "review.settle",
            subject={"kind": "object", "id": ids[s[1]]},
            party=s[2],
            verdict="exempt",
            reasoning="r",
            evidence=[1],
        )
    elif kind == "sync":
        sync(s[1])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=14))
def test_incremental_build_equals_rebuild(
    template: tuple[Path, list[str]],
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[Any, ...]],
) -> None:
    home, ids = template
    where = tmp_path_factory.mktemp("run")
    county = copy_county(home, where)
    incremental = Store(where / "incremental.sqlite3")
    done: list[dict[str, Any]] = []
    try:
        for s in steps:
            try:
                apply_step(
                    county,
                    ids,
                    done,
                    s,
                    lambda size: update(county.world.ledger, incremental, batch=size),
                )
            except (ConflictError, NotFoundError, PermissionDeniedError, RuleViolationError):
                pass  # a refused command writes nothing; the sequence goes on
        update(county.world.ledger, incremental, batch=3)
        full = Store(where / "full.sqlite3")
        rebuild(county.world.ledger, full)
        assert incremental.position() == full.position() == county.world.ledger.head().position
        assert dump(incremental) == dump(full)
        full.close()
    finally:
        incremental.close()
        county.world.ledger.close()


def test_a_crash_mid_batch_resumes_without_duplicates(
    template: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, ids = template
    county = copy_county(home, tmp_path)
    done: list[dict[str, Any]] = []
    for index in range(4):
        apply_step(county, ids, done, ("case", index, "violation", "2026-03-02"), print)
    apply_step(county, ids, done, ("task", 1, True), print)
    store = Store(tmp_path / "p.sqlite3")
    before = store.position()
    original = projectors.HANDLERS["shuangsui.inspection.result"]
    calls = []

    def crash(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("power cut")
        original(*args)

    monkeypatch.setitem(projectors.HANDLERS, "shuangsui.inspection.result", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        update(county.world.ledger, store, batch=100_000)
    assert store.position() == before  # the whole batch rolled back
    assert list(store.db.query("SELECT * FROM results")) == []
    monkeypatch.setitem(projectors.HANDLERS, "shuangsui.inspection.result", original)
    update(county.world.ledger, store)
    full = Store(tmp_path / "full.sqlite3")
    rebuild(county.world.ledger, full)
    assert dump(store) == dump(full)
    participants = next(store.db.query("SELECT participants FROM tasks"))["participants"]
    assert participants == '["SWJ"]'
    # Projections never write to the log.
    head = county.world.ledger.head().position
    rebuild(county.world.ledger, store)
    assert county.world.ledger.head().position == head
    county.world.ledger.close()


def test_two_updaters_apply_each_entry_once(
    template: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """Two processes (here: two connections) updating one projection file never apply a
    batch twice: the position is re-read inside the write transaction."""
    home, ids = template
    county = copy_county(home, tmp_path)
    apply_step(county, ids, [], ("task", 2, True), print)
    first, second = Store(tmp_path / "p.sqlite3"), Store(tmp_path / "p.sqlite3")
    ledger = county.world.ledger
    plain = ledger.select_entries

    def racing(after: int, limit: int) -> Any:
        rows = plain(after, limit)
        ledger.select_entries = plain  # type: ignore[method-assign]
        update(ledger, second)  # the other process wins the race to the lock
        return rows

    ledger.select_entries = racing  # type: ignore[method-assign]
    update(ledger, first)
    assert first.position() == second.position() == ledger.head().position
    participants = next(first.db.query("SELECT participants FROM tasks"))["participants"]
    assert participants == '["SWJ"]'
    county.world.ledger.close()


def open_at_once(path: Path, connections: int) -> tuple[list[Store], list[BaseException]]:
    """``connections`` threads open ``path`` at the same moment: the stores, the failures."""
    barrier = threading.Barrier(connections)
    opened: list[Store] = []
    failed: list[BaseException] = []

    def open_it() -> None:
        barrier.wait()
        try:
            opened.append(Store(path))
        except BaseException as exc:
            failed.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return opened, failed


def test_connections_opening_a_new_file_at_once_all_open_it(tmp_path: Path) -> None:
    """A request and the server's update thread may open a county's projection file for
    the first time at once: each finds the tables there or makes them, none fails (the
    check and the CREATE in one transaction; the switch to WAL tried again while the
    other connection holds the file). CI once served a 500 from this race."""
    for attempt in range(15):
        opened, failed = open_at_once(tmp_path / f"p{attempt}.sqlite3", 4)
        assert failed == []
        assert set(SCHEMA) <= set(opened[0].db.table_names())
        assert opened[0].db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        for store in opened:
            store.db.conn.close()


def test_a_rebuild_builds_its_indexes_last_and_a_failed_one_leaves_the_old_file(
    template: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild fills a scratch file without its secondary indexes and builds them at
    the end (issue 15.5); until the scratch file is complete the projections in use are
    untouched, so a rebuild that fails leaves them as they were, indexes and all, and
    takes its scratch file away."""
    from projections.store import INDEXES

    home, ids = template
    county = copy_county(home, tmp_path)
    apply_step(county, ids, [], ("case", 0, "violation", "2026-03-02"), print)
    store = Store(tmp_path / "p.sqlite3")
    update(county.world.ledger, store)
    before = dump(store)
    scratch = scratch_path(store.path)

    def indexed(db: Any) -> set[tuple[str, tuple[str, ...]]]:
        return {
            (name, tuple(index.columns))
            for name, _ in INDEXES
            for index in db.table(name).indexes
            if not index.unique
        }

    expected = {(name, tuple(columns)) for name, columns in INDEXES}
    assert indexed(store.db) == expected

    def crash(*_: Any) -> None:
        building = sqlite_utils.Database(sqlite3.connect(scratch))
        assert indexed(building) == set()  # filled without them
        assert indexed(store.db) == expected  # the file in use is not touched
        raise RuntimeError("power cut")

    monkeypatch.setitem(projectors.HANDLERS, "shuangsui.inspection.result", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        rebuild(county.world.ledger, store)
    assert dump(store) == before
    assert indexed(store.db) == expected
    assert not scratch.exists()
    monkeypatch.undo()
    rebuild(county.world.ledger, store)
    assert indexed(store.db) == expected
    assert dump(store) == before
    assert store.position() == county.world.ledger.head().position
    assert not scratch.exists()
    store.close()
    county.world.ledger.close()


KILLED_REBUILD = """
import os, signal, sys
from pathlib import Path
from ledger.config import Settings
from projections.runner import rebuild
from projections.store import Store
from tests.support.world import open_world

world = open_world(Settings(home=Path(sys.argv[1])))
store = Store(Path(sys.argv[2]))
calls = []

def progress(applied):
    calls.append(applied)
    if len(calls) == 2:  # the scratch file holds two batches: the power goes off
        os.kill(os.getpid(), signal.SIGKILL)

rebuild(world.ledger, store, batch=5, progress=progress)
"""


def test_a_rebuild_killed_midway_leaves_the_projections_intact(
    template: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """Issue 15.5: a rebuild writes its scratch file without a journal or syncs, which is
    safe only because the file in use is replaced once the new one is complete. A process
    killed (SIGKILL) halfway through a rebuild leaves the old projections whole -- every
    table, the position, readable and writable -- and the next rebuild starts over,
    replacing the half-written scratch file, and gives the tables a fresh build gives."""
    home, ids = template
    county = copy_county(home, tmp_path)
    for index in range(3):
        apply_step(county, ids, [], ("case", index, "violation", "2026-03-02"), print)
    path = tmp_path / "p.sqlite3"
    store = Store(path)
    update(county.world.ledger, store)
    before, position = dump(store), store.position()
    store.close()
    ledger = county.world.ledger
    ledger.close()
    run = subprocess.run(
        [sys.executable, "-c", KILLED_REBUILD, str(tmp_path / "home"), str(path)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert scratch_path(path).exists()  # it got as far as writing the scratch file
    store = Store(path)
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert dump(store) == before
    assert store.position() == position
    county = copy_county(home, tmp_path / "again")
    fresh = Store(tmp_path / "fresh.sqlite3")
    update(county.world.ledger, fresh)
    rebuild(county.world.ledger, store)
    assert dump(store) == dump(fresh)
    assert not scratch_path(path).exists()
    store.close()
    fresh.close()
    county.world.ledger.close()


@pytest.mark.parametrize("shared", [False, True], ids=["alone", "held-open-elsewhere"])
def test_a_rebuild_replaces_the_file_whole_for_every_reader(
    template: tuple[Path, list[str]], tmp_path: Path, shared: bool
) -> None:
    """Issue 15.5: the rebuilt file takes the old one's place whole. Alone, it is renamed
    over it; while another connection (a server's pool) has the file open, its pages are
    copied in one transaction instead, and that connection then reads the new tables
    and can go on updating them. Either way the result equals an incremental build,
    the scratch file is gone and the file is in WAL mode again."""
    home, ids = template
    county = copy_county(home, tmp_path)
    path = tmp_path / "p.sqlite3"
    incremental = Store(tmp_path / "incremental.sqlite3")
    update(county.world.ledger, incremental)
    store = Store(path)
    update(county.world.ledger, store)
    store.db.execute("DELETE FROM results")  # so the rebuild visibly changes something
    other = Store(path) if shared else None
    for index in range(2):
        apply_step(county, ids, [], ("case", index, "violation", "2026-03-02"), print)
    update(county.world.ledger, incremental)
    old_inode = path.stat().st_ino
    rebuild(county.world.ledger, store)
    assert dump(store) == dump(incremental)
    assert not scratch_path(path).exists()
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (path.stat().st_ino == old_inode) is shared  # copied in, or renamed over
    if other is not None:
        assert dump(other) == dump(incremental)
        apply_step(county, ids, [], ("case", 3, "violation", "2026-03-02"), print)
        update(county.world.ledger, other)
        update(county.world.ledger, incremental)
        assert dump(store) == dump(incremental)
        other.close()
    store.close()
    incremental.close()
    county.world.ledger.close()


def test_a_rebuild_gives_its_page_cache_back(
    template: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """A rebuild runs with a larger page cache and larger batches (issue 15.5), and
    leaves the connection's cache as it found it."""
    home, _ = template
    county = copy_county(home, tmp_path)
    store = Store(tmp_path / "p.sqlite3")
    before = store.db.execute("PRAGMA cache_size").fetchone()[0]
    rebuild(county.world.ledger, store, batch=7)
    assert store.db.execute("PRAGMA cache_size").fetchone()[0] == before
    assert store.position() == county.world.ledger.head().position
    store.close()
    county.world.ledger.close()
