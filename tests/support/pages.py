"""A county with something to publish, for the pages (issue 13): objects, a witnessed
draw with dice, one result published and one withheld by law, a published item list and
annual plan.

:func:`publish_county` works on the county of an :class:`~tests.support.api.Api` (the
commands go straight to the ledger; the app's projections catch up on the next request)
and returns what the pages should show.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.areas.directory.importer import import_objects
from tests.support.county import County
from tests.support.draws import statement
from tools.fakecounty import write_generated_objects

TASK = "T-PAGE-1"
WITHHELD_BASIS = "《行政处罚法》第四十八条：尚未作出处罚决定"
PLAN = {
    "name": "2026年度双随机抽查计划（页面测试）",
    "items": ["SC-001", "SC-KEY"],
    "method": "实地核查",
    "ratios": {"A": "0.03", "B": "0.05", "C": "0.06", "D": "0.08"},
    "quantity": 40,
    "participants": ["SWJ"],
    "start": "2026-03-01",
    "end": "2026-11-30",
    "directed": {"ratio": "0.1", "penalty_years": 3, "min_complaints": 2},
    "scope": {"kinds": ["enterprise"], "regions": [], "industries": []},
}


@dataclass
class Published:
    """What the county published: the object with a published result (and the log
    position of that publication), the object whose result was withheld, the draw."""

    published: str
    position: int
    withheld: str
    task: str = TASK
    draw: int = 1


def today() -> str:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()


def commit_draw(county: County, witness: str = "witness", plan: str | None = None) -> None:
    """Create the task and commit draw 1 with one witness and dice (R7.4)."""
    county.run(
        "SCJGJ",
        "task.create",
        task=TASK,
        name="页面测试联合抽查",
        year=2026,
        items=["SC-001"],
        plan=plan,  # the published plan the task carries out, if any (R7.6)
        inspectors=["S1", "S2", "S3"],
        matching="dispersed",
        team_size=2,
        planned_start="2026-12-01",
        planned_end="2026-12-20",
        ratios={"A": "0.05", "B": "0.05", "C": "0.05", "D": "0.05"},
        directed={"ratio": "0.1", "penalty_years": 3, "min_complaints": 2},
        scope={"kinds": ["enterprise"], "regions": [], "industries": []},
    )
    county.run(
        "SCJGJ",
        "draw.commit",
        task=TASK,
        witnesses=[county.keys[witness].key_id],
        dice=True,
        fallback="skip",
        reveal_by=(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(),
    )


def witness_secret() -> tuple[str, str, str]:
    """(value, nonce, commitment) of a fresh witness contribution."""
    value, nonce = os.urandom(32).hex(), os.urandom(16).hex()
    digest = hashlib.sha256(bytes.fromhex(value) + bytes.fromhex(nonce)).hexdigest()
    return value, nonce, digest


def import_county_objects(county: County, tmp_path: Path, count: int = 300) -> None:
    source = tmp_path / "objects.csv"
    write_generated_objects(source, count, departments=("SCJGJ",), seed=5)
    import_objects(source, "SCJGJ", county.submitter("SCJGJ"))


def publish_county(county: County, tmp_path: Path) -> Published:
    """Objects, a plan, a draw with its whole ceremony, a published and a withheld result."""
    import_county_objects(county, tmp_path)
    county.run("SCJGJ", "plans.draft", year=2026, reason="enact", **PLAN)
    county.run("SCJGJ", "plans.publish", year=2026, version=1)
    commit_draw(county, plan="SCJGJ/2026")
    county.run("SCJGJ", "draw.dice", task=TASK, draw=1, digits="3141552653")
    value, nonce, digest = witness_secret()
    signature = statement(county, "witness", "commit", 1, TASK, commitment=digest)
    county.run(
        "witness", "draw.witness_commit", task=TASK, draw=1, commitment=digest, signature=signature
    )
    signature = statement(county, "witness", "reveal", 1, TASK, value=value, nonce=nonce)
    county.run(
        "witness",
        "draw.witness_reveal",
        task=TASK,
        draw=1,
        value=value,
        nonce=nonce,
        signature=signature,
    )
    ran = county.run("SCJGJ", "draw.run", task=TASK, draw=1)
    assert ran.result["drawn"] >= 2
    day = today()
    county.run("SCJGJ", "task.organise", task=TASK, draw=1, organised_on=day)
    performed = county.ledger.find_draw_for(TASK).performed
    first, second = sorted(performed["assignments"], key=lambda a: a["order"])[:2]
    basis = {"kind": "draw", "task": TASK, "draw": 1}
    position = 0
    for assignment, outcome in ((first, "publish"), (second, "withhold")):
        target: dict[str, Any] = {
            "basis": basis,
            "object": assignment["object"],
            "item": "SCJGJ:SC-001",
        }
        team = assignment["team"]
        county.run(
            team[0],
            "inspection.record",
            method="on_site",
            inspectors=team,
            checked_on=day,
            **target,
        )
        county.run(
            team[1],
            "result.enter",
            result="no_problem" if outcome == "publish" else "violation",
            formed_on=day,
            **target,
        )
        if outcome == "publish":
            position = county.run(
                "SCJGJ", "result.publish", published_on=day, **target
            ).last_position
        else:
            county.run(
                "SCJGJ",
                "result.withhold",
                legal_basis=WITHHELD_BASIS,
                decided_on=day,
                **target,
            )
    return Published(first["object"], position, second["object"])
