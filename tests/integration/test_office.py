"""The office supervises (issue 12 part 4): R10.2, R10.3, R10.6 and R3.4's list deadline,
on both backends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ledger import formats
from ledger.audit.hashing import sha256
from ledger.clock import china_today
from ledger.config import Settings
from ledger.errors import RuleViolationError, ValidationError
from projections.read import deadlines, reports
from projections.runner import update
from projections.store import Store
from tests.support.county import County, build_county
from tests.support.world import World, start_world


@pytest.fixture
def county(world: World) -> County:
    return build_county(world)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "projections.sqlite3")


def board(county: County, store: Store, today: dt.date) -> dict[tuple[str, str], str]:
    update(county.world.ledger, store)
    return {(d.kind, d.subject): d.status for d in deadlines.deadlines(store.db, today)}


def test_r10_2_every_member_owes_list_plan_and_reports_without_any_task(
    county: County, store: Store
) -> None:
    """R10.2/R10.6/R3.4/R6.5: SWJ has no plan and no task, yet owes its plan by 31 January,
    four quarterly reports and the summary by 10 December; the list is due by 31 December
    of the year it joined. The judicial bureau (a reviewer) owes nothing."""
    year = china_today().year
    owed = board(county, store, dt.date(year + 1, 1, 5))
    assert owed[("annual_plan", f"SWJ/{year}")] == "overdue"
    assert owed[("annual_plan", f"SWJ/{year + 1}")] == "due"
    assert owed[("annual", f"SWJ/{year}")] == "overdue"
    assert all(owed[("quarterly", f"SWJ/{year}-Q{q}")] == "overdue" for q in (1, 2, 3))
    assert owed[("quarterly", f"SWJ/{year}-Q4")] == "due"  # 10 January of the next year
    # SWJ published its list in the year it joined, before 31 December: met.
    assert owed[("item_list", f"SWJ/{year}-list")] == "met"
    assert not [k for k in owed if k[1].startswith("SFJ/")]


def test_r3_4_a_list_never_published_is_overdue_after_31_december(
    world: World, store: Store
) -> None:
    world.run("office", "department.register", code="WJJ", name="安岳县卫生健康局", kind="health")
    year = china_today().year
    update(world.ledger, store)
    found = {(d.kind, d.subject): d for d in deadlines.deadlines(store.db, dt.date(year + 1, 1, 1))}
    listed = found[("item_list", f"WJJ/{year}-list")]
    assert listed.status == "overdue" and listed.due == f"{year}-12-31" and listed.done is None


def _report(text: str) -> dict[str, object]:
    return {
        "kind": "quarterly",
        "year": china_today().year,
        "quarter": 1,
        "summary_sha256": sha256(text.encode()).hex(),
        "text": text,
    }


def test_r10_6_the_report_text_is_stored_not_only_its_digest(county: County, store: Store) -> None:
    text = "一季度：完成联合抽查2次，发现问题3个，已整改。"
    county.run("SCJGJ", "report.submit", **_report(text))
    update(county.world.ledger, store)
    [found] = reports.submitted(store.db, department="SCJGJ")
    assert found["text"] == text and found["department_name"] == "安岳县市场监督管理局"
    assert found["summary_sha256"] == sha256(text.encode()).hex()


def test_r10_6_a_report_without_text_or_with_a_foreign_digest_is_refused(
    county: County,
) -> None:
    size = county.world.ledger.head().position
    bare = {k: v for k, v in _report("x").items() if k != "text"}
    with pytest.raises(RuleViolationError) as caught:
        county.run("SCJGJ", "report.submit", **bare)
    assert caught.value.rule == "R10.6" and "正文" in caught.value.message
    with pytest.raises(ValidationError) as invalid:
        county.run("SCJGJ", "report.submit", **{**_report("正文"), "text": "另一份正文"})
    assert "summary_sha256" in invalid.value.errors
    assert county.world.ledger.head().position == size  # nothing written


def test_r10_6_a_format_1_ledger_still_takes_a_digest_only_report(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "CURRENT", 1)
    world = start_world(sqlite_settings)
    try:
        county = build_county(world)
        bare = {k: v for k, v in _report("x").items() if k != "text"}
        assert county.run("SCJGJ", "report.submit", **bare).result["period"].endswith("-Q1")
    finally:
        world.ledger.close()
