"""A slice proved to extend the checkpoint the auditor trusts (issue 11, part 4): a slice
bundle may carry RFC 9162 consistency proofs between its checkpoint and other sizes
(``export --consistency-from N``), or one is given beside it (``verify --consistency``),
so ``--trusted-checkpoint`` of another size pins the slice's root, not only the log key:
a fork -- the operator's other history, signed with the real key -- fails (R2.2).
On SQLite and PostgreSQL (``world``)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from uuid import UUID

from ledger.audit.bundles import Anchor, verify_bundle
from ledger.audit.report import BAD_CHECKPOINT, MALFORMED_BUNDLE, Report
from ledger.bootstrap import route_table
from ledger.keys import write_key_file
from tests.support import cli
from tests.support.rawdb import RawDB
from tests.support.world import World
from tests.vectors.testkeys import fixed_key


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def verified(
    lines: list[str], trusted: str, given: tuple[int, list[bytes]] | None = None
) -> Report:
    anchor = Anchor(trusted=trusted, consistency=given)
    return verify_bundle(lines, route_table(), workers=1, anchor=anchor)


def stream_of(world: World, position: int) -> UUID:
    event = world.ledger.chain.select_positions([position])[0].event
    assert event is not None
    return UUID(event.stream)


def grown(world: World) -> tuple[str, UUID]:
    """The auditor trusts a checkpoint; the log grows; (that checkpoint, a stream)."""
    recorded = world.note("S1 录入：违法 / violation")
    trusted = world.ledger.transparency.checkpoint()
    for i in range(3):
        world.note(f"later {i}")
    world.ledger.transparency.checkpoint()
    return trusted, stream_of(world, recorded.last_position)


def test_a_slice_carries_the_proof_that_it_extends_the_trusted_checkpoint(
    world: World, tmp_path: Path
) -> None:
    trusted, stream = grown(world)
    t = world.ledger.transparency
    small = trusted.splitlines()[1]
    out = tmp_path / "slice.bundle"
    t.export(out, stream=stream, consistency_from=[int(small)])
    report = verified(lines_of(out), trusted)
    assert report, report.failure
    assert report.anchors == [
        f"trusted checkpoint {small} (consistency proof {small} -> {t.size()})"
    ]
    bare = tmp_path / "bare.bundle"
    t.export(bare, stream=stream)
    only_key = verified(lines_of(bare), trusted)
    assert only_key and "no consistency proof" in only_key.anchors[0]
    # Given beside the bundle instead ('shuangsui consistency OLD NEW'):
    beside = verified(
        lines_of(bare), trusted, (int(small), t.consistency_proof(int(small), t.size()))
    )
    assert beside and "consistency proof" in beside.anchors[0]


def test_a_fork_under_the_real_key_fails_against_the_trusted_checkpoint(
    world: World, tmp_path: Path
) -> None:
    """R9.1 -- the auditor trusts the checkpoint that holds the violation; the operator
    rewrites it to no problem, reseals and re-signs: its slices carry consistency
    proofs of its own history, which do not join the trusted root."""
    trusted, stream = grown(world)
    small = int(trusted.splitlines()[1])
    raw = RawDB(world.ledger)
    raw.drop_guards()
    raw.rewrite_event(
        5, "违法 / violation".encode(), "无问题 / no_problem".encode(), world.ledger_key
    )
    raw.execute("DELETE FROM {checkpoints}")
    world.ledger.transparency._signed = None
    world.ledger.transparency.checkpoint()
    out = tmp_path / "forked.bundle"
    world.ledger.transparency.export(out, stream=stream, consistency_from=[small])
    assert verify_bundle(lines_of(out), route_table(), workers=1)  # alone it verifies
    report = verified(lines_of(out), trusted)
    assert report.failure is not None and report.failure.reason == BAD_CHECKPOINT
    assert "not consistent" in report.failure.detail and "fork" in report.failure.detail


def test_a_changed_or_malformed_consistency_record_is_caught(world: World, tmp_path: Path) -> None:
    trusted, stream = grown(world)
    small = int(trusted.splitlines()[1])
    out = tmp_path / "slice.bundle"
    world.ledger.transparency.export(out, stream=stream, consistency_from=[small])
    lines = lines_of(out)
    (at,) = [i for i, line in enumerate(lines) if line.startswith('{"t":"consistency"')]
    record = json.loads(lines[at])

    def with_record(value: dict[str, object]) -> list[str]:
        return [*lines[:at], json.dumps(value, separators=(",", ":")) + "\n", *lines[at + 1 :]]

    changed = json.loads(lines[at])
    hashes = changed["proofs"][0]["proof"]
    flipped = bytearray(base64.b64decode(hashes[0]))
    flipped[0] ^= 1
    hashes[0] = base64.b64encode(bytes(flipped)).decode()
    report = verified(with_record(changed), trusted)
    assert report.failure is not None and report.failure.reason == BAD_CHECKPOINT
    for bad in ({"old": 0}, {"new": small}, {"proof": "x"}):
        value = json.loads(json.dumps(record))
        value["proofs"][0].update(bad)
        report = verified(with_record(value), trusted)
        assert report.failure is not None and report.failure.reason == MALFORMED_BUNDLE


def test_export_and_verify_join_a_slice_to_a_trusted_checkpoint(
    world: World, tmp_path: Path
) -> None:
    settings = world.settings
    settings.keys_dir.mkdir(parents=True, exist_ok=True)
    write_key_file(settings.ledger_key_path, fixed_key("ledger"))
    trusted_note, stream = grown(world)
    trusted = tmp_path / "trusted.checkpoint"
    trusted.write_text(trusted_note, encoding="utf-8")
    small = trusted_note.splitlines()[1]
    out = tmp_path / "slice.bundle"
    cli.ok(
        settings, "export", "--stream", str(stream), "--out", str(out), "--consistency-from", small
    )
    result = cli.run(
        settings, "verify", "--bundle", str(out), "--trusted-checkpoint", str(trusted),
        "--allow-unwitnessed", "--workers", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"consistency proof {small} -> " in result.stdout
    # Without the record, a proof file beside it; a file from the wrong size is refused.
    bare = tmp_path / "bare.bundle"
    cli.ok(settings, "export", "--stream", str(stream), "--out", str(bare))
    size = json.loads(lines_of(bare)[0])["size"]
    proof = tmp_path / "p.proof"
    proof.write_text(cli.ok(settings, "consistency", small, str(size)).stdout, encoding="utf-8")
    args = ("verify", "--bundle", str(bare), "--trusted-checkpoint", str(trusted))
    beside = cli.run(settings, *args, "--consistency", str(proof), "--allow-unwitnessed")
    assert beside.exit_code == 0 and "consistency proof" in beside.stdout, beside.output
    proof.write_text(cli.ok(settings, "consistency", "3", str(size)).stdout, encoding="utf-8")
    wrong = cli.run(settings, *args, "--consistency", str(proof))
    assert wrong.exit_code == 2 and "from size 3" in wrong.output
    proof.write_text("nonsense\n", encoding="utf-8")
    garbled = cli.run(settings, *args, "--consistency", str(proof))
    assert garbled.exit_code == 2 and "Traceback" not in garbled.output
    alone = cli.run(settings, "verify", "--bundle", str(bare), "--consistency", str(proof))
    assert alone.exit_code == 2 and "--trusted-checkpoint" in alone.output
    full = cli.run(settings, "export", "--out", str(tmp_path / "f"), "--consistency-from", small)
    assert full.exit_code == 2 and "slices" in full.output
    beyond = cli.run(
        settings, "export", "--stream", str(stream), "--out", str(tmp_path / "g"),
        "--consistency-from", "999999",
    )  # fmt: skip
    assert beyond.exit_code == 2 and "999999" in beyond.output
