"""Proofs, witnesses, checks against a checkpoint held outside, and bundles on a real
ledger (SQLite and PostgreSQL).

The Merkle tree nodes and the checkpoints the recorder stores are its contract:
``tests/support/contract.py``, run by ``test_recorder_sqlite.py`` and
``test_recorder_postgres.py``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from ledger.audit.bundles import verify_bundle
from ledger.audit.hashing import leaf_hash, verify_inclusion
from ledger.audit.notes import (
    NoteSignature,
    NoteVerifier,
    b64,
    b64strict,
    parse_checkpoint,
    parse_note,
)
from ledger.audit.report import BAD_PROOF
from ledger.bootstrap import open_ledger, route_table
from ledger.errors import LedgerError, NotFoundError, ValidationError
from ledger.transparency.database import verify_ledger, verify_since
from ledger.transparency.log import Transparency
from ledger.transparency.witness import Witness, WitnessError, request_text
from tests.support.rawdb import RawDB
from tests.support.world import World, start_world
from tests.vectors.testkeys import fixed_key

WITNESS_NAME = "witness.test/jiwei"


def test_tlog_proof_text(world: World) -> None:
    world.note("x")
    text = world.ledger.transparency.prove(5)
    lines = text.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1" and lines[1] == "index 4"
    proof_part, _, note = text.partition("\n\n")
    checkpoint = parse_checkpoint(parse_note(note).text)
    row = world.ledger.chain.select_positions([5])[0]
    hashes = [b64strict(h) for h in proof_part.split("\n")[2:]]
    assert verify_inclusion(leaf_hash(row.entry), 4, checkpoint.size, hashes, checkpoint.root)


# --- witnesses ---------------------------------------------------------------------------


@pytest.fixture
def witnessed(world: World, tmp_path: Path) -> tuple[World, Witness]:
    key = fixed_key("witness")
    world.run(
        "office",
        "key.register",
        public_key=key.public.public_b64,
        holder="县纪委监委",
        roles=["witness"],
        note_name=WITNESS_NAME,
    )
    state = tmp_path / "witness.json"
    t = world.ledger.transparency
    Witness.create(state, WITNESS_NAME, [t.log_verifier().vkey])
    witness = Witness(state, key)
    # First contact: the genesis checkpoint (issue 11.3), then it follows the log from there.
    witness.add_checkpoint(request_text(t.consistency_text(0, 3), t.checkpoint(3)))
    return world, witness


def cosign(world: World, witness: Witness, old: int) -> str:
    t = world.ledger.transparency
    note = t.checkpoint()
    size = parse_checkpoint(parse_note(note).text).size
    return note + witness.add_checkpoint(request_text(t.consistency_text(old, size), note))


def test_witness_cosigns_growth_and_the_ledger_attaches_it(
    witnessed: tuple[World, Witness],
) -> None:
    world, witness = witnessed
    first = cosign(world, witness, 3)
    assert world.ledger.transparency.attach_cosignatures(first)
    assert world.ledger.head().position == 7  # checkpoint 5 and its cosignature, in the log
    world.note("more")
    second = cosign(world, witness, 5)
    assert len(world.ledger.transparency.attach_cosignatures(second)) == 1
    report = verify_ledger(world.ledger, workers=1)
    assert report, report.failure
    assert report.checkpoints[8] == [WITNESS_NAME]
    assert sorted(report.witnessing.cosignatures) == [5, 8]


def test_witness_refuses_rollback_stale_old_size_and_bad_proof(
    witnessed: tuple[World, Witness],
) -> None:
    world, witness = witnessed
    t = world.ledger.transparency
    old_note = t.checkpoint()
    witness.add_checkpoint(request_text(t.consistency_text(3, 5), old_note))
    world.note("grow")
    new_note = t.checkpoint()
    with pytest.raises(WitnessError) as stale:
        witness.add_checkpoint(request_text(t.consistency_text(0, 6), new_note))
    assert (stale.value.status, stale.value.known_size) == (409, 5)
    bad_proof = "old 5\n" + b64(bytes(32)) + "\n"
    with pytest.raises(WitnessError) as refused:
        witness.add_checkpoint(request_text(bad_proof, new_note))
    assert refused.value.status == 422
    witness.add_checkpoint(request_text(t.consistency_text(5, 6), new_note))
    with pytest.raises(WitnessError) as rollback:
        witness.add_checkpoint(request_text("old 6\n", old_note))
    assert rollback.value.status == 400


def test_witness_refuses_a_fork(witnessed: tuple[World, Witness], tmp_path: Path) -> None:
    world, witness = witnessed
    t = world.ledger.transparency
    witness.add_checkpoint(request_text(t.consistency_text(3, 5), t.checkpoint()))
    # Another ledger with the same keys and origin but another history: a fork.
    fork = start_world(
        dataclasses.replace(world.settings, home=tmp_path / "fork", database_url=None)
    )
    fork.note("a different fifth entry")
    fork.note("and a sixth")
    ft = fork.ledger.transparency
    with pytest.raises(WitnessError) as forked:
        witness.add_checkpoint(request_text(ft.consistency_text(5, 6), ft.checkpoint()))
    assert forked.value.status == 422
    fork.ledger.close()


def test_witness_refuses_unknown_origin_and_unsigned(witnessed: tuple[World, Witness]) -> None:
    world, witness = witnessed
    note = world.ledger.transparency.checkpoint()
    with pytest.raises(WitnessError) as unknown:
        witness.add_checkpoint("old 0\n\n" + note.replace("test.example/shuangsui", "x.example/y"))
    assert unknown.value.status == 404
    body = note.split("\n\n")[0] + "\n\n"
    other = fixed_key("department")
    verifier = NoteVerifier("test.example/shuangsui", other.public_key)
    forged = (
        body + NoteSignature(verifier.name, verifier.key_id, other.sign((body[:-1]).encode())).line
    )
    with pytest.raises(WitnessError) as unsigned:
        witness.add_checkpoint("old 0\n\n" + forged)
    assert unsigned.value.status == 403


def test_cosignature_from_unregistered_witness_is_refused(world: World, tmp_path: Path) -> None:
    state = tmp_path / "w.json"
    t = world.ledger.transparency
    Witness.create(state, "stranger.example/w", [t.log_verifier().vkey], [t.checkpoint()])
    stranger = Witness(state, fixed_key("inspector"))
    with pytest.raises(ValidationError, match="not a registered witness"):
        t.attach_cosignatures(cosign(world, stranger, t.size()))


# --- a log checked against a checkpoint held outside it -------------------------------------


def test_verify_since_checks_only_what_is_new(world: World) -> None:
    for i in range(5):
        world.note(f"n{i}")
    trusted = world.ledger.transparency.checkpoint()
    for i in range(4):
        world.note(f"later {i}")
    report = verify_since(world.ledger, trusted, workers=1)
    assert report, report.failure
    assert report.size == 13 and report.commands == 4


def test_truncated_log_is_caught(world: World) -> None:
    for i in range(5):
        world.note(f"n{i}")
    trusted = world.ledger.transparency.checkpoint()
    raw = RawDB(world.ledger)
    raw.drop_guards()
    raw.execute("DELETE FROM {chain} WHERE position > 7")
    raw.execute("DELETE FROM {tree} WHERE level > 0")
    report = verify_since(world.ledger, trusted, workers=1)
    assert report.failure is not None and "truncated" in report.failure.detail


def test_a_deleted_tree_node_is_tampering_not_a_crash(world: World) -> None:
    for i in range(5):
        world.note(f"n{i}")
    trusted = world.ledger.transparency.checkpoint()
    world.note("later")
    raw = RawDB(world.ledger)
    raw.drop_guards()
    raw.execute("DELETE FROM {tree} WHERE level > 0")
    report = verify_since(world.ledger, trusted, workers=1)
    assert report.failure is not None and "has no node (3, 0)" in report.failure.detail


def test_rewritten_log_is_caught(world: World, tmp_path: Path) -> None:
    for i in range(5):
        world.note(f"n{i}")
    trusted = world.ledger.transparency.checkpoint()
    # Whoever holds the database and the ledger key rebuilds a consistent, re-signed
    # history -- only the checkpoint held outside shows it is not the same log.
    rewritten = start_world(
        dataclasses.replace(world.settings, home=tmp_path / "rewritten", database_url=None)
    )
    for i in range(6):
        rewritten.note(f"rewritten {i}")
    assert verify_ledger(rewritten.ledger, workers=1)
    report = verify_since(rewritten.ledger, trusted, workers=1)
    assert report.failure is not None and "rewritten" in report.failure.detail
    rewritten.ledger.close()


# --- bundles ---------------------------------------------------------------------------------


def test_full_bundle_verifies_offline(world: World, tmp_path: Path) -> None:
    for i in range(5):
        world.note(f"n{i}")
    out = tmp_path / "ledger.bundle"
    summary = world.ledger.transparency.export(out)
    assert summary["entries"] == 9
    report = verify_bundle(
        out.read_text(encoding="utf-8").splitlines(keepends=True), route_table(), workers=1
    )
    assert report, report.failure
    assert report.size == 9 and 9 in report.checkpoints


def test_stream_slice_verifies_with_inclusion_proofs(world: World, tmp_path: Path) -> None:
    recorded = world.note("the entry in question")
    for i in range(4):
        world.note(f"other {i}")
    row = world.ledger.chain.select_positions([recorded.last_position])[0]
    assert row.event is not None
    from uuid import UUID

    out = tmp_path / "slice.bundle"
    world.ledger.transparency.export(out, stream=UUID(row.event.stream))
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    positions = [json.loads(x)["position"] for x in lines if '"t":"entry"' in x]
    assert positions == [1, 2, 3, 4, 5]  # genesis + key history + the note
    report = verify_bundle(lines, route_table(), workers=1)
    assert report, report.failure
    tampered = [x.replace(b64(bytes(1)), b64(b"\x01")) if '"proof"' in x else x for x in lines]
    proof_lines = [i for i, x in enumerate(lines) if '"proof":["' in x]
    line = json.loads(lines[proof_lines[-1]])
    line["proof"][0] = b64(bytes(32))
    tampered = [
        *lines[: proof_lines[-1]],
        json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n",
        *lines[proof_lines[-1] + 1 :],
    ]
    report = verify_bundle(tampered, route_table(), workers=1)
    assert report.failure is not None and report.failure.reason == BAD_PROOF


def test_slice_of_an_unknown_stream(world: World, tmp_path: Path) -> None:
    from uuid import uuid4

    with pytest.raises(NotFoundError):
        world.ledger.transparency.export(tmp_path / "x.bundle", stream=uuid4())
    assert not (tmp_path / "x.bundle").exists()


def test_read_only_ledger_proves_but_does_not_sign(world: World) -> None:
    world.ledger.transparency.checkpoint()
    world.note("after the checkpoint")
    reader = open_ledger(world.settings)
    try:
        t = Transparency(reader)
        assert t.log_verifier().vkey == world.ledger.transparency.log_verifier().vkey
        assert t.prove(2).startswith("c2sp.org/tlog-proof@v1")
        with pytest.raises(LedgerError, match="needs the ledger key"):
            t.checkpoint()
    finally:
        reader.close()


def test_the_state_map_is_grown_by_one_thread_at_a_time(world: World) -> None:
    """API threads make checkpoints concurrently; the state map the log keeps is grown and
    read under a lock, so each root is the root of its own size (a map another thread
    grew past it, or two threads growing it at once, gave 'entry N is missing')."""
    import threading

    for i in range(40):
        world.note(f"n{i}")
    size = world.ledger.head().position
    expected = {s: Transparency(world.ledger).state_map(s).root() for s in range(1, size + 1)}
    log = Transparency(world.ledger)
    failures: list[BaseException] = []
    got: dict[int, set[bytes]] = {}

    def work(offset: int) -> None:
        try:
            for s in range(1 + offset % 3, size + 1, 3):
                got.setdefault(s, set()).add(log.state_root(s))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    assert got == {s: {root} for s, root in expected.items()}
