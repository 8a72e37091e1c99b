"""A monitor re-verifies what each checkpoint adds (issue 11, part 3;
:mod:`ledger.transparency.follow`): it downloads the new entries, checks them with the
auditor's rules, recomputes the state map and replays the new commands, before it
accepts the checkpoint -- so an operator who rewrites an entry, withholds one or signs a
false state map line under a checkpoint is caught by a monitor, not only by a full
verify (R2.2: 全程留痕、责任可追溯). Run on SQLite and PostgreSQL (``world``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ledger.audit.notes import Checkpoint, NoteSignature, NoteVerifier, b64
from ledger.audit.report import (
    BAD_CHECKPOINT,
    EVENTS_NOT_PRODUCED,
    HASH_MISMATCH,
    MISSING_POSITION,
    ChainRow,
)
from ledger.audit.statemap import STATE_PREFIX
from ledger.transparency.follow import ENTRIES_FILE
from ledger.transparency.monitor import FINDING_FORMAT, Monitor
from tests.support.monitoring import LedgerSource, watcher
from tests.support.rawdb import RawDB
from tests.support.world import World


class Serving(LedgerSource):
    """An operator's service that changes what it serves of the entries."""

    def __init__(self, world: World, change: Any) -> None:
        super().__init__("https://county.example", world.ledger.transparency)
        self.change = change

    def entries(self, after: int, limit: int) -> Sequence[ChainRow]:
        rows: list[ChainRow] = list(super().entries(after, limit))
        changed: list[ChainRow] = self.change(rows)
        return changed


def finding(path: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert value["format"] == FINDING_FORMAT and value["monitor"]["signature"]
    return value


def test_an_honest_log_is_re_verified_and_followed_across_runs(
    world: World, tmp_path: Path
) -> None:
    """R2.2 -- the entries each checkpoint adds are checked, replayed and kept; a new
    monitor process on the same folder continues from what was verified."""
    folder = tmp_path / "m"
    monitor = watcher(world, folder)
    source = LedgerSource("local", world.ledger.transparency)
    world.note("一")
    world.ledger.transparency.checkpoint()
    first = monitor.poll(source)
    assert first and first.extension is not None
    assert (first.extension.after, first.extension.size) == (0, 5)
    assert first.extension.commands == 3  # genesis, key registration, note
    for i in range(3):
        world.note(f"n{i}")
    world.ledger.transparency.checkpoint()
    again = Monitor(
        folder, routes=world.ledger.routes, registry=world.ledger.registry, workers=1
    ).poll(source)  # a new run: loads the 5 entries it kept
    assert again and again.extension is not None
    assert (again.extension.after, again.extension.size, again.extension.commands) == (5, 8, 3)
    assert len((folder / ENTRIES_FILE).read_text().splitlines()) == 8
    assert monitor.state()["verified"]["size"] == 8
    assert again.extension.signatures == 6  # each note: the department's and the seal
    nothing = monitor.poll(source)  # the same checkpoint: nothing new to verify
    assert nothing and nothing.extension is None


def test_a_rewritten_entry_under_a_new_checkpoint_is_caught_by_replay(
    world: World, tmp_path: Path
) -> None:
    """R9.1 -- a signed violation rewritten to no problem after the last checkpoint the
    monitor accepted, resealed, and a checkpoint signed over it: chain, root and
    consistency all hold; the replay of the signed command does not."""
    monitor = watcher(world, tmp_path / "m")
    source = LedgerSource("local", world.ledger.transparency)
    world.ledger.transparency.checkpoint()
    assert monitor.poll(source)
    world.note("S1 录入：违法 / violation")
    raw = RawDB(world.ledger)
    raw.drop_guards()
    raw.rewrite_event(
        5, "违法 / violation".encode(), "无问题 / no_problem".encode(), world.ledger_key
    )
    world.ledger.transparency.checkpoint()
    found = monitor.poll(source)
    assert not found and found.extension is not None
    failure = found.extension.failure
    assert failure is not None and failure.reason == EVENTS_NOT_PRODUCED
    assert failure.position == 5 and "re-verification" in found.problems[0]
    assert monitor.state()["latest"]["size"] == 4  # never accepted
    record = finding(found.findings[0])
    assert record["failure"]["position"] == 5 and len(record["entries"]) == 1
    assert record["verified"]["size"] == 4


def test_an_entry_changed_on_the_wire_is_caught(world: World, tmp_path: Path) -> None:
    """The service serves other event bytes than it committed to: caught by the entry's
    digest, and a later honest poll (a new follower from the folder) passes again."""
    monitor = watcher(world, tmp_path / "m")
    world.note("一")
    world.ledger.transparency.checkpoint()

    def rewrite(rows: list[ChainRow]) -> list[ChainRow]:
        out = []
        for row in rows:
            if row.position == 5 and row.event is not None:
                state = row.event.state.replace("一".encode(), "壹".encode())
                row = replace(row, event=replace(row.event, state=state))
            out.append(row)
        return out

    found = monitor.poll(Serving(world, rewrite))
    assert not found and found.extension is not None
    failure = found.extension.failure
    assert failure is not None and (failure.position, failure.reason) == (5, HASH_MISMATCH)
    assert monitor.poll(LedgerSource("local", world.ledger.transparency))


def test_a_withheld_entry_is_caught(world: World, tmp_path: Path) -> None:
    monitor = watcher(world, tmp_path / "m")
    world.note("一")
    world.note("二")
    world.ledger.transparency.checkpoint()
    dropped = monitor.poll(Serving(world, lambda rows: [r for r in rows if r.position != 5]))
    assert not dropped and dropped.extension is not None
    failure = dropped.extension.failure
    assert failure is not None and (failure.position, failure.reason) == (5, MISSING_POSITION)
    tail = monitor.poll(Serving(world, lambda rows: [r for r in rows if r.position < 6]))
    assert not tail and tail.extension is not None
    failure = tail.extension.failure
    assert failure is not None and failure.reason == MISSING_POSITION
    assert "withheld" in failure.detail and failure.position == 6
    assert monitor.poll(LedgerSource("local", world.ledger.transparency))


def test_a_false_state_map_line_is_caught(world: World, tmp_path: Path) -> None:
    """The operator signs a checkpoint whose state line leaves a stream out (so a slice
    checked against it alone would pass): the monitor recomputes the map."""
    monitor = watcher(world, tmp_path / "m")
    source = LedgerSource("local", world.ledger.transparency)
    world.ledger.transparency.checkpoint()
    assert monitor.poll(source)
    world.note("x")
    t = world.ledger.transparency
    size = t.size()
    signer = world.ledger.signer
    assert signer is not None
    body = Checkpoint(t.origin, size, t.root(size), (STATE_PREFIX + b64(bytes(32)),)).text
    verifier = NoteVerifier(t.origin, signer.public_key)
    line = NoteSignature(t.origin, verifier.key_id, signer.sign(body.encode())).line
    world.ledger.chain.insert_checkpoint(size, t.root(size), body + "\n" + line, "2026-01-01")
    found = monitor.poll(source)
    assert not found and found.extension is not None
    failure = found.extension.failure
    assert failure is not None and failure.reason == BAD_CHECKPOINT
    assert "state" in failure.detail and failure.position == size
    assert monitor.state()["latest"]["size"] == 4


def test_a_fork_is_still_caught_while_re_verifying(world: World, tmp_path: Path) -> None:
    """Two roots for one size: a fork proof, and neither history is re-verified twice."""
    monitor = watcher(world, tmp_path / "m")
    source = LedgerSource("local", world.ledger.transparency)
    world.note("S1 录入：违法 / violation")
    world.ledger.transparency.checkpoint()
    assert monitor.poll(source)
    raw = RawDB(world.ledger)
    raw.drop_guards()
    raw.rewrite_event(
        5, "违法 / violation".encode(), "无问题 / no_problem".encode(), world.ledger_key
    )
    raw.execute("DELETE FROM {checkpoints}")
    world.ledger.transparency._signed = None
    world.ledger.transparency.checkpoint(5)
    found = monitor.poll(source)
    assert not found and len(found.forks) == 1 and found.extension is None
