"""Issue 11: which format a ledger was started under, and whether the auditor accepts it
(``ledger/audit/standing.py``)."""

from __future__ import annotations

from ledger import formats
from ledger.audit.standing import (
    FORMAT_SINCE,
    LATEST_FORMAT,
    SIGNED_FORMAT_SINCE,
    Standing,
)
from ledger.i18n import render

IN_2023 = 1_693_526_400  # 2023-09-01T00:00:00Z


def test_the_auditor_knows_the_newest_format() -> None:
    assert LATEST_FORMAT == formats.CURRENT
    assert sorted(FORMAT_SINCE) == list(range(2, LATEST_FORMAT + 1))
    assert list(FORMAT_SINCE.values()) == sorted(FORMAT_SINCE.values())
    assert 2 <= SIGNED_FORMAT_SINCE <= LATEST_FORMAT


def test_the_newest_format_needs_no_acceptance() -> None:
    now = Standing(LATEST_FORMAT, FORMAT_SINCE[LATEST_FORMAT] + 86400)
    assert not now.old and now.problem(None) is None and now.missing() == []


def test_an_old_ledger_is_accepted_only_by_naming_its_format() -> None:
    old = Standing(1, IN_2023)
    assert old.old and old.superseded_by is None
    refused = old.problem(None)
    assert refused is not None and "--accept-format 1" in refused
    assert "格式 1" in render(refused, "zh") and "--accept-format 1" in render(refused, "zh")
    assert old.problem(2) is not None
    assert old.problem(1) is None
    assert [m.split(":")[0] for m in old.missing()] == [
        "format 2",
        "format 3",
        "format 4",
        "format 5",
    ]
    assert old.as_dict(1)["accepted"] and not old.as_dict(None)["accepted"]


def test_a_genesis_signed_after_the_next_format_existed_is_never_accepted() -> None:
    """The office starts a new ledger under format 1 to escape the rules of format 2:
    its own signed genesis time gives it away, and no flag accepts it."""
    late = Standing(1, FORMAT_SINCE[2] + 60)
    assert late.superseded_by == 2
    for accepted in (None, 1):
        problem = late.problem(accepted)
        assert problem is not None and "after format 2 existed" in problem
        assert "晚于格式 2" in render(problem, "zh")
    between = Standing(2, FORMAT_SINCE[3] + 60)
    assert between.superseded_by == 3 and between.problem(2) is not None
    assert Standing(2, FORMAT_SINCE[3] - 60).problem(2) is None
    # the same for format 3 once format 4 existed (the format-v3 vector was signed before)
    assert Standing(3, FORMAT_SINCE[4] + 60).superseded_by == 4
    assert Standing(3, FORMAT_SINCE[4] + 60).problem(3) is not None
    assert Standing(3, FORMAT_SINCE[4] - 60).problem(3) is None
    # and for format 4 once format 5 existed (the format-v4 vector was signed before)
    assert Standing(4, FORMAT_SINCE[5] + 60).superseded_by == 5
    assert Standing(4, FORMAT_SINCE[5] + 60).problem(4) is not None
    assert Standing(4, FORMAT_SINCE[5] - 60).problem(4) is None


def test_a_log_without_a_genesis_time_is_judged_by_its_format_alone() -> None:
    unknown = Standing(1, None)
    assert unknown.superseded_by is None and unknown.problem(1) is None
