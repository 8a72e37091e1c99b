"""Issue 11: the genesis signs the ledger format, and commands with parameters their
declaration does not know are refused (format 3 on: a format-2 ledger written before may
hold one and must still replay), on both backends.

The office holds the office key and the ledger key and runs the server. Starting a new
ledger under an old format would escape every rule added since; the format is signed
by the office in the genesis and the auditor compares it with what is stored
(``ledger/audit/chain.py``), and ``verify`` judges an old format by the genesis' signed
time (``ledger/audit/standing.py``; the CLI side is ``tests/cli/test_format_cli.py``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from ledger import formats
from ledger.areas.keys.commands import StartLedger
from ledger.audit.report import BAD_GENESIS
from ledger.authorisation import sign_command
from ledger.bootstrap import open_ledger
from ledger.commanding import Context, Outcome
from ledger.config import Settings
from ledger.errors import AuthorisationError, ValidationError
from ledger.i18n import render
from ledger.transparency.database import replay_ledger, verify_ledger
from tests.support.county import build_county, item
from tests.support.world import ORIGIN, World, start_world
from tests.vectors.testkeys import fixed_key


def genesis_params(**extra: Any) -> dict[str, Any]:
    return {
        "origin": ORIGIN,
        "office_public_key": fixed_key("office").public.public_b64,
        "ledger_public_key": fixed_key("ledger").public.public_b64,
        "office_holder": "TEST office",
        **extra,
    }


def start(settings: Settings, **extra: Any) -> Any:
    ledger = open_ledger(settings, signer=fixed_key("ledger"), must_exist=False)
    try:
        ledger.execute(sign_command(fixed_key("office"), "ledger.genesis", genesis_params(**extra)))
    except BaseException:
        ledger.close()
        raise
    return ledger


# --- the genesis signs its format --------------------------------------------------------------


def test_a_genesis_without_its_signed_format_is_refused(settings: Settings) -> None:
    with pytest.raises(ValidationError) as refused:
        start(settings)
    assert "format" in refused.value.errors and "创世命令须签署账本格式" in render(
        refused.value.message, "zh"
    )


def test_a_genesis_signing_another_format_is_refused(settings: Settings) -> None:
    """The office may not sign format 1 for a ledger the code starts under format 3."""
    with pytest.raises(AuthorisationError, match="the office signed format 1"):
        start(settings, format=1)


def test_a_genesis_signing_its_format_verifies_and_replays(settings: Settings) -> None:
    ledger = start(settings, format=formats.CURRENT)
    try:
        assert ledger.genesis().format == formats.CURRENT
        assert verify_ledger(ledger, workers=1)
        assert replay_ledger(ledger)
    finally:
        ledger.close()


def test_the_operator_storing_another_format_than_the_office_signed_is_caught(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator's code records format 1 under the office's genesis signed for
    format 3: the auditor's chain check names position 1."""
    original = StartLedger.handle

    def operator(self: StartLedger, ctx: Context) -> Outcome:
        outcome = original(self, ctx)
        for event in outcome.aggregates[0].pending_events:
            object.__setattr__(event, "format", 1)
        return outcome

    monkeypatch.setattr(StartLedger, "handle", operator)
    ledger = start(settings, format=formats.CURRENT)
    try:
        report = verify_ledger(ledger, workers=1)
        assert report.failure is not None
        assert (report.failure.position, report.failure.reason) == (1, BAD_GENESIS)
        assert f"the office signed {formats.CURRENT}" in report.failure.detail
    finally:
        ledger.close()


def test_a_current_format_genesis_the_office_did_not_sign_is_caught(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = StartLedger.handle

    def operator(self: StartLedger, ctx: Context) -> Outcome:
        return original(dataclasses.replace(self, format=formats.CURRENT), ctx)

    monkeypatch.setattr(StartLedger, "handle", operator)
    ledger = start(settings)  # the office signed no format
    try:
        report = verify_ledger(ledger, workers=1)
        assert report.failure is not None
        assert (report.failure.position, report.failure.reason) == (1, BAD_GENESIS)
        assert "does not sign its format" in report.failure.detail
    finally:
        ledger.close()


# --- unknown parameters (format 3 on) -------------------------------------------------------


def test_an_unknown_parameter_is_refused_and_nothing_is_written(world: World) -> None:
    size = world.ledger.head().position
    with pytest.raises(ValidationError) as refused:
        world.run("office", "note.append", text="会议纪要", txet="撤回处罚")
    assert refused.value.errors == {"txet": [refused.value.errors["txet"][0]]}
    reason = refused.value.errors["txet"][0]
    assert "未声明的参数" in render(reason, "zh")
    assert "not a parameter of note.append" in reason
    assert world.ledger.head().position == size


def test_an_unknown_key_inside_a_declared_shape_is_refused(world: World) -> None:
    county = build_county(world)
    with pytest.raises(ValidationError) as refused:
        county.run(
            "SCJGJ",
            "items.draft",
            reason="enact",
            items=[item("SC-009"), {**item("SC-010"), "ratio_cap_override": "0.9"}],
        )
    assert set(refused.value.errors) == {"items[1].ratio_cap_override"}


def test_a_format_1_ledger_replays_its_unknown_parameters(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Format 1 accepted unknown keys: such a ledger keeps verifying and replaying."""
    monkeypatch.setattr(formats, "CURRENT", 1)
    world = start_world(settings)
    try:
        world.run("office", "note.append", text="会议纪要", txet="旧格式")
        assert verify_ledger(world.ledger, workers=1)
        replayed = replay_ledger(world.ledger)
        assert replayed, replayed.failure
    finally:
        world.ledger.close()
