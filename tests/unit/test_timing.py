"""Issue 11, part 6: the auditor's time rules (``ledger/audit/timing.py``) on their own."""

from __future__ import annotations

import base64

from ledger.audit.timing import (
    TIME_AFTER_WITNESS,
    TIME_BEFORE_WITNESS,
    TIME_OUT_OF_ORDER,
    TOLERANCE,
    CommandTimes,
    check_checkpoint_times,
    cosignature_times,
    line_time,
)

DAY = 86400
T0 = 1_767_571_200  # 2026-01-05T00:00:00Z


def times(*pairs: tuple[int, int]) -> CommandTimes:
    clock = CommandTimes()
    for position, created in pairs:
        assert clock.observe(position, created) is None
    return clock


def test_order_within_the_tolerance_passes_and_beyond_it_fails() -> None:
    clock = times((1, T0), (3, T0 + 100), (4, T0 + 100 - TOLERANCE))
    failure = clock.observe(7, T0 + 99 - TOLERANCE)
    assert failure is not None and failure.reason == TIME_OUT_OF_ORDER
    assert failure.position == 7 and "position 3" in failure.detail


def test_the_latest_time_is_the_reference_not_the_previous_one() -> None:
    clock = times((1, T0 + DAY), (2, T0 + DAY - 800))
    failure = clock.observe(3, T0 + DAY - 1000)  # within 900 s of #2, not of #1
    assert failure is not None and failure.position == 3


def test_a_cosigned_checkpoint_bounds_what_it_covers() -> None:
    clock = times((1, T0), (2, T0 + 10), (5, T0 + 20 * DAY))
    assert clock.check_witnessed(4, [T0 + 30]) is None  # #5 was signed later: fine
    early = clock.check_witnessed(5, [T0 + DAY])  # #5 claims a time after the witness saw it
    assert early is not None and early.reason == TIME_AFTER_WITNESS and early.position == 5
    assert clock.check_witnessed(5, []) is None


def test_a_late_cosignature_of_an_older_checkpoint_is_no_false_alarm() -> None:
    """A witness cosigns size 4 twenty days late: #5, signed before it, is not judged by
    it -- only commands after where the cosignature is recorded are."""
    clock = times((1, T0), (2, T0 + 10), (5, T0 + 20))
    assert clock.check_witnessed(4, [T0 + 20 * DAY]) is None
    assert clock.observe(6, T0 + 20 * DAY) is None  # the command recording it
    assert clock.witnessed(7, 4, T0 + 20 * DAY) is None
    assert clock.observe(9, T0 + 20 * DAY - TOLERANCE) is None


def test_a_recorded_cosignature_bounds_every_later_command() -> None:
    clock = times((1, T0), (3, T0 + DAY))
    assert clock.witnessed(4, 2, T0 + DAY) is None
    failure = clock.observe(5, T0 + DAY - TOLERANCE - 1)
    assert failure is not None and failure.reason == TIME_BEFORE_WITNESS
    assert failure.position == 5 and "recorded at position 4" in failure.detail


def test_a_cosignature_recorded_by_a_backdated_command_is_caught() -> None:
    clock = times((1, T0), (3, T0 + 10))
    failure = clock.witnessed(4, 2, T0 + DAY)  # command #3 claims to predate it by a day
    assert failure is not None and failure.reason == TIME_BEFORE_WITNESS
    assert failure.position == 3


def test_a_cosignature_line_gives_its_time() -> None:
    blob = base64.b64encode(bytes(4) + (T0).to_bytes(8, "big") + bytes(64)).decode()
    assert line_time(f"— w.example/a {blob}\n") == T0
    assert line_time("— w.example/a " + base64.b64encode(bytes(68)).decode()) is None
    assert line_time("— w.example/a not-base64") is None


def test_format_1_and_uncosigned_checkpoints_are_not_judged() -> None:
    clock = times((1, T0), (5, T0 + 20 * DAY))
    assert check_checkpoint_times(1, clock, 4, "x", ["w"]) is None
    assert check_checkpoint_times(2, clock, 4, "x", []) is None


def test_cosignature_times_read_only_the_named_cosigners() -> None:
    log_sig = base64.b64encode(bytes(4) + bytes(64)).decode()
    cosig = base64.b64encode(bytes(4) + (T0).to_bytes(8, "big") + bytes(64)).decode()
    note = f"log.example/x\n3\nAAAA\n\n— log.example/x {log_sig}\n— w.example/a {cosig}\n"
    assert cosignature_times(note, ["w.example/a"]) == [T0]
    assert cosignature_times(note, ["log.example/x"]) == []  # a log signature has no time
    assert cosignature_times(note, []) == []
