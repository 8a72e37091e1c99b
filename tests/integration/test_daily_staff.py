"""Daily-supervision staff on the draw's teams (从事日常监管工作的人员, R4.2, R7.3; format 4),
on both backends: the inspector directory the draw picks from holds them beside the
enforcement officers, so a draw may add them to each team (``daily_per_object``) --
beside the two officers an inspection needs (R7.4), never instead of them. A format-3
ledger refuses the setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger import formats
from ledger.config import Settings
from ledger.errors import ValidationError
from ledger.ids import draw_id
from tests.support.county import County, build_county, inspector
from tests.support.draws import commit, verify, witness_commit, witness_reveal
from tests.support.world import World, start_world

TASK = "T-DAILY-1"


def enrol_daily(county: County, people: tuple[str, ...]) -> None:
    rows = [
        inspector(
            person,
            "SCJGJ",
            kind="daily",
            certificate=None,
            certificate_from=None,
            certificate_until=None,
            qualifications=[],
            expertise=["日常巡查"],
        )
        for person in people
    ]
    proposed = county.rows("SCJGJ", "inspectors.propose", rows, action="enrol")
    county.run(
        "SFJ",
        "inspectors.decide",
        decisions=[
            {"person": p, "proposal": proposed.result["proposals"][p], "approve": True}
            for p in people
        ],
    )


def test_r4_2_a_format_4_draw_adds_daily_staff_beside_the_officers(
    format_4: None, drawable: County
) -> None:
    """Each drawn object's team: its enforcement officers, then one daily-supervision
    staff member of SCJGJ (the commitment states ``daily_per_object``); verify-draw
    recomputes the teams from the log."""
    enrol_daily(drawable, ("D1", "D2"))
    drawable.run(
        "SCJGJ",
        "task.create",
        task=TASK,
        name="联合抽查（日常监管人员参与）",
        year=2026,
        items=["SC-001"],
        inspectors=["S1", "S2", "S3", "D1", "D2"],
        matching="dispersed",
        team_size=2,
        planned_start="2026-12-01",
        planned_end="2026-12-20",
        ratios={"A": "0.01", "B": "0.01", "C": "0.01", "D": "0.01"},
        scope={"kinds": ["enterprise"], "regions": [], "industries": []},
    )
    commit(drawable, task=TASK, daily_per_object=1)
    drawable.run("SCJGJ", "draw.dice", task=TASK, draw=1, digits="3141552653")
    secrets = {name: witness_commit(drawable, name, task=TASK) for name in ("jiwei", "notary")}
    for name, (value, nonce) in secrets.items():
        witness_reveal(drawable, name, value, nonce, task=TASK)
    drawable.run("SCJGJ", "draw.run", task=TASK, draw=1)
    drawn = drawable.world.ledger.get(draw_id(TASK, 1))
    assert json.loads(drawn.commitment)["daily_per_object"] == 1
    assignments = drawn.performed["assignments"]
    assert assignments
    for assignment in assignments:
        team = assignment["team"]
        assert len(team) == 3 and team[-1] in {"D1", "D2"}
        assert set(team[:2]) <= {"S1", "S2", "S3"}
    assert {a["team"][-1] for a in assignments} == {"D1", "D2"} or len(assignments) == 1
    problem, _ = verify(drawable, task=TASK)
    assert problem is None, problem


def test_r4_2_a_format_3_ledger_refuses_daily_staff_on_teams(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "CURRENT", 3)
    world: World = start_world(sqlite_settings)
    try:
        county = build_county(world)
        size = world.ledger.head().position
        with pytest.raises(ValidationError, match="format 4") as refused:
            county.run(
                "SCJGJ",
                "draw.commit",
                task="T-ANY",
                witnesses=[],
                dice=True,
                fallback="skip",
                reveal_by="2026-12-01T10:00:00+08:00",
                daily_per_object=1,
            )
        assert "daily_per_object" in refused.value.errors
        assert world.ledger.head().position == size
    finally:
        world.ledger.close()
