"""The duty review as the source frames it (R10.4), on both backends.

A lapse is a procedural defect with its rule and evidence; the 免责/问责 analysis opens
only when a market entity turns out to have a problem (a later violation, an incident,
a verified complaint) and weighs 工作态度、工作程序、工作方法、客观条件, prefilled from the
log and completed by the department under its own versioned rules; a discipline
inspector's settlement closes it, and names only subjects and parties that exist.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from ledger import formats
from ledger.areas.directory.importer import import_objects
from ledger.config import Settings
from ledger.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    ValidationError,
)
from projections.review import review
from projections.review.render import render
from projections.runner import update
from projections.store import Store
from tests.support.county import County, add_people, build_county, objects
from tests.support.world import World, start_world
from tools.fakecounty import write_generated_objects

CASE = {"kind": "case", "case": "TS-1", "trigger": "complaint", "reference": "12315-1"}
RULES_TEXT = "第一条 按清单履职、程序合规的，免于追责。\n第二条 ……"
FACTORS = {
    "attitude": {"finding": "favourable", "note": "按时到场，记录完整"},
    "procedure": {"finding": "favourable", "note": "程序合规"},
    "method": {"finding": "unfavourable", "note": "应实地核查而书面检查"},
    "conditions": {"finding": "favourable", "note": "事故发生在检查之后"},
}


@pytest.fixture
def county(world: World, tmp_path: Path) -> County:
    return county_of(world, tmp_path)


def county_of(world: World, tmp_path: Path) -> County:
    county = build_county(world)
    add_people(county)
    source = tmp_path / "objects.csv"
    write_generated_objects(source, 12, departments=("SCJGJ",), seed=3)
    with county.dated():  # set up before the days the tests date (format 2: times go forward)
        import_objects(source, "SCJGJ", county.submitter("SCJGJ"))
    return county


def project(county: County, tmp_path: Path) -> Store:
    store = Store(tmp_path / "projections.sqlite3")
    update(county.world.ledger, store)
    return store


def checked(
    county: County,
    obj: str,
    day: str,
    method: str = "on_site",
    *,
    basis: dict[str, Any] = CASE,
    inspectors: tuple[str, ...] = ("S1", "S2"),
    result: str = "no_problem",
    publish: bool = True,
) -> None:
    """A check of SC-001 (by default a case check by S1 and S2), its result entered by
    the first inspector and, unless ``publish`` is false, published that day."""
    target = {"basis": basis, "object": obj, "item": "SCJGJ:SC-001"}
    county.run(
        inspectors[0],
        "inspection.record",
        on=day,
        method=method,
        inspectors=list(inspectors),
        checked_on=day,
        **target,
    )
    county.run(inspectors[0], "result.enter", on=day, result=result, formed_on=day, **target)
    if publish:
        county.run("SCJGJ", "result.publish", on=day, published_on=day, **target)


def verdict(result: Any, party: str) -> Any:
    return next(v for v in result.verdicts if v.party == party)


def test_no_problem_no_analysis_a_defect_is_not_a_verdict(county: County, tmp_path: Path) -> None:
    """R10.4: with no problem at the entity, a lapse (here 随意检查, R1.1) is recorded as a
    defect with its rule and evidence; nobody is 问责 and no analysis opens."""
    obj = objects(county)[0]
    none = {"kind": "none", "reference": "领导交办"}
    county.run(
        "S1",
        "inspection.record",
        on="2026-03-02",
        basis=none,
        object=obj,
        item="SCJGJ:SC-001",
        method="on_site",
        inspectors=["S1"],
        checked_on="2026-03-02",
    )
    result = review(project(county, tmp_path).db, "object", obj, dt.date(2026, 3, 3))
    s1 = verdict(result, "S1")
    assert s1.verdict == "defect" and s1.analysis is None
    assert [(d["r"], d["rule"]) for d in s1.defects] == [("R1.1", "basis")]
    assert s1.defects[0]["evidence"]
    assert {v.verdict for v in result.verdicts} == {"defect"}
    assert "程序瑕疵" in render(result) and "失职照单问责" not in render(result)


def test_an_incident_opens_the_analysis_with_four_factors_prefilled(
    county: County, tmp_path: Path
) -> None:
    """R10.4: an incident after a check that found nothing opens the analysis for the
    inspectors present and the inspecting department (whom the ledger lets a discipline
    inspector hold accountable); procedure, method and conditions are prefilled from the
    log, attitude is left to the department."""
    obj = objects(county)[1]
    checked(county, obj, "2026-03-02", method="written")
    store = project(county, tmp_path)
    quiet = review(store.db, "object", obj, dt.date(2026, 4, 1))
    assert {v.verdict for v in quiet.verdicts} == {"exempt"}
    incident = county.run(
        "SCJGJ",
        "review.problem",
        on="2026-04-10",
        object=obj,
        kind="incident",
        occurred_on="2026-04-09",
        item="SCJGJ:SC-001",
        reference="安岳县应急〔2026〕3号",
        description="食品中毒事故",
    )
    update(county.world.ledger, store)
    result = review(store.db, "object", obj, dt.date(2026, 4, 11))
    assert {v.party: v.verdict for v in result.verdicts} == {
        "S1": "analysis",
        "S2": "analysis",
        "SCJGJ": "analysis",
    }
    assert verdict(result, "SCJGJ").analysis["status"] == "open"
    a = verdict(result, "S1").analysis
    assert a["status"] == "open"
    assert [p["kind"] for p in a["problems"]] == ["incident"]
    assert a["problems"][0]["position"] == incident.last_position
    factors = {name: f["prefilled"]["finding"] for name, f in a["factors"].items()}
    assert factors == {
        "attitude": "undetermined",
        "procedure": "favourable",
        "method": "unfavourable",  # written recorded, the list prescribes on_site
        "conditions": "favourable",  # it arose after the check
    }
    assert "on_site" in a["factors"]["method"]["prefilled"]["detail"]
    assert a["factors"]["conditions"]["prefilled"]["evidence"] == [incident.last_position]
    text = render(result)
    assert "工作态度" in text and "客观条件" in text and "综合分析" in text


def test_the_department_completes_the_factors_under_its_versioned_rules(
    county: County, tmp_path: Path
) -> None:
    """R10.4 (各成员单位细化追责免责相关办法): a department records its rules by version and
    assesses its own inspectors citing one; every bad input is refused, writing nothing."""
    obj = objects(county)[2]
    checked(county, obj, "2026-03-02")
    county.run(
        "office",
        "review.problem",
        on="2026-05-06",
        object=obj,
        kind="complaint",
        occurred_on="2026-05-06",
        reference="12315-0077",
        description="投诉经查实：过期食品",
    )
    subject = {"kind": "object", "id": obj}
    head = county.ledger.head().position
    with pytest.raises(NotFoundError, match=r"review\.rules first"):
        county.run(
            "SCJGJ", "review.assess", subject=subject, party="S1", factors=FACTORS, rules_version=1
        )
    with pytest.raises(ConflictError, match="next version"):
        county.run(
            "SCJGJ",
            "review.rules",
            version=2,
            title="细则",
            text=RULES_TEXT,
            effective_from="2026-01-01",
        )
    assert county.ledger.head().position == head
    rules = county.run(
        "SCJGJ",
        "review.rules",
        version=1,
        title="安岳县市场监管局双随机抽查追责免责实施细则",
        text=RULES_TEXT,
        effective_from="2026-01-01",
    )
    incomplete = {k: v for k, v in FACTORS.items() if k != "attitude"}
    with pytest.raises(ValidationError) as bad:
        county.run(
            "SCJGJ",
            "review.assess",
            subject=subject,
            party="S1",
            factors=incomplete,
            rules_version=1,
        )
    assert "factors.attitude" in bad.value.errors
    wrong = {**FACTORS, "attitude": {"finding": "great", "note": "x"}}
    with pytest.raises(ValidationError):
        county.run(
            "SCJGJ", "review.assess", subject=subject, party="S1", factors=wrong, rules_version=1
        )
    with pytest.raises(PermissionDeniedError, match="not an inspector of SCJGJ"):
        county.run(
            "SCJGJ", "review.assess", subject=subject, party="T1", factors=FACTORS, rules_version=1
        )
    with pytest.raises(PermissionDeniedError):
        county.run(
            "SWJ", "review.assess", subject=subject, party="S1", factors=FACTORS, rules_version=1
        )
    with pytest.raises(NotFoundError):
        county.run(
            "SCJGJ", "review.assess", subject=subject, party="S1", factors=FACTORS, rules_version=2
        )
    with pytest.raises(NotFoundError):
        county.run(
            "SCJGJ",
            "review.assess",
            subject=subject,
            party="NOBODY",
            factors=FACTORS,
            rules_version=1,
        )
    county.run(
        "SCJGJ", "review.assess", subject=subject, party="S1", factors=FACTORS, rules_version=1
    )
    result = review(project(county, tmp_path).db, "object", obj, dt.date(2026, 6, 1))
    a = verdict(result, "S1").analysis
    assert a["status"] == "assessed"
    assert a["rules"]["version"] == 1 and a["rules"]["position"] == rules.last_position
    assert a["rules"]["sha256"] == rules.result["sha256"]
    assert a["factors"]["method"]["assessed"] == FACTORS["method"]
    assert verdict(result, "S2").analysis["status"] == "open"
    assert "部门评定" in render(result) and "追责免责实施细则" in render(result)


def test_a_settlement_closes_it_and_names_only_what_exists(county: County, tmp_path: Path) -> None:
    """R10.4: a discipline inspector's settlement closes the analysis; a settlement for a
    subject or a party the log does not know is refused and writes nothing."""
    obj = objects(county)[3]
    checked(county, obj, "2026-03-02")
    county.run(
        "SCJGJ",
        "review.problem",
        on="2026-05-06",
        object=obj,
        kind="violation",
        occurred_on="2026-05-06",
        reference="安市监罚〔2026〕12号",
        description="其后立案查处",
    )
    head = county.ledger.head().position
    bad = [
        ({"kind": "object", "id": "NOPE"}, "S1"),
        ({"kind": "task", "id": "T-NONE"}, "S1"),
        ({"kind": "person", "id": "S404"}, "S404"),
        ({"kind": "department", "id": "XXJ"}, "XXJ"),
        ({"kind": "object", "id": obj}, "GHOST"),
    ]
    for subject, party in bad:
        with pytest.raises(NotFoundError, match=r"R10\.4"):
            county.run(
                "discipline",
                "review.settle",
                subject=subject,
                party=party,
                verdict="accountable",
                reasoning="x",
                evidence=[],
            )
    with pytest.raises(NotFoundError, match="no object"):
        county.run(
            "SCJGJ",
            "review.problem",
            object="NOPE",
            kind="incident",
            occurred_on="2026-05-06",
            reference="r",
            description="d",
        )
    assert county.ledger.head().position == head
    county.run(
        "discipline",
        "review.settle",
        subject={"kind": "object", "id": obj},
        party="S1",
        verdict="accountable",
        reasoning="未按清单核查进货查验记录，工作方法不当",
        evidence=[head],
    )
    result = review(project(county, tmp_path).db, "object", obj, dt.date(2026, 6, 1))
    s1 = verdict(result, "S1")
    assert s1.verdict == "accountable" and s1.settled["computed"] == "analysis"
    assert s1.analysis["status"] == "settled"
    assert verdict(result, "S2").verdict == "analysis"
    assert verdict(result, "SCJGJ").verdict == "analysis"  # its own inspection


def settle(county: County, kind: str, ident: str, party: str, verdict: str, on: str) -> Any:
    return county.run(
        "discipline",
        "review.settle",
        on=on,
        subject={"kind": kind, "id": ident},
        party=party,
        verdict=verdict,
        reasoning="程序瑕疵" if verdict == "exempt" else "未按清单核查",
        evidence=[],
    )


def test_from_format_5_accountable_needs_an_opened_analysis(county: County) -> None:
    """R10.4 as amended: a procedural lapse alone is a defect to be weighed, not a verdict;
    the analysis opens only when a market entity turns out to have a problem. From format
    5 an ``accountable`` settlement is refused (writing nothing) unless the analysis is
    open for that party in that review; ``exempt`` stays open to the discipline inspector."""
    lapsed, clean = objects(county)[4], objects(county)[5]
    county.run(  # 随意检查 (R1.1): a defect, no problem at the entity
        "S1",
        "inspection.record",
        on="2026-03-02",
        basis={"kind": "none", "reference": "领导交办"},
        object=lapsed,
        item="SCJGJ:SC-001",
        method="on_site",
        inspectors=["S1"],
        checked_on="2026-03-02",
    )
    checked(county, clean, "2026-03-03")
    head = county.ledger.head().position
    for kind, ident, party in [
        ("object", lapsed, "S1"),
        ("person", "S1", "S1"),
        ("department", "SCJGJ", "SCJGJ"),
        ("object", clean, "S2"),
    ]:
        with pytest.raises(RuleViolationError, match=r"no 免责/问责 analysis is open.*R10\.4"):
            settle(county, kind, ident, party, "accountable", "2026-03-04")
    assert county.ledger.head().position == head
    settle(county, "object", lapsed, "S1", "exempt", "2026-03-04")
    # an incident at the clean check's object after the check opens the analysis for
    # those present (S1, S2) and the inspecting department -- not for someone absent
    county.run(
        "office",
        "review.problem",
        on="2026-05-06",
        object=clean,
        kind="incident",
        occurred_on="2026-05-05",
        item="SCJGJ:SC-001",
        reference="安岳县应急〔2026〕9号",
        description="食品中毒事故",
    )
    with pytest.raises(RuleViolationError, match="S3"):
        settle(county, "object", clean, "S3", "accountable", "2026-05-07")
    with pytest.raises(RuleViolationError):  # the problem is not at the lapsed object
        settle(county, "object", lapsed, "S1", "accountable", "2026-05-07")
    settle(county, "object", clean, "S2", "accountable", "2026-05-07")
    settle(county, "person", "S1", "S1", "accountable", "2026-05-07")
    settle(county, "department", "SCJGJ", "SCJGJ", "accountable", "2026-05-07")


def test_a_later_violation_result_opens_it_and_an_earlier_problem_does_not(
    county: County,
) -> None:
    """R10.4: a later check's result finding a violation of the same item opens the
    analysis of the clean check before it; a problem that occurred before the check does
    not (it was the object's state when checked)."""
    obj = objects(county)[6]
    county.run(
        "office",
        "review.problem",
        on="2026-03-01",
        object=obj,
        kind="complaint",
        occurred_on="2026-02-20",
        reference="12315-0001",
        description="投诉经查实",
    )
    checked(county, obj, "2026-03-02")
    with pytest.raises(RuleViolationError):
        settle(county, "object", obj, "S1", "accountable", "2026-03-03")
    later = {**CASE, "case": "TS-2"}  # S3's later check finds the violation
    checked(
        county,
        obj,
        "2026-06-01",
        basis=later,
        inspectors=("S3", "S2"),
        result="violation",
        publish=False,
    )
    settle(county, "object", obj, "S1", "accountable", "2026-06-02")
    with pytest.raises(RuleViolationError):  # S3's own check found the violation
        settle(county, "person", "S3", "S3", "accountable", "2026-06-02")


def test_a_format_4_ledger_still_settles_accountable_without_a_problem(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A format-4 ledger may already hold such a settlement: it keeps being accepted
    there, so its replay produces what it produced (ledger/formats.py)."""
    monkeypatch.setattr(formats, "CURRENT", 4)
    world = start_world(sqlite_settings)
    try:
        county = county_of(world, tmp_path)
        settle(county, "department", "SCJGJ", "SCJGJ", "accountable", "2026-06-02")
    finally:
        world.ledger.close()
