"""Complete slices (issue 11 part 4): a slice bundle proves it holds everything the log
held for its streams and the whole key history, against the state map its checkpoint
commits to; every omission an operator could try is caught (SQLite and PostgreSQL).

The operator holds the ledger key and the database, so each attack here edits an
honest bundle by hand (dropping entries, fixing up the counts and heads it can) or
signs what it likes with the ledger key; none may get through ``verify_bundle``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ledger import formats
from ledger.audit.bundles import verify_bundle
from ledger.audit.notes import (
    Checkpoint,
    NoteSignature,
    NoteVerifier,
    b64,
    parse_checkpoint,
    parse_note,
)
from ledger.audit.report import BAD_CHECKPOINT, INCOMPLETE_SLICE, Report
from ledger.audit.statemap import STATE_PREFIX, stream_key
from ledger.bootstrap import route_table
from ledger.config import Settings
from ledger.ids import inspection_id
from ledger.transparency.database import verify_ledger
from tests.support.county import County, add_people, objects
from tests.support.world import World, start_world
from tests.vectors.testkeys import fixed_key


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def check(lines: list[str]) -> Report:
    return verify_bundle(lines, route_table(), workers=1)


def records(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]


def without(lines: list[str], positions: set[int]) -> list[str]:
    """The bundle with the entries at ``positions`` dropped, its count and heads fixed
    up as an operator would (what it cannot fix is the signed checkpoint)."""
    kept = [r for r in records(lines) if not (r["t"] == "entry" and r["position"] in positions)]
    entries = [r for r in kept if r["t"] == "entry"]
    last_hash = entries[-1]["entry_hash"]
    for r in kept:
        if r["t"] == "end":
            r.update(entries=len(entries), head=last_hash)
        if r["t"] == "header":
            r["head"] = last_hash
    cut = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in kept]
    # The key record too: the summary of the keys the remaining entries give.
    summary = [k.summary() for _, k in sorted(check(cut).keys.items())]
    for r in kept:
        if r["t"] == "keys":
            r["keys"] = summary
    return [json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in kept]


def command_positions(lines: list[str], position: int) -> set[int]:
    """Every position of the command the entry at ``position`` belongs to."""
    for r in records(lines):
        if r["t"] == "entry" and r["position"] == position:
            import base64

            part, count = json.loads(base64.b64decode(r["entry"]))["part"]
            return set(range(position - part, position - part + count))
    raise AssertionError(f"no entry {position}")


def stream_of(world: World, position: int) -> str:
    event = world.ledger.chain.select_positions([position])[0].event
    assert event is not None
    return event.stream


def test_stream_slice_proves_it_is_complete(world: World, tmp_path: Path) -> None:
    """R2.2: a stream slice carries the state proofs and verifies as complete."""
    world.note("first")
    out = tmp_path / "s.bundle"
    recorded = world.note("the one")
    stream = stream_of(world, recorded.last_position)
    world.ledger.transparency.export(out, stream=UUID(stream))
    report = check(lines_of(out))
    assert report, report.failure
    assert report.complete is not None and report.complete["streams"][stream] == 1
    assert report.complete["key_history"] >= 3
    checkpoint = parse_checkpoint(parse_note(records(lines_of(out))[1]["note"]).text)
    assert checkpoint.extensions[0].startswith(STATE_PREFIX)


def _rotated(world: World) -> tuple[int, str]:
    """A key rotation: the position of the event that retires the department's key
    (the last version of that key's stream) and the stream."""
    rotated = world.run(
        "department",
        "key.rotate",
        key_id=world.department.key_id,
        public_key=fixed_key("inspector").public.public_b64,
    )
    rows = world.ledger.chain.select_positions(
        list(range(rotated.first_position, rotated.last_position + 1))
    )
    row = next(r for r in rows if r.event is not None and r.event.version > 1)
    assert row.event is not None
    return row.position, row.event.stream


def test_a_slice_without_a_key_rotation_or_revocation_is_caught(
    world: World, tmp_path: Path
) -> None:
    """Issue 11.4: a bundle without a key event (here the rotation that retired the
    department's key) does not prove the key history; the state map names what it
    holds."""
    recorded = world.note("before")
    position, _ = _rotated(world)
    out = tmp_path / "s.bundle"
    world.ledger.transparency.export(out, stream=UUID(stream_of(world, recorded.last_position)))
    lines = lines_of(out)
    assert check(lines)
    cut = without(lines, command_positions(lines, position))
    report = check(cut)
    assert report.failure is not None and report.failure.reason == INCOMPLETE_SLICE
    # A witness key registered and revoked in commands of their own, both left out
    # (its whole stream gone): the key-history commitment catches it.
    key = fixed_key("witness")
    registered = world.run(
        "office",
        "key.register",
        public_key=key.public.public_b64,
        holder="w",
        roles=["witness"],
        note_name="w.test/w",
    )
    revoked = world.run("office", "key.revoke", key_id=key.key_id, reason="泄露")
    world.ledger.transparency.export(out, stream=UUID(stream_of(world, recorded.last_position)))
    lines = lines_of(out)
    assert check(lines)
    gone = command_positions(lines, registered.last_position) | command_positions(
        lines, revoked.last_position
    )
    report = check(without(lines, gone))
    assert report.failure is not None and report.failure.reason == INCOMPLETE_SLICE
    assert "key and witness-policy history" in report.failure.detail


def test_a_stream_slice_without_its_last_command_is_caught(world: World, tmp_path: Path) -> None:
    """Issue 11.4: the tail of a stream left out (its last command, e.g. the violation)
    is caught: the state map proves the stream's last version and position."""
    world.note("x")
    position, stream = _rotated(world)
    out = tmp_path / "s.bundle"
    world.ledger.transparency.export(out, stream=UUID(stream))
    lines = lines_of(out)
    assert check(lines)
    # The key stream's last event is the rotation; drop it (and keep the key history
    # check out of the way by dropping it as a stream event: both must fail).
    report = check(without(lines, command_positions(lines, position)))
    assert report.failure is not None and report.failure.reason == INCOMPLETE_SLICE


def _forge_state(lines: list[str], change: str) -> list[str]:
    out = []
    for r in records(lines):
        if r["t"] == "state":
            for proof in r["proofs"]:
                for leaf in proof["leaves"]:
                    if change == "value" and leaf[0].startswith("stream/"):
                        leaf[1] = "1 2"
                if change == "path":
                    proof["path"][0] = b64(bytes(32))
            if change == "drop":
                r["proofs"] = r["proofs"][:1]
        out.append(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    return out


@pytest.mark.parametrize("change", ["value", "path", "drop"])
def test_forged_or_missing_state_proofs_are_caught(
    world: World, tmp_path: Path, change: str
) -> None:
    """The state proofs themselves: a leaf value changed, a path hash changed, or
    proofs left out -- each is refused (the map root is signed in the checkpoint)."""
    _, stream = _rotated(world)
    out = tmp_path / "s.bundle"
    world.ledger.transparency.export(out, stream=UUID(stream))
    report = check(_forge_state(lines_of(out), change))
    assert report.failure is not None and report.failure.reason == INCOMPLETE_SLICE


def test_a_slice_without_any_state_record_is_caught(world: World, tmp_path: Path) -> None:
    recorded = world.note("x")
    out = tmp_path / "s.bundle"
    world.ledger.transparency.export(out, stream=UUID(stream_of(world, recorded.last_position)))
    lines = [x for x in lines_of(out) if not x.startswith('{"t":"state"')]
    report = check(lines)
    assert report.failure is not None and report.failure.reason == INCOMPLETE_SLICE


def test_a_falsified_state_line_is_caught_by_the_full_verifier(world: World) -> None:
    """The operator signs a checkpoint whose state map leaves a stream out: a slice
    checked against it alone would pass, so every full verification recomputes the map
    and refuses the checkpoint (R2.2)."""
    world.note("x")
    t = world.ledger.transparency
    size = t.size()
    signer = world.ledger.signer
    assert signer is not None
    body = Checkpoint(t.origin, size, t.root(size), (STATE_PREFIX + b64(bytes(32)),)).text
    verifier = NoteVerifier(t.origin, signer.public_key)
    line = NoteSignature(t.origin, verifier.key_id, signer.sign(body.encode())).line
    world.ledger.chain.insert_checkpoint(size, t.root(size), body + "\n" + line, "2026-01-01")
    report = verify_ledger(world.ledger, workers=1)
    assert report.failure is not None and report.failure.reason == BAD_CHECKPOINT
    assert "state" in report.failure.detail


def test_honest_checkpoints_verify_with_their_state_lines(world: World) -> None:
    for i in range(3):
        world.note(f"n{i}")
        world.ledger.transparency.checkpoint()
    report = verify_ledger(world.ledger, workers=1)
    assert report, report.failure
    assert len(report.checkpoints) == 3


def test_older_formats_have_no_state_line_and_prove_no_completeness(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Format-gated: a format-2 ledger's checkpoints carry no state line, still verify,
    and its slices say nothing about completeness (report.complete is None)."""
    monkeypatch.setattr(formats, "CURRENT", 2)
    world = start_world(settings)
    try:
        recorded = world.note("x")
        note = world.ledger.transparency.checkpoint()
        assert parse_checkpoint(parse_note(note).text).extensions == ()
        out = tmp_path / "s.bundle"
        world.ledger.transparency.export(out, stream=UUID(stream_of(world, recorded.last_position)))
        assert not any(x.startswith('{"t":"state"') for x in lines_of(out))
        report = check(lines_of(out))
        assert report, report.failure
        assert report.complete is None
        assert verify_ledger(world.ledger, workers=1)
    finally:
        world.ledger.close()


def test_a_trail_bundle_without_the_violation_is_caught(drawable: County, tmp_path: Path) -> None:
    """Issue 11.4: an object's trail bundle holds the object's inspection stream whole;
    leaving out the violation entered on it is caught (R9.1, R10.4)."""
    county = drawable
    add_people(county)
    obj = objects(county)[0]
    basis = {
        "kind": "case",
        "case": "TS-2026-0042",
        "trigger": "complaint",
        "reference": "12315 投诉 20260921-0042",
    }
    day = "2026-09-22"
    for action, extra in (
        ("inspection.record", {"method": "on_site", "inspectors": ["S1", "S2"], "checked_on": day}),
        ("result.enter", {"result": "violation", "formed_on": day}),
    ):
        county.run("S1", action, on=day, basis=basis, object=obj, item="SCJGJ:SC-001", **extra)
    ledger = county.world.ledger
    stream = inspection_id("case", "TS-2026-0042", obj)
    positions = ledger.chain.positions_of_stream(stream)
    out = tmp_path / "trail.bundle"
    ledger.transparency.export(out, positions=positions[:1], query={"object": obj})
    lines = lines_of(out)
    report = check(lines)
    assert report, report.failure
    assert report.complete is not None and str(stream) in report.complete["streams"]
    violation = positions[-1]
    report = check(without(lines, command_positions(lines, violation)))
    assert report.failure is not None and report.failure.reason == INCOMPLETE_SLICE
    assert str(stream) in report.failure.detail
    assert stream_key(str(stream)).startswith("stream/")
