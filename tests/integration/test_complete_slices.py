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
from ledger.audit.rows import entry_part
from ledger.audit.statemap import STATE_PREFIX, stream_key
from ledger.bootstrap import route_table
from ledger.config import Settings
from ledger.ids import department_id, inspection_id
from ledger.transparency.database import verify_ledger
from tests.support.county import County, add_people, build_county, objects
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

            stored = base64.b64decode(r["entry"])
            # A v2 line may hold the compact entry (ledger.audit.rows).
            part, count = entry_part(stored) or json.loads(stored)["part"]
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
    # The whole inspection stream left out (the inspection and its violation): the
    # object's trail index in the state map counts the streams that name it.
    gone: set[int] = set()
    for position in positions:
        gone |= command_positions(lines, position)
    report = check(without(lines, gone))
    assert report.failure is not None and report.failure.reason == INCOMPLETE_SLICE
    assert f"naming object {obj}" in report.failure.detail
    # Exported with only the genesis asked for, the trail still holds the inspection
    # stream: the exporter follows the state map's index, not the projection.
    ledger.transparency.export(out, positions=[1], query={"object": obj})
    report = check(lines_of(out))
    assert report, report.failure
    assert report.complete is not None and str(stream) in report.complete["streams"]


# --- anchors: the log key (issue 11.4) ---------------------------------------------------


def forged_world(settings: Settings) -> World:
    """A look-alike log: same origin, same shape, another ledger and office key."""
    from ledger.bootstrap import open_ledger
    from tests.support.world import ORIGIN

    ledger_key, office = fixed_key("forger ledger"), fixed_key("forger office")
    world = World(settings, open_ledger(settings, signer=ledger_key, must_exist=False))
    world.keys = {"office": office, "department": fixed_key("department")}
    world.ledger_key = ledger_key
    world.run(
        "office",
        "ledger.genesis",
        origin=ORIGIN,
        office_public_key=office.public.public_b64,
        ledger_public_key=ledger_key.public.public_b64,
        office_holder="TEST office",
        format=formats.CURRENT,
    )
    world.register(world.department, "department")
    return world


def test_a_look_alike_log_fails_against_the_log_key(world: World, tmp_path: Path) -> None:
    """Issue 11.4: the report names the log key; with --vkey or a trusted checkpoint of
    the real log, a completely forged look-alike log is refused."""
    from ledger.audit.bundles import Anchor

    recorded = world.note("real")
    t = world.ledger.transparency
    real_vkey = t.log_verifier().vkey
    trusted = t.checkpoint()
    out = tmp_path / "real.bundle"
    t.export(out, stream=UUID(stream_of(world, recorded.last_position)))
    plain = check(lines_of(out))
    assert plain and plain.log_key == real_vkey and plain.anchors == []
    pinned = verify_bundle(lines_of(out), route_table(), workers=1, anchor=Anchor(real_vkey))
    assert pinned and pinned.anchors == ["vkey"]
    both = verify_bundle(lines_of(out), route_table(), workers=1, anchor=Anchor(real_vkey, trusted))
    assert both, both.failure
    assert both.anchors == ["vkey", f"trusted checkpoint {t.size()}"]

    forged = forged_world(Settings(home=tmp_path / "forged"))
    try:
        fake = forged.note("real")
        fout = tmp_path / "forged.bundle"
        forged.ledger.transparency.export(fout, stream=UUID(stream_of(forged, fake.last_position)))
        alone = check(lines_of(fout))
        assert alone, alone.failure  # verifies on its own: nothing pins the log key
        assert alone.log_key != real_vkey
        for anchor in (Anchor(real_vkey), Anchor(trusted=trusted)):
            report = verify_bundle(lines_of(fout), route_table(), workers=1, anchor=anchor)
            assert report.failure is not None and report.failure.reason == BAD_CHECKPOINT
            assert "look-alike" in report.failure.detail
    finally:
        forged.ledger.close()


def test_a_fork_fails_against_the_trusted_checkpoint(world: World, tmp_path: Path) -> None:
    """The operator holds the real log key: a full bundle of another history signed
    with it fails against a checkpoint the auditor trusts (another root at its size)."""
    from ledger.audit.bundles import Anchor

    world.note("a")
    t = world.ledger.transparency
    size = t.size()
    signer = world.ledger.signer
    assert signer is not None
    state = [e for e in parse_checkpoint(parse_note(t.checkpoint()).text).extensions]
    body = Checkpoint(t.origin, size, bytes(32), tuple(state)).text
    verifier = NoteVerifier(t.origin, signer.public_key)
    fork = body + "\n" + NoteSignature(t.origin, verifier.key_id, signer.sign(body.encode())).line
    world.note("b")
    t.checkpoint()
    out = tmp_path / "full.bundle"
    t.export(out)
    report = verify_bundle(lines_of(out), route_table(), workers=1, anchor=Anchor(trusted=fork))
    assert report.failure is not None and report.failure.reason == BAD_CHECKPOINT
    assert "fork" in report.failure.detail
    bad = verify_bundle(lines_of(out), route_table(), workers=1, anchor=Anchor("not+a+vkey"))
    assert bad.failure is not None and "--vkey" in bad.failure.detail


# --- verify --since: the auditor's state, never the database's (issue 11.4) -------------


def test_since_takes_keys_and_nonces_from_the_auditor_state(world: World) -> None:
    """R2.2: the state file written by a full verify carries keys and nonces; a replay
    of a nonce used before the checkpoint, invisible to --since without it, is caught;
    a state file of another checkpoint is refused."""
    from ledger.audit.auditstate import AuditorState
    from ledger.audit.report import REPLAYED_NONCE
    from ledger.authorisation import sign_command
    from ledger.transparency.database import verify_since
    from tests.support.rawdb import RawDB, note_event

    first = world.note("before")
    t = world.ledger.transparency
    trusted = t.checkpoint()
    full = verify_ledger(world.ledger, workers=1)
    assert full and full.saved_state is not None
    saved = AuditorState.from_json(full.saved_state.to_json())
    assert saved.size == t.size() and saved.state is not None
    world.note("after")
    t.checkpoint()
    report = verify_since(world.ledger, trusted, workers=1, state=saved)
    assert report, report.failure
    assert "auditor's state file" in report.notes[0]
    assert report.saved_state is not None and report.saved_state.size == t.size()
    without_state = verify_since(world.ledger, trusted, workers=1)
    assert without_state and "nonces before it not checked" in without_state.notes[0]
    # A state file for another checkpoint is refused.
    other = verify_since(world.ledger, t.checkpoint(), workers=1, state=saved)
    assert other.failure is not None and "auditor state file" in other.failure.detail
    # The operator replays a command signed before the checkpoint after it (the same
    # signed evidence and nonce, recorded again and sealed, the nonce index dropped):
    # without the state file --since cannot see it; with it the nonce is known.
    auth = sign_command(world.department, "note.append", {"text": "once"}, nonce="n-1")
    world.ledger.execute(auth)
    trusted = t.checkpoint()
    saved = verify_ledger(world.ledger, workers=1).saved_state
    raw = RawDB(world.ledger)
    raw.drop_guards()
    position = raw.forge_append(
        note_event(world.ledger, "once", world.department.key_id), auth, world.ledger_key
    )
    raw.rebuild_tree()
    blind = verify_since(world.ledger, trusted, workers=1)
    assert blind, blind.failure  # the database's own nonces are not trusted, so unseen
    caught = verify_since(world.ledger, trusted, workers=1, state=saved)
    assert caught.failure is not None and caught.failure.reason == REPLAYED_NONCE
    assert caught.failure.position == position
    del first


def test_since_refuses_a_database_that_hides_a_key_event(world: World) -> None:
    """Without a state file the key history comes from the database, each entry proved
    into the trusted checkpoint -- and, from format 3, the whole of it proved by the
    checkpoint's state map: a database hiding the revocation is caught."""
    from ledger.transparency.database import verify_since

    key = fixed_key("witness")
    world.run(
        "office",
        "key.register",
        public_key=key.public.public_b64,
        holder="w",
        roles=["witness"],
        note_name="w.test/w",
    )
    revoked = world.run("office", "key.revoke", key_id=key.key_id, reason="泄露")
    world.note("before the checkpoint")
    t = world.ledger.transparency
    trusted = t.checkpoint()
    world.note("after")
    hidden = set(range(revoked.first_position, revoked.last_position + 1))
    chain = world.ledger.chain
    by_topic, by_stream, rows = (
        chain.positions_of_topics,
        chain.positions_of_stream,
        chain.select_positions,
    )
    # The database (its queries) no longer shows the revocation.
    chain.positions_of_topics = lambda t: [p for p in by_topic(t) if p not in hidden]  # type: ignore[method-assign]
    chain.positions_of_stream = lambda s: [p for p in by_stream(s) if p not in hidden]  # type: ignore[method-assign]
    chain.select_positions = lambda ps: rows([p for p in ps if p not in hidden])  # type: ignore[method-assign]
    try:
        report = verify_since(world.ledger, trusted, workers=1)
    finally:
        del chain.positions_of_topics, chain.positions_of_stream, chain.select_positions
    assert report.failure is not None and "key event is hidden" in report.failure.detail


# --- the slice's checkpoint is the newest witnessed one (issue 11.4) ----------------------


def test_a_slice_is_proved_into_the_newest_witnessed_checkpoint(
    world: World, tmp_path: Path
) -> None:
    """A slice whose entries a witnessed checkpoint covers is proved into it, with its
    cosignatures: it verifies as published, with no --allow-unwitnessed."""
    from ledger.transparency.witness import Witness, request_text

    key = fixed_key("witness")
    registered = world.run(
        "office",
        "key.register",
        public_key=key.public.public_b64,
        holder="县纪委监委",
        roles=["witness"],
        note_name="w.test/w",
    )
    world.run(
        "office",
        "witness.policy",
        witnesses=[key.key_id],
        quorum=1,
        reason="见证",
    )
    recorded = world.note("witnessed")
    t = world.ledger.transparency
    note = t.checkpoint()
    size = parse_checkpoint(parse_note(note).text).size
    Witness.create(tmp_path / "w.json", "w.test/w", [t.log_verifier().vkey])
    witness = Witness(tmp_path / "w.json", key)
    witness.add_checkpoint(request_text(t.consistency_text(0, 3), t.checkpoint(3)))
    t.attach_cosignatures(
        note + witness.add_checkpoint(request_text(t.consistency_text(3, size), note))
    )
    later = world.note("after the witnessed checkpoint")
    out = tmp_path / "s.bundle"
    t.export(out, stream=UUID(stream_of(world, recorded.last_position)))
    report = check(lines_of(out))
    assert report, report.failure
    assert list(report.checkpoints) == [size]
    assert report.quorum is not None and report.quorum.head_published
    assert report.complete is not None and report.complete["size"] == size
    # Entries after it: a fresh checkpoint of the head, not yet witnessed.
    t.export(out, stream=UUID(stream_of(world, later.last_position)))
    fresh = check(lines_of(out))
    assert fresh and list(fresh.checkpoints) != [size]
    assert fresh.quorum is not None and not fresh.quorum.head_published
    del registered


def test_a_draw_bundle_without_its_last_recusal_is_caught(drawable: County, tmp_path: Path) -> None:
    """Issue 11.4 (R7.5): a draw bundle cut after the draw ran -- its last recusal left
    out, which no gap in the stream shows -- is caught by the state map's proof of the
    draw stream's last version; so is one without ``draw.performed``."""
    from ledger.draw.world import SNAPSHOT_TOPICS
    from ledger.ids import draw_id
    from tests.support.draws import TASK, ceremony

    ceremony(drawable)
    ledger = drawable.world.ledger
    assignment = ledger.get(draw_id(TASK, 1)).performed["assignments"][0]
    recused = drawable.run(
        "SCJGJ",
        "draw.recuse",
        task=TASK,
        draw=1,
        object=assignment["object"],
        person=assignment["team"][0],
        reason="近亲属关系",
    )
    out = tmp_path / "draw.bundle"
    ledger.transparency.export(
        out,
        positions=ledger.chain.positions_of_topics(SNAPSHOT_TOPICS),
        query={"draw": f"{TASK}/1"},
    )
    lines = lines_of(out)
    assert check(lines)
    stream = str(draw_id(TASK, 1))
    report = check(without(lines, command_positions(lines, recused.last_position)))
    assert report.failure is not None and report.failure.reason == INCOMPLETE_SLICE
    assert stream in report.failure.detail
    performed = [
        r["position"]
        for r in records(lines)
        if r["t"] == "entry" and r["event"]["topic"] == "shuangsui.draw.performed"
    ]
    gone = command_positions(lines, recused.last_position) | command_positions(lines, performed[0])
    report = check(without(lines, gone))
    assert report.failure is not None and report.failure.reason == INCOMPLETE_SLICE


def test_a_recorded_checkpoint_with_a_falsified_state_line_is_caught(
    world: World, tmp_path: Path
) -> None:
    """The operator signs a checkpoint with the real root but a falsified state map, has
    a witness cosign it (witnesses check consistency, not the map) and records it in the
    log, keeping it out of the checkpoint table: the full verifier still recomputes the
    map at its size and refuses it."""
    from ledger.audit.notes import cosigned_message

    key = fixed_key("witness")
    world.run(
        "office",
        "key.register",
        public_key=key.public.public_b64,
        holder="w",
        roles=["witness"],
        note_name="w.test/w",
    )
    world.note("x")
    t = world.ledger.transparency
    size = t.size()
    signer = world.ledger.signer
    assert signer is not None
    body = Checkpoint(t.origin, size, t.root(size), (STATE_PREFIX + b64(bytes(32)),)).text
    log = NoteVerifier(t.origin, signer.public_key)
    witness = NoteVerifier("w.test/w", key.public_key, 0x04)
    stamp = 1_790_000_000
    cosig = NoteSignature(
        "w.test/w",
        witness.key_id,
        stamp.to_bytes(8, "big") + key.sign(cosigned_message(body, stamp)),
    )
    note = body + "\n" + NoteSignature(t.origin, log.key_id, signer.sign(body.encode())).line
    world.ledger.execute_as_ledger("checkpoint.cosign", {"note": note + cosig.line})
    report = verify_ledger(world.ledger, workers=1)
    assert report.failure is not None and report.failure.reason == BAD_CHECKPOINT
    assert f"recorded checkpoint of size {size}" in report.failure.detail
    assert "state" in report.failure.detail


# --- a department's own stream in its trail (format 4) -----------------------------------


def department_trail(settings: Settings, tmp_path: Path) -> tuple[World, UUID, list[str]]:
    """The test county; the SCJGJ department's trail exported with only the genesis
    asked for (the exporter follows the state map's index)."""
    world = start_world(settings)
    build_county(world)
    stream = department_id("SCJGJ")
    out = tmp_path / "department.bundle"
    world.ledger.transparency.export(out, positions=[1], query={"department": "SCJGJ"})
    return world, stream, lines_of(out)


def test_a_departments_trail_holds_its_own_stream(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11 part 4 (format 4): the department's registration names it, so its own
    stream is in its trail index; a trail slice without it is caught (R2.2, R10.4)."""
    monkeypatch.setattr(formats, "CURRENT", 4)
    world, stream, lines = department_trail(settings, tmp_path)
    try:
        report = check(lines)
        assert report, report.failure
        assert report.complete is not None and str(stream) in report.complete["streams"]
        positions = world.ledger.chain.positions_of_stream(stream)
        gone: set[int] = set()
        for position in positions:
            gone |= command_positions(lines, position)
        report = check(without(lines, gone))
        assert report.failure is not None and report.failure.reason == INCOMPLETE_SLICE
        assert "naming department SCJGJ" in report.failure.detail
        assert verify_ledger(world.ledger, workers=1)
    finally:
        world.ledger.close()


def test_a_format_3_ledger_keeps_its_trail_index(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Format-gated: a format-3 ledger's map is the one its checkpoints signed -- the
    department's registration names nobody there, so its stream is not in the trail."""
    monkeypatch.setattr(formats, "CURRENT", 3)
    world, stream, lines = department_trail(settings, tmp_path)
    try:
        report = check(lines)
        assert report, report.failure
        assert report.complete is not None and str(stream) not in report.complete["streams"]
        assert verify_ledger(world.ledger, workers=1)
    finally:
        world.ledger.close()


@pytest.mark.parametrize("kind", ["task", "person"])
def test_a_task_or_person_trail_without_one_of_its_streams_is_caught(
    drawable: County, tmp_path: Path, kind: str
) -> None:
    """Issue 11.4 (R10.4, R2.2): a task's trail and an inspector's trail hold every
    stream that names them -- here the inspection of a drawn object, which names the
    task in its basis and the inspector in its team. Left out whole (the inspection and
    the violation entered on it, with the bundle's counts, heads and key summary fixed
    up as the operator would), the slice no longer matches the trail index its
    checkpoint commits to: ``verify --bundle`` exits 1 naming the subject."""
    from ledger.clock import china_today
    from ledger.ids import draw_id
    from tests.support import cli
    from tests.support.draws import TASK, ceremony

    county = drawable
    add_people(county)
    ceremony(county)
    day = china_today().isoformat()
    county.run("SCJGJ", "task.organise", task=TASK, draw=1, organised_on=day)
    first = county.ledger.find(draw_id(TASK, 1)).performed["assignments"][0]
    obj, team = first["object"], list(first["team"])
    basis = {"kind": "draw", "task": TASK, "draw": 1}
    county.run(
        team[0], "inspection.record", basis=basis, object=obj, item="SCJGJ:SC-001",
        method="on_site", inspectors=team, checked_on=day,
    )  # fmt: skip
    county.run(
        team[1], "result.enter", basis=basis, object=obj, item="SCJGJ:SC-001",
        result="violation", formed_on=day,
    )  # fmt: skip
    subject = TASK if kind == "task" else team[0]
    ledger = county.world.ledger
    stream = inspection_id("draw", f"{TASK}/1", obj)
    out = tmp_path / f"{kind}.bundle"
    ledger.transparency.export(out, positions=[1], query={kind: subject})
    lines = lines_of(out)
    report = check(lines)
    assert report, report.failure
    assert report.complete is not None and str(stream) in report.complete["streams"]
    settings = county.world.settings
    honest = cli.run(settings, "verify", "--bundle", str(out), "--allow-unwitnessed")
    assert honest.exit_code == 0, honest.output
    gone: set[int] = set()
    for position in ledger.chain.positions_of_stream(stream):
        gone |= command_positions(lines, position)
    cut = without(lines, gone)
    report = check(cut)
    assert report.failure is not None and report.failure.reason == INCOMPLETE_SLICE
    assert f"naming {kind} {subject}" in report.failure.detail
    cut_file = tmp_path / f"{kind}-cut.bundle"
    cut_file.write_text("".join(cut), encoding="utf-8")
    result = cli.run(settings, "verify", "--bundle", str(cut_file), "--allow-unwitnessed")
    assert result.exit_code == 1, result.output
    assert "TAMPERED" in result.output and INCOMPLETE_SLICE in result.output
    assert f"naming {kind} {subject}" in result.output
