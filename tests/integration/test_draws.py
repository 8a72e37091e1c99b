"""The verifiable draw end to end, on both backends (R7.4, R7.5, R5.2, R5.3, R6.3)."""

from __future__ import annotations

import copy
import datetime as dt
import math
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ledger.areas.directory.importer import import_objects
from ledger.areas.draws.events import Draw
from ledger.draw.world import SNAPSHOT_TOPICS
from ledger.errors import ConflictError, PermissionDeniedError, RuleViolationError
from ledger.ids import draw_id
from ledger.transparency.database import verify_ledger
from tests.support.county import County, build_county, inspector
from tests.support.draws import (
    TASK,
    ceremony,
    commit,
    verify,
    witness,
    witness_commit,
    witness_reveal,
)
from tests.support.world import World
from tools.fakecounty import write_generated_objects


def events(county: County) -> list[Any]:
    return list(county.world.ledger.topic_events(SNAPSHOT_TOPICS))


def test_draw_runs_and_is_recomputed_byte_for_byte(drawable: County) -> None:
    ran = ceremony(drawable)
    performed = drawable.world.ledger.get(draw_id(TASK, 1)).performed
    assert performed is not None
    for _key, stratum in performed["strata"].items():
        assert stratum["n"] == min(
            stratum["count"], math.ceil(float(stratum["ratio"]) * stratum["count"] - 1e-9)
        )
    assert ran.result["drawn"] == len(performed["drawn"]) > 0
    for assignment in performed["assignments"]:
        assert len(set(assignment["team"])) == 2
    problem, facts = verify(drawable)
    assert problem is None, problem
    assert facts["performed"] and facts["drawn"] == ran.result["drawn"]
    # Read by topic as the CLI does, or from a list of every event: the same answer.
    assert verify(drawable, events=events(drawable)) == (problem, facts)
    assert verify_ledger(drawable.world.ledger, workers=1)


def test_any_changed_input_makes_the_old_record_fail(drawable: County) -> None:
    ceremony(drawable)
    original = events(drawable)

    def tampered(predicate, change):  # type: ignore[no-untyped-def]
        changed = copy.deepcopy(original)
        for _i, (_, _, topic, state) in enumerate(changed):
            if predicate(topic, state):
                change(state)
                return verify(drawable, 1, changed)[0]
        raise AssertionError("nothing to change")

    dice = tampered(
        lambda t, s: t == "shuangsui.draw.dice_thrown",
        lambda s: s.update(digits="3141552654"),
    )
    assert dice is not None and dice.startswith("draw.sources")

    def reclassify(state: dict[str, Any]) -> None:
        # An eligible, non-directed object: its class is its stratum.
        at = {name: i for i, name in enumerate(state["columns"])}
        row = next(
            r
            for r in state["rows"]
            if r[at["kind"]] == "enterprise"
            and r[at["status"]] == "active"
            and not r[at["penalties"]]
            and r[at["complaints"]] < 2
        )
        row[at["credit_class"]] = "D" if row[at["credit_class"]] != "D" else "A"

    row = tampered(lambda t, s: t == "shuangsui.directory.batch_rows", reclassify)
    assert row is not None and row.startswith("commitment.snapshot")
    ratio = tampered(
        lambda t, s: t == "shuangsui.task.created", lambda s: s["spec"]["ratios"].update(A="0.03")
    )
    assert ratio is not None and ratio.startswith("commitment.task_spec")
    reveal = tampered(
        lambda t, s: t == "shuangsui.draw.witness_signed_reveal",
        lambda s: s.update(value="00" * 32),
    )
    assert reveal is not None and "does not match its commitment" in reveal


def test_reveals_wait_for_every_commitment_and_must_match(drawable: County) -> None:
    commit(drawable, dice=False)
    value, nonce = witness_commit(drawable, "jiwei")
    with pytest.raises(ConflictError, match="every witness commits before any reveals"):
        witness_reveal(drawable, "jiwei", value, nonce)
    witness_commit(drawable, "notary")
    with pytest.raises(RuleViolationError, match="does not match"):
        witness_reveal(drawable, "jiwei", "11" * 32, nonce)
    with pytest.raises(PermissionDeniedError):
        drawable.run("SWJ", "draw.witness_commit", task=TASK, draw=1, commitment="00" * 32)


def test_a_witness_who_never_reveals_meets_the_declared_fallback(drawable: County) -> None:
    deadline = int(time.time()) + 60
    commit(drawable, reveal_by=dt.datetime.fromtimestamp(deadline, dt.UTC).isoformat(), dice=False)
    value, nonce = witness_commit(drawable, "jiwei")
    witness_commit(drawable, "notary")
    witness_reveal(drawable, "jiwei", value, nonce)
    with pytest.raises(ConflictError, match="waiting for the reveal of witness"):
        drawable.run("SCJGJ", "draw.run", task=TASK, draw=1)
    later = deadline + 5
    drawable.run("SCJGJ", "draw.run", on=later, task=TASK, draw=1)
    performed = drawable.world.ledger.get(draw_id(TASK, 1)).performed
    labels = [
        s["label"]
        for s in drawable.world.ledger.get(draw_id(TASK, 1)).performed
        and next(iter(drawable.world.ledger.topic_events(("shuangsui.draw.performed",))))[3][
            "sources"
        ]
    ]
    assert f"absent:{drawable.keys['notary'].key_id}" in labels
    assert performed is not None
    assert verify(drawable)[0] is None


def test_no_redraw_after_a_draw_and_a_fresh_commitment_only_after_a_void(
    drawable: County,
) -> None:
    """R7.5, issue 11 part 5: one open draw per task; a new commitment only after the
    previous one was voided with its reason, and the old one stays."""
    commit(drawable)
    with pytest.raises(ConflictError, match="one open draw per task"):
        commit(drawable)
    drawable.run("SCJGJ", "draw.void", task=TASK, draw=1, reason="名单录入有误")
    second = commit(drawable)
    assert second.result["draw"] == 2
    assert isinstance(drawable.world.ledger.get(draw_id(TASK, 1)), Draw)


def test_recusal_replaces_deterministically(drawable: County) -> None:
    """R7.4: the lead's request takes effect with the office's approval (v2; see
    test_recusals.py for the declarations and the attacks)."""
    ceremony(drawable)
    drawn = drawable.world.ledger.get(draw_id(TASK, 1))
    assignment = drawn.performed["assignments"][0]
    leaving = assignment["team"][0]
    drawable.run(
        "SCJGJ",
        "draw.recuse",
        task=TASK,
        draw=1,
        object=assignment["object"],
        person=leaving,
        reason="近亲属关系",
    )
    result = drawable.run(
        "office",
        "draw.approve_recusal",
        task=TASK,
        draw=1,
        object=assignment["object"],
        person=leaving,
    )
    new = result.result["replacement"]
    assert new not in assignment["team"]
    team = drawable.world.ledger.get(draw_id(TASK, 1)).performed["assignments"][0]["team"]
    assert leaving not in team and new in team
    problem, facts = verify(drawable)
    assert problem is None, problem
    assert facts["recusals"] == 1


def test_infeasible_matching_names_object_and_constraint(world: World, tmp_path: Path) -> None:
    county = build_county(world)
    county.rows(
        "SCJGJ", "inspectors.propose", [inspector("S4", "SCJGJ", conflicts=[])], action="enrol"
    )
    source = tmp_path / "objects.csv"
    write_generated_objects(source, 200, departments=("SCJGJ",), seed=3)
    import_objects(source, "SCJGJ", county.submitter("SCJGJ"))
    county.run(
        "SCJGJ",
        "task.create",
        task=TASK,
        name="x",
        year=2026,
        items=["SC-001"],
        inspectors=["S1", "S2", "S3"],
        matching="dispersed",
        team_size=4,
        planned_start="2026-12-01",
        planned_end="2026-12-20",
        ratios={"A": "0.1", "B": "0.1", "C": "0.1", "D": "0.1"},
        scope={"kinds": ["enterprise"], "regions": [], "industries": []},
    )
    witness(county, "jiwei")
    county.run(
        "SCJGJ",
        "draw.commit",
        task=TASK,
        witnesses=[county.keys["jiwei"].key_id],
        dice=False,
        fallback="skip",
        reveal_by=(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(),
    )
    value, nonce = witness_commit(county, "jiwei")
    witness_reveal(county, "jiwei", value, nonce)
    size = county.world.ledger.head().position
    with pytest.raises(RuleViolationError) as caught:
        county.run("SCJGJ", "draw.run", task=TASK, draw=1)
    assert caught.value.rule == "R7.4"
    assert "object " in caught.value.message and "fewer than 4" in caught.value.message
    assert county.world.ledger.head().position == size


QUICKNET_ROUND = 657413
QUICKNET_SIGNATURE = (
    "b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be41076862b98"
    "fad56e91a6b85b89cd97b"
)
QUICKNET_RANDOMNESS = "fc1873a13f3545aeade8401532ef5519920652eee6b0d2b19ca12643b87b3587"


def test_public_beacon_round_verified_offline(drawable_2023: County) -> None:
    drawable = drawable_2023
    before = 1694775603 - 1200  # twenty minutes before quicknet round 657413 was published
    params = {
        "task": TASK,
        "witnesses": [],
        "dice": False,
        "fallback": "wait",
        "beacon": {"round": QUICKNET_ROUND},
        "reveal_by": dt.datetime.fromtimestamp(before + 3600, dt.UTC).isoformat(),
    }
    drawable.run("SCJGJ", "draw.commit", params, on=before)
    with pytest.raises(Exception, match="not a valid quicknet signature"):
        drawable.run(
            "SCJGJ",
            "draw.beacon",
            task=TASK,
            draw=1,
            round=QUICKNET_ROUND,
            signature=QUICKNET_SIGNATURE[:-2] + "00",
        )
    recorded = drawable.run(
        "SCJGJ",
        "draw.beacon",
        task=TASK,
        draw=1,
        round=QUICKNET_ROUND,
        signature=QUICKNET_SIGNATURE,
    )
    assert recorded.result["randomness"] == QUICKNET_RANDOMNESS
    late = {**params, "reveal_by": dt.datetime.fromtimestamp(2_000_000_000, dt.UTC).isoformat()}
    with pytest.raises(RuleViolationError, match="not in the future"):
        drawable.run("SCJGJ", "draw.commit", **late)
    drawable.run("SCJGJ", "draw.run", task=TASK, draw=1)
    import drand_verify

    problem, _ = verify(drawable, beacon_check=drand_verify.verify_quicknet)
    assert problem is None, problem


def test_directed_and_excluded_objects(drawable: County) -> None:
    ceremony(drawable)
    performed = drawable.world.ledger.get(draw_id(TASK, 1)).performed
    strata = Counter(d[1] for d in performed["drawn"])
    assert set(strata) <= {"A", "B", "C", "D", "directed"}
    assert "directed" in performed["strata"]


def test_a_task_may_stratify_further_by_region(world: World, tmp_path: Path) -> None:
    county = build_county(world)
    source = tmp_path / "objects.csv"
    write_generated_objects(source, 300, departments=("SCJGJ",), seed=11)
    import_objects(source, "SCJGJ", county.submitter("SCJGJ"))
    county.run(
        "SCJGJ",
        "task.create",
        task=TASK,
        name="x",
        year=2026,
        items=["SC-001"],
        inspectors=["S1", "S2", "S3"],
        matching="dispersed",
        team_size=2,
        planned_start="2026-12-01",
        planned_end="2026-12-20",
        stratify_by=["region"],
        ratios={"A": "0.05", "B": "0.05", "C": "0.05", "D": "0.05"},
        scope={"kinds": ["enterprise"], "regions": [], "industries": []},
    )
    witness(county, "jiwei")
    committed = county.run(
        "SCJGJ",
        "draw.commit",
        task=TASK,
        witnesses=[county.keys["jiwei"].key_id],
        dice=False,
        fallback="skip",
        reveal_by=(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(),
    )
    strata = committed.result["snapshot"]["objects"]["strata"]
    assert all("|" in key for key in strata) and len(strata) > 5
    value, nonce = witness_commit(county, "jiwei")
    witness_reveal(county, "jiwei", value, nonce)
    county.run("SCJGJ", "draw.run", task=TASK, draw=1)
    assert verify(county)[0] is None
