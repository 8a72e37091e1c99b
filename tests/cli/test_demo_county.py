"""The demo county exercises the issue-12 measures (R10.4 first): built small, then read
back through the CLI as an official would."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ledger.config import Settings
from tests.support.cli import ok


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(home=tmp_path_factory.mktemp("demo") / "home")
    ok(settings, "demo", "--objects", "1500")
    return settings


def test_a_defect_versus_a_real_accountability_case(demo: Settings) -> None:
    """R10.4: the 随意检查 stays a defect; the incident after a clean check opens the
    analysis, the department assesses under its rules, the discipline inspector settles
    it as accountable."""
    problems = json.loads(ok(demo, "trail", "--department", "SCJGJ", "--json").stdout)
    assert any(e.get("action") == "review.problem" for e in problems)
    arbitrary = json.loads(ok(demo, "review", "show", "--person", "WJJ-001", "--json").stdout)
    (person,) = arbitrary["verdicts"]
    assert ("R1.1", "basis") in {(d["r"], d["rule"]) for d in person["defects"]}
    # The demo's keys are fresh each build, so the draw (and whether WJJ-001 also sat on
    # the team of the object with the incident) differs: a defect, or that analysis.
    assert person["verdict"] == ("analysis" if person["analysis"] else "defect")
    assert person["verdict"] != "accountable"
    with sqlite3.connect(Path(demo.home) / "projections.sqlite3") as db:
        (obj,) = db.execute("SELECT object FROM problems WHERE kind = 'incident'").fetchone()
    review = json.loads(ok(demo, "review", "show", "--object", obj, "--json").stdout)
    settled = [v for v in review["verdicts"] if v["settled"]]
    assert [v["verdict"] for v in settled] == ["accountable"]
    analysis = settled[0]["analysis"]
    assert analysis["status"] == "settled" and analysis["rules"]["version"] == 1
    assert analysis["factors"]["method"]["assessed"]["finding"] == "unfavourable"
    assert "defect" in {v["verdict"] for v in review["verdicts"]}  # the department's lapses


def test_a_penalty_feeds_the_next_years_directed_stratum(demo: Settings) -> None:
    """R5.3, R5.4: the 2026 penalty case is on the object's record, and the 2027 task's
    commitment counts the object in its directed stratum (定向抽查)."""
    from ledger.bootstrap import open_ledger
    from ledger.draw.eligibility import task_spec
    from ledger.draw.snapshot import snapshot
    from ledger.draw.world import SNAPSHOT_TOPICS, fold
    from projections.read import directory
    from projections.store import Store

    store = Store(Path(demo.home) / "projections.sqlite3")
    try:
        penalised = [
            row[0]
            for row in store.db.execute(
                "SELECT object FROM credit_record WHERE kind = 'penalty_case'"
            ).fetchall()
        ]
        records = [directory.object_record(store.db, obj) for obj in penalised]
    finally:
        store.close()
    assert penalised  # at least the complaint case's (TS-2026-0815)
    for record in records:
        assert record is not None and record["penalties"]
        kinds = [e["kind"] for e in record["credit_record"]]
        assert "violation" in kinds and "penalty_case" in kinds
    shown = json.loads(ok(demo, "draw", "show", "T-2027-001/1").stdout)
    commitment = shown["commitment"]
    assert commitment["algorithm"] == "shuangsui-draw-v3"
    ledger = open_ledger(demo, read_only=True)
    try:
        world = fold(ledger.topic_events(SNAPSHOT_TOPICS))
    finally:
        ledger.close()
    snap = snapshot(world, task_spec(world, "T-2027-001"), commitment)
    assert snap.summary() == commitment["snapshot"]
    assert set(penalised) <= {i for i, _ in snap.strata["directed"]}
    assert "inputs verified" in ok(demo, "verify-draw", "T-2027-001/1").stdout
