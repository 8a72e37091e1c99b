"""Witness quorum and equivocation (issue 11, part 3), on both backends where the
database matters: the office's witness policy is a ledger event; a checkpoint counts as
published only with the quorum of cosignatures from keys of the policy valid at it;
checkpoints and cosignatures are recorded in the log, so deleting the side tables or
moving a size is caught; a witness refuses first contact at any size but the genesis's
or a trusted checkpoint's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ledger.audit.notes import parse_checkpoint, parse_note
from ledger.errors import LedgerError, PermissionDeniedError, ValidationError
from ledger.transparency.database import verify_ledger, verify_since
from ledger.transparency.witness import Witness, WitnessError, request_text
from tests.support import cli
from tests.support.backends import sqlite_settings
from tests.support.rawdb import RawDB
from tests.support.witnesses import Panel
from tests.support.world import World, open_world
from tests.vectors.testkeys import fixed_key


@pytest.fixture
def panel(world: World, tmp_path: Path) -> Panel:
    """Two witnesses (the discipline commission, the audit bureau), quorum 2 of 2."""
    made = Panel(world, tmp_path)
    made.register("jiwei", "shenji")
    made.policy(2, "jiwei", "shenji")
    return made


def quorum_of(world: World):  # type: ignore[no-untyped-def]
    report = verify_ledger(world.ledger, workers=1)
    assert report, report.failure
    assert report.quorum is not None
    return report.quorum


def test_a_checkpoint_with_the_quorum_is_published(panel: Panel) -> None:
    """R: 11.3 -- both witnesses cosign; the head checkpoint is published, the
    cosignatures are ledger events, and verify exits 0 without --allow-unwitnessed."""
    world = panel.world
    world.note("联席会议纪要")
    size = panel.witness_head("jiwei", "shenji")
    quorum = quorum_of(world)
    assert quorum.required and quorum.head_published
    judged = {c.size: c for c in quorum.checkpoints}[size]
    assert (
        judged.ok
        and judged.in_log
        and sorted(judged.counted) == sorted(k.key_id for k in panel.keys.values())
    )
    assert cli.run(world.settings, "verify").exit_code == 0
    since = world.ledger.transparency.note(size)
    assert verify_since(world.ledger, since, workers=1).quorum.head_published  # type: ignore[union-attr]


def test_one_cosignature_of_two_is_not_the_quorum(panel: Panel) -> None:
    world = panel.world
    world.note("x")
    panel.witness_head("jiwei")
    quorum = quorum_of(world)
    assert not quorum.head_published
    assert quorum.head is not None and quorum.head.describe().endswith("1 of 2 cosignatures")
    result = cli.run(world.settings, "verify")
    assert result.exit_code == 1 and "UNWITNESSED" in result.output
    assert cli.run(world.settings, "verify", "--allow-unwitnessed").exit_code == 0


def test_a_later_checkpoint_without_the_quorum_makes_the_head_unwitnessed(panel: Panel) -> None:
    world = panel.world
    panel.witness_head("jiwei", "shenji")
    world.note("after the witnessed checkpoint")
    world.ledger.transparency.checkpoint()
    quorum = quorum_of(world)
    assert not quorum.head_published and [c.ok for c in quorum.checkpoints][-1] is False
    result = cli.run(world.settings, "verify", "--json")
    assert result.exit_code == 1


def test_cosignature_by_a_revoked_witness_key_does_not_count(panel: Panel) -> None:
    """R: 11.3 -- the audit bureau's witness key is revoked; the operator, holding it,
    writes its cosignature of a later checkpoint straight into the cosignature table.
    It is not counted: the key was not valid at the checkpoint."""
    world = panel.world
    revoked = panel.keys["shenji"]
    world.run("office", "key.revoke", key_id=revoked.key_id, reason="离任 / left office")
    world.note("after the revocation")
    t = world.ledger.transparency
    note = t.checkpoint()
    with pytest.raises(ValidationError, match="not a registered witness key"):
        t.attach_cosignatures(note + panel.cosign("shenji", note))
    line = panel.cosign("shenji", note)
    t.attach_cosignatures(note + panel.cosign("jiwei", note))
    size = parse_checkpoint(parse_note(note).text).size
    raw = RawDB(world.ledger)
    raw.drop_guards()
    name, blob = line[2:].strip().split(" ")
    raw.execute(
        "INSERT INTO {cosignatures} VALUES (?,?,?,?,?)",
        (size, name, __import__("base64").b64decode(blob)[:4], line, "2026-11-27T00:00:00+00:00"),
    )
    quorum = quorum_of(world)
    judged = {c.size: c for c in quorum.checkpoints}[size]
    assert judged.counted == [panel.keys["jiwei"].key_id] and not judged.ok
    assert any("not valid at size" in why for why in judged.ignored)
    assert cli.run(world.settings, "verify").exit_code == 1


def test_deleted_checkpoint_and_cosignature_rows_are_still_in_the_log(panel: Panel) -> None:
    """R: 11.3 -- the operator empties the checkpoint and cosignature tables; the
    checkpoint and both cosignatures are ledger events, so the quorum still shows."""
    world = panel.world
    size = panel.witness_head("jiwei", "shenji")
    raw = RawDB(world.ledger)
    raw.drop_guards()
    raw.execute("DELETE FROM {cosignatures}")
    raw.execute("DELETE FROM {checkpoints}")
    quorum = quorum_of(world)
    judged = {c.size: c for c in quorum.checkpoints}[size]
    assert judged.ok and judged.in_log and len(judged.counted) == 2


def test_a_moved_checkpoint_size_is_caught(panel: Panel) -> None:
    world = panel.world
    world.note("one")
    world.note("two")
    size = panel.witness_head("jiwei", "shenji")
    raw = RawDB(world.ledger)
    raw.drop_guards()
    raw.execute("UPDATE {checkpoints} SET size = ? WHERE size = ?", (size + 1, size))
    report = verify_ledger(world.ledger, workers=1)
    assert not report and report.failure is not None
    assert report.failure.reason == "bad checkpoint"
    assert cli.run(world.settings, "verify", "--allow-unwitnessed").exit_code == 1


def test_the_policy_is_the_offices_and_names_witness_keys(world: World, tmp_path: Path) -> None:
    panel = Panel(world, tmp_path)
    (jiwei,) = panel.register("jiwei")
    with pytest.raises(PermissionDeniedError):
        world.run("department", "witness.policy", witnesses=[jiwei], quorum=1, reason="x")
    with pytest.raises(ValidationError) as not_a_witness:
        world.run(
            "office", "witness.policy", witnesses=[world.department.key_id], quorum=1, reason="x"
        )
    assert "witnesses" in not_a_witness.value.errors
    with pytest.raises(ValidationError):
        world.run("office", "witness.policy", witnesses=[jiwei], quorum=2, reason="x")
    with pytest.raises(ValidationError):
        world.run("office", "witness.policy", witnesses=[jiwei, jiwei], quorum=1, reason="x")


def test_no_policy_means_no_checkpoint_is_published(world: World) -> None:
    world.ledger.transparency.checkpoint()
    quorum = quorum_of(world)
    assert quorum.head is not None and quorum.head.needed is None and not quorum.head_published
    result = cli.run(world.settings, "verify")
    assert result.exit_code == 1 and "no witness policy" in result.output


# --- first contact ----------------------------------------------------------------------------


def test_a_witness_refuses_first_contact_at_another_size(world: World, tmp_path: Path) -> None:
    """R: 11.3 -- a witness started at the genesis cosigns size 3 first, nothing else."""
    t = world.ledger.transparency
    world.note("x")
    Witness.create(tmp_path / "w.json", "w.test/w", [t.log_verifier().vkey])
    witness = Witness(tmp_path / "w.json", fixed_key("witness w"))
    with pytest.raises(WitnessError) as refused:
        witness.add_checkpoint(request_text(t.consistency_text(0, 5), t.checkpoint()))
    assert refused.value.status == 409 and "first contact at size 5" in str(refused.value)
    assert witness.add_checkpoint(request_text(t.consistency_text(0, 3), t.checkpoint(3)))


def test_a_witness_given_a_trusted_checkpoint_starts_there(world: World, tmp_path: Path) -> None:
    t = world.ledger.transparency
    trusted = t.checkpoint()
    world.note("x")
    Witness.create(tmp_path / "w.json", "w.test/w", [t.log_verifier().vkey], [trusted])
    witness = Witness(tmp_path / "w.json", fixed_key("witness w"))
    with pytest.raises(WitnessError) as at_genesis:
        witness.add_checkpoint(request_text(t.consistency_text(0, 3), t.checkpoint(3)))
    assert (at_genesis.value.status, at_genesis.value.known_size) == (409, 4)
    assert witness.add_checkpoint(request_text(t.consistency_text(4, 5), t.checkpoint()))
    forged = trusted.replace(trusted.split("\n")[2], "A" * 43 + "=")
    with pytest.raises(LedgerError, match="trusted checkpoint"):
        Witness.create(tmp_path / "x.json", "w.test/w", [t.log_verifier().vkey], [forged])


# --- equivocation ------------------------------------------------------------------------------


def test_two_forks_each_cosigned_by_one_witness_have_no_quorum(tmp_path: Path) -> None:
    """R: 11.3 -- the operator shows one history to the discipline commission and another
    to the audit bureau; each fork gets one cosignature; neither reaches the quorum of 2,
    so verify exits 1 on both, and the two roots for one size are a fork."""
    settings = sqlite_settings(tmp_path / "a")
    from tests.support.world import start_world

    world = start_world(settings)
    panel = Panel(world, tmp_path)
    panel.register("jiwei", "shenji")
    panel.policy(2, "jiwei", "shenji")
    world.ledger.close()
    fork_home = tmp_path / "b"
    shutil.copytree(settings.home, fork_home)
    fork = open_world(settings.with_home(fork_home))
    world = open_world(settings)
    world.note("S1 录入：违法 / violation")
    fork.note("S1 录入：未发现问题 / no problem")
    a, b = world.ledger.transparency.checkpoint(), fork.ledger.transparency.checkpoint()
    assert a.split("\n")[1] == b.split("\n")[1] and a.split("\n")[2] != b.split("\n")[2]
    panel.world = world
    world.ledger.transparency.attach_cosignatures(a + panel.cosign("jiwei", a))
    fork.ledger.transparency.attach_cosignatures(
        b + panel.cosign("shenji", b, fork.ledger.transparency)
    )
    for each in (world, fork):
        assert not quorum_of(each).head_published
        assert cli.run(each.settings, "verify").exit_code == 1
    # The same witness never cosigns both: it refuses the other fork.
    with pytest.raises(WitnessError):
        panel.cosign("jiwei", b, fork.ledger.transparency)
    world.ledger.close()
    fork.ledger.close()


def test_bundle_and_since_exit_1_when_the_head_lacks_the_quorum(
    panel: Panel, tmp_path: Path
) -> None:
    """R: 11.3 -- verify --bundle (a full export) and verify --since (from a checkpoint
    both witnesses cosigned) judge the head checkpoint by the policy as verify does:
    cosigned by one witness of the two required, it is UNWITNESSED and both exit 1
    (0 with --allow-unwitnessed); with the quorum they exit 0."""
    world = panel.world
    world.note("见证之前 / before")
    trusted = tmp_path / "trusted.checkpoint"
    trusted.write_text(world.ledger.transparency.note(panel.witness_head("jiwei", "shenji")))
    world.note("见证之后 / after")
    size = panel.witness_head("jiwei")
    bundle = tmp_path / "ledger.bundle"
    world.ledger.transparency.export(bundle)
    assert json.loads(bundle.read_text(encoding="utf-8").splitlines()[0])["size"] == size
    for how in (("--bundle", str(bundle)), ("--since", str(trusted))):
        result = cli.run(world.settings, "verify", *how)
        assert result.exit_code == 1, result.output
        assert "UNWITNESSED" in result.output and "1 of 2 cosignatures" in result.output
        assert "Traceback" not in result.output
        tolerated = cli.run(world.settings, "verify", *how, "--allow-unwitnessed")
        assert tolerated.exit_code == 0, tolerated.output
    # The head cosigned by both: the quorum, and both exit 0.
    world.note("再见证 / witnessed again")
    panel.witness_head("jiwei", "shenji")
    world.ledger.transparency.export(bundle)
    for how in (("--bundle", str(bundle)), ("--since", str(trusted))):
        result = cli.run(world.settings, "verify", *how)
        assert result.exit_code == 0, result.output
        assert "UNWITNESSED" not in result.output
