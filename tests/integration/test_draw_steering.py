"""A draw nobody can steer (issue 11 part 5, R7.5), on both backends.

Each attack the issue lists, tried as the lead (through the commands) and as the
operator (editing the recorded events, which ``verify-draw`` must then refuse):
dice recorded after the witnesses revealed; a second commitment opened after the first
draw's outcome was fixed; a beacon round already public at commit time. The rules
are those of a ``shuangsui-draw-v2`` draw, kept by ``-v3`` (format-2 ledgers).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from ledger.draw.ceremony import (
    BEACON_MARGIN,
    commitment_hash,
    commitment_text,
    sign_witness_statement,
    witness_commitment,
)
from ledger.draw.verify import verify_draw
from ledger.draw.world import SNAPSHOT_TOPICS
from ledger.errors import (
    AuthorisationError,
    ConflictError,
    PermissionDeniedError,
    RuleViolationError,
    ValidationError,
)
from ledger.ids import draw_id
from tests.support.county import County
from tests.support.draws import (
    TASK,
    commit,
    statement,
    verify,
    witness_commit,
    witness_reveal,
)

Event = tuple[int, str, str, dict[str, Any]]

QUICKNET_ROUND = 657413
QUICKNET_PUBLISHED = 1694775603  # when quicknet published round 657413


def events(county: County) -> list[Event]:
    return list(county.world.ledger.topic_events(SNAPSHOT_TOPICS))


def moved(recorded: list[Event], topic: str, after: str) -> list[Event]:
    """The events with the first ``topic`` event moved to just after the last ``after``
    event, positions renumbered in place (what an operator rewriting the order does)."""
    changed = copy.deepcopy(recorded)
    positions = [e[0] for e in changed]
    index = next(i for i, e in enumerate(changed) if e[2] == topic)
    event = changed.pop(index)
    last = max(i for i, e in enumerate(changed) if e[2] == after)
    changed.insert(last + 1, event)
    return [(p, s, t, st) for p, (_, s, t, st) in zip(positions, changed, strict=True)]


def reveal_all(county: County, secrets: dict[str, tuple[str, str]], number: int = 1) -> None:
    for name, (value, nonce) in secrets.items():
        witness_reveal(county, name, value, nonce, number)


def test_the_commitment_names_the_newest_algorithm(drawable: County) -> None:
    """A format-2 ledger draws under v3 (v2's ceremony rules, and the credit record)."""
    commit(drawable)
    drawn = drawable.world.ledger.get(draw_id(TASK, 1))
    assert json.loads(drawn.commitment)["algorithm"] == "shuangsui-draw-v3"


# --- dice recorded after the witnesses revealed -------------------------------------------


def test_dice_after_the_witnesses_cannot_be_recorded(drawable: County) -> None:
    """Issue 11 part 5: the dice are fixed before any other entropy is known. With the
    reveals in, a lead who may still record dice grinds the seed in a few tries."""
    commit(drawable)
    with pytest.raises(ConflictError, match="dice are thrown and recorded before the first"):
        witness_commit(drawable, "jiwei")
    drawable.run("SCJGJ", "draw.dice", task=TASK, draw=1, digits="3141552653")
    secrets = {name: witness_commit(drawable, name) for name in ("jiwei", "notary")}
    reveal_all(drawable, secrets)
    with pytest.raises(ConflictError, match="already recorded"):
        drawable.run("SCJGJ", "draw.dice", task=TASK, draw=1, digits="6666666666")
    drawable.run("SCJGJ", "draw.run", task=TASK, draw=1)
    assert verify(drawable)[0] is None


def test_verify_draw_refuses_dice_recorded_after_the_witnesses(drawable: County) -> None:
    """The operator rewrites the order of the stored events: verify-draw names it."""
    commit(drawable)
    drawable.run("SCJGJ", "draw.dice", task=TASK, draw=1, digits="3141552653")
    secrets = {name: witness_commit(drawable, name) for name in ("jiwei", "notary")}
    reveal_all(drawable, secrets)
    drawable.run("SCJGJ", "draw.run", task=TASK, draw=1)
    recorded = events(drawable)
    assert verify(drawable, 1, recorded)[0] is None
    late = moved(
        recorded, "shuangsui.draw.dice_thrown", after="shuangsui.draw.witness_signed_reveal"
    )
    problem = verify(drawable, 1, late)[0]
    assert problem == "the dice were recorded after a witness had committed"


# --- a second commitment after the outcome was fixed ------------------------------------------


def test_no_second_commitment_once_the_outcome_is_being_fixed(drawable: County) -> None:
    """Issue 11 part 5: one open draw per task; once a witness revealed, the draw can no
    longer be voided, so the lead cannot look at the outcome and commit again."""
    commit(drawable)
    drawable.run("SCJGJ", "draw.dice", task=TASK, draw=1, digits="3141552653")
    secrets = {name: witness_commit(drawable, name) for name in ("jiwei", "notary")}
    reveal_all(drawable, secrets)
    with pytest.raises(ConflictError, match="one open draw per task"):
        commit(drawable)
    with pytest.raises(ConflictError, match="witnesses have begun to reveal"):
        drawable.run("SCJGJ", "draw.void", task=TASK, draw=1, reason="结果不理想")
    drawable.run("SCJGJ", "draw.run", task=TASK, draw=1)
    with pytest.raises(ConflictError, match="cannot be drawn again"):
        commit(drawable)
    with pytest.raises(ConflictError, match="already performed"):
        drawable.run("SCJGJ", "draw.void", task=TASK, draw=1, reason="再抽一次")
    assert drawable.world.ledger.find(draw_id(TASK, 2)) is None


def test_a_void_needs_the_lead_a_reason_and_closes_the_draw(drawable: County) -> None:
    commit(drawable)
    with pytest.raises(PermissionDeniedError):
        drawable.run("SWJ", "draw.void", task=TASK, draw=1, reason="x")
    with pytest.raises(ValidationError):
        drawable.run("SCJGJ", "draw.void", task=TASK, draw=1, reason="  ")
    size = drawable.world.ledger.head().position
    voided = drawable.run("SCJGJ", "draw.void", task=TASK, draw=1, reason="见证人名单有误")
    assert voided.result == {"task": TASK, "draw": 1, "voided": "见证人名单有误"}
    assert drawable.world.ledger.head().position == size + 1
    for action, extra in (
        ("draw.dice", {"digits": "3141552653"}),
        ("draw.run", {}),
        ("draw.void", {"reason": "again"}),
    ):
        with pytest.raises(ConflictError, match="was voided"):
            drawable.run("SCJGJ", action, task=TASK, draw=1, **extra)
    with pytest.raises(ConflictError, match="was voided"):
        witness_commit(drawable, "jiwei")
    assert commit(drawable).result["draw"] == 2
    assert verify(drawable)[0] is None
    assert verify(drawable, 2)[0] is None


def test_verify_draw_refuses_two_open_draws_of_a_task(drawable: County) -> None:
    """The operator records a second commitment with the first still open (the void
    removed) and runs it: verify-draw names the open draw."""
    commit(drawable)
    drawable.run("SCJGJ", "draw.void", task=TASK, draw=1, reason="重新组织")
    commit(drawable)
    recorded = events(drawable)
    assert verify(drawable, 2, recorded)[0] is None
    unvoided = [e for e in recorded if e[2] != "shuangsui.draw.voided"]
    assert verify(drawable, 2, unvoided)[0] == (
        f"one open draw per task: draw {TASK}/2 was committed while draw {TASK}/1 was "
        "open (not voided)"
    )
    assert "was open" in str(verify(drawable, 1, unvoided)[0])
    stream = str(draw_id(TASK, 1))
    after_void = [*recorded, (recorded[-1][0] + 1, stream, "shuangsui.draw.dice_thrown", {})]
    assert verify(drawable, 1, after_void)[0] == (
        f"draw {TASK}/1: events recorded after it was voided"
    )


# --- a beacon round already public at commit time ---------------------------------------------


def beacon_params(before: int) -> dict[str, Any]:
    return {
        "task": TASK,
        "witnesses": [],
        "dice": True,
        "fallback": "wait",
        "beacon": {"round": QUICKNET_ROUND},
        "reveal_by": dt.datetime.fromtimestamp(before + 3600, dt.UTC).isoformat(),
    }


@pytest.mark.parametrize("early", [0, 60, BEACON_MARGIN - 1])
def test_a_beacon_round_inside_the_margin_is_refused(drawable_2023: County, early: int) -> None:
    drawable = drawable_2023
    """Issue 11 part 5: a round published less than the margin (longer than the request
    window) after the commitment could already be known when it is signed."""
    before = QUICKNET_PUBLISHED - early
    with pytest.raises(RuleViolationError, match=r"not in the future|at least"):
        drawable.run("SCJGJ", "draw.commit", beacon_params(before), on=before)


def test_dice_too_close_to_the_beacon_and_a_late_void_are_refused(drawable_2023: County) -> None:
    drawable = drawable_2023
    before = QUICKNET_PUBLISHED - 2 * BEACON_MARGIN
    committed = drawable.run("SCJGJ", "draw.commit", beacon_params(before), on=before)
    commitment = json.loads(drawable.world.ledger.get(draw_id(TASK, 1)).commitment)
    assert commitment["beacon"]["margin"] == BEACON_MARGIN
    assert committed.result["draw"] == 1
    late = QUICKNET_PUBLISHED - BEACON_MARGIN + 1
    with pytest.raises(ConflictError, match="dice come too late"):
        drawable.run("SCJGJ", "draw.dice", task=TASK, draw=1, digits="3141552653", on=late)
    with pytest.raises(ConflictError, match="can no longer be voided"):
        drawable.run("SCJGJ", "draw.void", task=TASK, draw=1, reason="x", on=late)
    drawable.run("SCJGJ", "draw.dice", task=TASK, draw=1, digits="3141552653", on=late - 2)
    assert verify(drawable)[0] is None


def test_verify_draw_refuses_a_commitment_without_the_beacon_margin(drawable_2023: County) -> None:
    drawable = drawable_2023
    """The operator rewrites the commitment (and its hash) to a round inside the margin."""
    before = QUICKNET_PUBLISHED - 2 * BEACON_MARGIN
    drawable.run("SCJGJ", "draw.commit", beacon_params(before), on=before)
    recorded = events(drawable)
    assert verify(drawable, 1, recorded)[0] is None
    forged = copy.deepcopy(recorded)
    state = next(s for _, _, t, s in forged if t == "shuangsui.draw.committed")
    commitment = json.loads(state["commitment"])
    commitment["beacon"]["round"] = QUICKNET_ROUND - (2 * BEACON_MARGIN - 60) // 3
    state["commitment"] = commitment_text(commitment)
    state["commitment_hash"] = commitment_hash(state["commitment"]).hex()
    problem = verify(drawable, 1, forged)[0]
    assert problem is not None and problem.startswith("beacon round")
    assert "at least 900 s are required" in problem


# --- witness statements the operator cannot substitute ---------------------------------------


def test_a_witness_contribution_is_signed_over_the_draws_commitment(drawable: County) -> None:
    """Issue 11 part 5: a witness commitment or reveal counts only with the witness's own
    signature over this draw's commitment -- not unsigned, not one made for another
    commitment, not another witness's."""
    commit(drawable)
    drawable.run("SCJGJ", "draw.dice", task=TASK, draw=1, digits="3141552653")
    digest = "ab" * 32
    with pytest.raises(ValidationError) as unsigned:
        drawable.run("jiwei", "draw.witness_commit", task=TASK, draw=1, commitment=digest)
    assert unsigned.value.errors == {"signature": ["required"]}
    elsewhere = sign_witness_statement(
        drawable.keys["jiwei"].sign,
        "commit",
        task=TASK,
        draw=1,
        commitment_hash="00" * 32,
        witness=drawable.keys["jiwei"].key_id,
        commitment=digest,
    )
    notary = statement(drawable, "notary", "commit", commitment=digest)
    for signature in (elsewhere, notary, "AAAA"):
        with pytest.raises(AuthorisationError, match="not the witness's over this draw"):
            drawable.run(
                "jiwei",
                "draw.witness_commit",
                task=TASK,
                draw=1,
                commitment=digest,
                signature=signature,
            )
    value, nonce = witness_commit(drawable, "jiwei")
    witness_commit(drawable, "notary")
    with pytest.raises(AuthorisationError):
        witness_reveal(drawable, "jiwei", value, nonce, signature=notary)
    witness_reveal(drawable, "jiwei", value, nonce)
    assert drawable.world.ledger.get(draw_id(TASK, 1)).reveals


def substituted(recorded: list[Event], topic: str, change: dict[str, Any]) -> list[Event]:
    changed = copy.deepcopy(recorded)
    state = next(s for _, _, t, s in changed if t == topic)
    state.update(change)
    return changed


def test_verify_draw_refuses_substituted_witness_statements(drawable: County) -> None:
    """The operator records another commitment and reveal under a witness's name (the
    witness's real signatures kept), an unsigned v1 event, or moves the witnesses'
    statements to a rewritten commitment: verify-draw names the witness."""
    commit(drawable)
    drawable.run("SCJGJ", "draw.dice", task=TASK, draw=1, digits="3141552653")
    secrets = {name: witness_commit(drawable, name) for name in ("jiwei", "notary")}
    reveal_all(drawable, secrets)
    drawable.run("SCJGJ", "draw.run", task=TASK, draw=1)
    recorded = events(drawable)
    assert verify(drawable, 1, recorded)[0] is None
    jiwei = drawable.keys["jiwei"].key_id
    value, nonce = "cd" * 32, "ef" * 16
    ours = witness_commitment(value, nonce)
    swapped = substituted(
        substituted(recorded, "shuangsui.draw.witness_signed_commitment", {"commitment": ours}),
        "shuangsui.draw.witness_signed_reveal",
        {"value": value, "nonce": nonce},
    )
    problem = verify(drawable, 1, swapped)[0]
    assert problem == (
        f"witness {jiwei}: its commit is not signed by the witness over this draw's commitment"
    )
    plain = [
        (p, s, "shuangsui.draw.witness_committed" if "signed_commitment" in t else t, st)
        for p, s, t, st in recorded
    ]
    assert "takes only signed witness statements" in str(verify(drawable, 1, plain)[0])
    rewritten = copy.deepcopy(recorded)
    state = next(s for _, _, t, s in rewritten if t == "shuangsui.draw.committed")
    commitment = json.loads(state["commitment"])
    commitment["reveal_by"] = commitment["fallback"]["reveal_by"] + 1
    state["commitment"] = commitment_text(commitment)
    state["commitment_hash"] = commitment_hash(state["commitment"]).hex()
    problem = verify(drawable, 1, rewritten)[0]
    assert problem is not None and "not signed by the witness" in problem
    assert "no public key" in str(verify_draw(recorded, TASK, 1, keys=lambda key_id: None)[0])


# --- a reveal censored and the fallback used -----------------------------------------------


def test_a_reveal_that_reached_the_ledger_cannot_be_skipped(drawable: County) -> None:
    """Issue 11 part 5: the fallback is fixed in the commitment; a reveal in the ledger
    enters the seed. An operator who records the run as if the witness were absent, or
    the reveal only after the run, is caught by verify-draw."""
    committed = commit(drawable, dice=False)
    commitment = json.loads(drawable.world.ledger.get(draw_id(TASK, 1)).commitment)
    assert commitment["fallback"]["mode"] == "skip"
    assert committed.result["draw"] == 1
    secrets = {name: witness_commit(drawable, name) for name in ("jiwei", "notary")}
    reveal_all(drawable, secrets)
    drawable.run("SCJGJ", "draw.run", task=TASK, draw=1)
    recorded = events(drawable)
    notary = drawable.keys["notary"].key_id
    censored = copy.deepcopy(recorded)
    performed = next(s for _, _, t, s in censored if t == "shuangsui.draw.performed")
    for source in performed["sources"]:
        if source["label"] == f"witness:{notary}":
            source.update(label=f"absent:{notary}", value="")
    problem = verify(drawable, 1, censored)[0]
    assert problem is not None and problem.startswith("draw.sources")
    late = moved(recorded, "shuangsui.draw.witness_signed_reveal", after="shuangsui.draw.performed")
    assert verify(drawable, 1, late)[0] is not None
