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


def test_witness_brackets() -> None:
    clock = times((1, T0), (2, T0 + 10), (5, T0 + 20 * DAY))
    assert clock.check_witnessed(4, [T0 + 30]) is None  # #5 was signed later: fine
    late = clock.check_witnessed(4, [T0 + 21 * DAY])  # #5 is 20 d before that
    assert late is not None and late.reason == TIME_BEFORE_WITNESS and late.position == 5
    early = clock.check_witnessed(5, [T0 + DAY])  # #5 claims a time after the witness saw it
    assert early is not None and early.reason == TIME_AFTER_WITNESS and early.position == 5
    assert clock.check_witnessed(5, []) is None


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
