"""A joint task's county for the joint-visit tests (R6.1, R7.2, R9.1): the market bureau's
task joined by the tax bureau over 600 objects, every third supervised by both.

The test county's joint task has a participant (SWJ, with its item SW-001 and its two
officers); every third object is supervised by both departments, so some drawn
enterprises are visited by both.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from ledger.areas.directory.importer import import_objects
from ledger.ids import draw_id
from tests.support.county import County, add_people, build_county, key_for
from tests.support.draws import TASK, witness
from tests.support.world import World
from tools.fakecounty import write_generated_objects

BASIS = {"kind": "draw", "task": TASK, "draw": 1}
CASE_BASIS = {"kind": "case", "case": "TS-1", "trigger": "complaint", "reference": "12315"}


def today() -> str:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()


def add_tax_officers(county: County) -> None:
    """Keys for SWJ's officers T1 and T2."""
    with county.dated():
        for person in ("T1", "T2"):
            key = key_for(f"inspector {person}")
            county.run(
                "office",
                "key.register",
                public_key=key.public.public_b64,
                holder=f"检查员{person}",
                roles=["inspector"],
                organisation="SWJ",
                person=person,
            )
            county.keys[person] = key


def joint_objects(path: Path) -> None:
    """600 generated SCJGJ objects, every third one supervised by SWJ too."""
    write_generated_objects(path, 600, departments=("SCJGJ",), seed=7)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    at = header.index("supervisors")
    out = [lines[0]]
    for n, line in enumerate(lines[1:]):
        row = next(csv.reader([line]))
        if n % 3 == 0:
            row[at] = "SCJGJ;SWJ"
        buffer = io.StringIO()
        csv.writer(buffer).writerow(row)
        out.append(buffer.getvalue())
    path.write_text("".join(out), encoding="utf-8")


def joint_county(world: World, tmp_path: Path) -> County:
    """The test county with the joint task: SCJGJ's SC-001 (S1-S3) and SWJ's SW-001 (T1,
    T2), over 600 objects of which every third is supervised by both; not yet drawn."""
    county = build_county(world)
    add_people(county)
    add_tax_officers(county)
    with county.dated():
        source = tmp_path / "objects.csv"
        joint_objects(source)
        import_objects(source, "SCJGJ", county.submitter("SCJGJ"))
        county.run(
            "SCJGJ",
            "task.create",
            task=TASK,
            name="市场监管和税务联合抽查",
            year=2026,
            items=["SC-001"],
            inspectors=["S1", "S2", "S3"],
            matching="dispersed",
            team_size=2,
            planned_start="2026-12-01",
            planned_end="2026-12-20",
            ratios={"A": "0.02", "B": "0.04", "C": "0.06", "D": "0.08"},
            directed={"ratio": "0.1", "penalty_years": 3, "min_complaints": 2},
            scope={"kinds": ["enterprise"], "regions": [], "industries": []},
        )
        county.run("SWJ", "task.join", task=TASK, items=["SW-001"], inspectors=["T1", "T2"])
        for name in ("jiwei", "notary"):
            witness(county, name)
    return county


def visit(county: County) -> tuple[str, list[str]]:
    """The first drawn object with a team of both departments, and that team."""
    performed = county.world.ledger.find(draw_id(TASK, 1)).performed
    for assignment in performed["assignments"]:
        team = list(assignment["team"])
        if any(p.startswith("S") for p in team) and any(p.startswith("T") for p in team):
            return assignment["object"], team
    raise AssertionError("no object with a team of both departments")


def check(county: County, who: str, obj: str, item: str, people: list[str], **extra: Any) -> Any:
    return county.run(
        who,
        "inspection.record",
        basis=extra.pop("basis", BASIS),
        object=obj,
        item=item,
        method="on_site",
        inspectors=people,
        checked_on=today(),
        **extra,
    )


def enter(county: County, who: str, obj: str, item: str, **extra: Any) -> Any:
    return county.run(
        who,
        "result.enter",
        basis=BASIS,
        object=obj,
        item=item,
        result="no_problem",
        formed_on=today(),
        **extra,
    )
