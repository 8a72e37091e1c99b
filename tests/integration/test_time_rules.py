"""Issue 11, part 6 -- time: a command's signed ``created`` against entry order and the
witness cosignatures that bracket it; domain dates not before what they depend on.

The operator holds the ledger key and the database, so the attacks below run the
operator's own code (the ledger's write-side check switched off) and must still be
caught by ``verify`` -- the auditor's rules in ``ledger/audit/timing.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.audit.notes import parse_checkpoint, parse_note
from ledger.audit.timing import (
    TIME_AFTER_WITNESS,
    TIME_BEFORE_WITNESS,
    TIME_OUT_OF_ORDER,
    TOLERANCE,
)
from ledger.authorisation import sign_command
from ledger.config import Settings
from ledger.errors import ValidationError
from ledger.i18n import render
from ledger.storage.writer import ChainWriter
from ledger.transparency.database import verify_ledger
from ledger.transparency.witness import Witness, request_text
from tests.support.actors import moment
from tests.support.world import World, open_world, start_world
from tests.vectors.testkeys import fixed_key

WITNESS_NAME = "witness.example/jiwei"


@pytest.fixture
def world_2024(settings: Settings) -> Iterator[World]:
    """A ledger set up in January 2024, with a registered witness."""
    world = start_world(settings, on="2024-01-05")
    world.run(
        "office",
        "key.register",
        on="2024-01-05",
        public_key=fixed_key("witness").public.public_b64,
        holder="县纪委监委",
        roles=["witness"],
        note_name=WITNESS_NAME,
    )
    yield world
    world.ledger.close()


def operator_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator runs its own code: the ledger's time check is gone."""
    monkeypatch.setattr(ChainWriter, "_judge_time", lambda self, authorisation, kwargs, last: None)


def cosign_head(
    world: World,
    tmp_path: Path,
    at: int,
    monkeypatch: pytest.MonkeyPatch | None = None,
    recorded_at: int | None = None,
) -> None:
    """A witness cosigns the head's checkpoint at time ``at``; the ledger attaches it and
    records the cosignature (``checkpoint.cosign``) at ``recorded_at`` (default: that same
    simulated time) -- this world's clock, not the machine's."""
    record = at if recorded_at is None else recorded_at
    ledger = world.ledger
    signer = ledger.signer
    assert signer is not None
    patch = monkeypatch or pytest.MonkeyPatch()
    patch.setattr(
        ledger,
        "execute_as_ledger",
        lambda action, params: ledger.execute(
            sign_command(signer, action, params, created=record), now=record
        ),
    )
    state = tmp_path / "witness.json"
    t = world.ledger.transparency
    note = t.checkpoint()
    size = parse_checkpoint(parse_note(note).text).size
    # The witness starts from this checkpoint (given at 'witness init'): its first
    # contact is then this size, not the genesis.
    Witness.create(state, WITNESS_NAME, [t.log_verifier().vkey], trusted=[note])
    witness = Witness(state, fixed_key("witness"))
    request = request_text(t.consistency_text(size, size), note)
    assert t.attach_cosignatures(note + witness.add_checkpoint(request, now=at))
    if monkeypatch is None:
        patch.undo()


def test_a_command_signed_long_before_the_last_one_is_refused(world_2024: World) -> None:
    """Entry order: the ledger refuses what the auditor would refuse, and writes nothing."""
    world_2024.run("office", "note.append", on="2026-11-01", text="十一月会议")
    size = world_2024.ledger.head().position
    with pytest.raises(ValidationError) as refused:
        world_2024.run("office", "note.append", on="2025-01-01", text="补记")
    assert "created" in refused.value.errors
    assert "before the command" in refused.value.message
    assert "早于" in render(refused.value.message, "zh")  # issue 12 §7: its Chinese form
    assert world_2024.ledger.head().position == size


def test_clocks_that_differ_within_the_tolerance_are_accepted(world_2024: World) -> None:
    at = moment("2026-11-01")
    world_2024.run("office", "note.append", on=at, text="a")
    world_2024.run("office", "note.append", on=at - TOLERANCE + 1, text="b: a slow clock")
    report = verify_ledger(world_2024.ledger, workers=1)
    assert report, report.failure


def test_the_order_is_judged_against_what_another_process_recorded_meanwhile(
    world_2024: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process records a command while this one prepares its own, signed 22
    months earlier: the check runs in the write transaction, so it sees that command and
    refuses -- a check made before the transaction would have let both land, and the
    auditor would then refuse the log."""
    other = open_world(settings)  # a second process on the same database
    size = world_2024.ledger.head().position
    plain_save = world_2024.ledger.save

    def save_after_the_other(*objs: Any, **kwargs: Any) -> Any:
        other.run("office", "note.append", on="2026-11-01", text="另一进程的记录")
        return plain_save(*objs, **kwargs)

    monkeypatch.setattr(world_2024.ledger, "save", save_after_the_other)
    with pytest.raises(ValidationError) as refused:
        world_2024.run("office", "note.append", on="2025-01-01", text="补记")
    assert "before the command at position" in refused.value.message
    monkeypatch.undo()
    other.ledger.close()
    assert world_2024.ledger.head().position == size + 1  # the other's note, not ours
    report = verify_ledger(world_2024.ledger, workers=1)
    assert report, report.failure


def test_backdating_after_the_last_command_fails_verify(
    world_2024: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator records a command dated 22 months before the previous one."""
    world_2024.run("office", "note.append", on="2026-11-01", text="十一月会议")
    operator_code(monkeypatch)
    recorded = world_2024.run("office", "note.append", on="2025-01-01", text="补记")
    report = verify_ledger(world_2024.ledger, workers=1)
    assert report.failure is not None
    assert report.failure.reason == TIME_OUT_OF_ORDER
    assert report.failure.position == recorded.first_position


def test_backdating_22_months_after_a_witnessed_checkpoint_fails_verify(
    world_2024: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing happened since January 2024; a witness cosigned the head in November 2026.
    The operator then records a command dated January 2025 -- after every earlier
    command, so entry order alone cannot see it, but 22 months before the witness saw
    the log without it."""
    cosign_head(world_2024, tmp_path, moment("2026-11-01"))
    operator_code(monkeypatch)
    recorded = world_2024.run("office", "note.append", on="2025-01-01", text="补记的会议")
    report = verify_ledger(world_2024.ledger, workers=1)
    assert report.failure is not None
    # The cosignature is itself recorded in the log (checkpoint.cosign, dated when the
    # witness signed), so entry order now sees the backdating too; either check names it.
    assert report.failure.reason in (TIME_BEFORE_WITNESS, TIME_OUT_OF_ORDER)
    assert report.failure.position == recorded.first_position
    assert "2025-01-01" in report.failure.detail and "2026-11-01" in report.failure.detail


def test_a_command_after_a_witnessed_checkpoint_verifies(world_2024: World, tmp_path: Path) -> None:
    cosign_head(world_2024, tmp_path, moment("2026-11-01"))
    world_2024.run("office", "note.append", on="2026-11-02", text="后续会议")
    report = verify_ledger(world_2024.ledger, workers=1)
    assert report, report.failure
    assert report.checkpoints


def test_entries_dated_after_the_witness_saw_them_fail_verify(
    world_2024: World, tmp_path: Path
) -> None:
    """A command covered by a checkpoint the witness cosigned cannot claim to be signed
    after the witness saw it (forward-dating before a checkpoint)."""
    forward = world_2024.run("office", "note.append", on="2026-11-05", text="提前签名")
    # The ledger records the cosignature when it arrives, after the forward-dated entry.
    cosign_head(world_2024, tmp_path, moment("2026-11-01"), recorded_at=moment("2026-11-05"))
    report = verify_ledger(world_2024.ledger, workers=1)
    assert report.failure is not None
    assert report.failure.reason == TIME_AFTER_WITNESS
    assert report.failure.position == forward.first_position


def test_a_witness_cosigning_an_older_checkpoint_late_is_no_false_alarm(
    world_2024: World, tmp_path: Path
) -> None:
    """Issue 11: a witness that was offline cosigns the checkpoint it was sent an hour
    later, when the log has grown past it. The commands appended meanwhile were signed
    honestly before the witness signed; only where the cosignature entered the log
    bounds what follows (ledger/audit/timing.py)."""
    at = moment("2026-11-01")
    world_2024.run("office", "note.append", on=at, text="会议一")
    t = world_2024.ledger.transparency
    note = t.checkpoint()
    size = parse_checkpoint(parse_note(note).text).size
    meanwhile = world_2024.run("office", "note.append", on=at + 10, text="会议二")
    assert meanwhile.first_position > size
    late = at + 3600
    cosign(world_2024, tmp_path, note, at=late)
    report = verify_ledger(world_2024.ledger, workers=1)
    assert report, report.failure
    world_2024.run("office", "note.append", on=late + 60, text="会议三")
    assert verify_ledger(world_2024.ledger, workers=1)


def test_a_command_backdated_before_a_recorded_cosignature_fails_verify(
    world_2024: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lower bound holds from where the cosignature was recorded, even for a
    cosignature of an older checkpoint."""
    at = moment("2026-11-01")
    world_2024.run("office", "note.append", on=at, text="会议一")
    note = world_2024.ledger.transparency.checkpoint()
    world_2024.run("office", "note.append", on=at + 10, text="会议二")
    late = at + 3600
    cosign(world_2024, tmp_path, note, at=late)
    operator_code(monkeypatch)
    backdated = world_2024.run("office", "note.append", on=late - TOLERANCE - 60, text="补记")
    report = verify_ledger(world_2024.ledger, workers=1)
    assert report.failure is not None
    assert report.failure.position == backdated.first_position
    assert report.failure.reason in (TIME_BEFORE_WITNESS, TIME_OUT_OF_ORDER)


def cosign(world: World, tmp_path: Path, note: str, *, at: int) -> None:
    """A witness cosigns ``note`` (an older checkpoint) at ``at``; the ledger records the
    cosignature at that simulated time."""
    ledger = world.ledger
    signer = ledger.signer
    assert signer is not None
    patch = pytest.MonkeyPatch()
    patch.setattr(
        ledger,
        "execute_as_ledger",
        lambda action, params: ledger.execute(
            sign_command(signer, action, params, created=at), now=at
        ),
    )
    try:
        t = ledger.transparency
        size = parse_checkpoint(parse_note(note).text).size
        state = tmp_path / "late-witness.json"
        Witness.create(state, WITNESS_NAME, [t.log_verifier().vkey], trusted=[note])
        witness = Witness(state, fixed_key("witness"))
        request = request_text(t.consistency_text(size, size), note)
        assert t.attach_cosignatures(note + witness.add_checkpoint(request, now=at))
    finally:
        patch.undo()
