"""Matching v2 (``shuangsui-matching-v2``): checklists, territory, expertise (R6.1, R6.6,
R7.3, R7.4, R4.1, R4.3).

Each drawn object's checklist is the task's items for its kind whose department
supervises it; only those departments' officers are sent; among eligible officers the
one of the object's 片区 and with matching 业务专长 is dealt first, then the lighter
load; grouped teams are formed per set of departments, and carry outside experts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.draw.algorithm import (
    MATCHING_V2,
    DrawError,
    Job,
    Matcher,
    Officer,
    Rules,
    fit,
    match,
    replacement,
    seed_of,
    ticket,
)
from ledger.draw.eligibility import checklist_for, job_v2, jobs_for_v2, strata_for
from ledger.draw.snapshot import Snapshot

SEED = seed_of(b"\x09" * 32, [])
ITEMS = [
    {"department": "SCJGJ", "code": "SC-001", "name": "食品生产检查", "object_type": "enterprise",
     "category": "general"},
    {"department": "WJJ", "code": "WJ-001", "name": "公共场所卫生检查",
     "object_type": "enterprise", "category": "general"},
    {"department": "WJJ", "code": "WJ-002", "name": "生活饮用水卫生检查",
     "object_type": "project", "category": "general"},
]  # fmt: skip
V2_DISPERSED = Rules("dispersed", 2, None, matching_rules=MATCHING_V2)
V2_GROUPED = Rules("grouped", 2, None, matching_rules=MATCHING_V2)


def officer(
    person: str,
    department: str,
    *,
    region: str = "",
    expertise: tuple[str, ...] = (),
    kind: str = "officer",
    conflicts: tuple[str, ...] = (),
) -> Officer:
    certified = kind == "officer"
    quals = frozenset({"general"}) if certified else frozenset()
    return Officer(
        person, department, kind, certified, quals, frozenset(conflicts), region,
        frozenset(expertise),
    )  # fmt: skip


def record(kind: str, supervisors: tuple[str, ...], region: str = "岳阳镇") -> Any:
    # kind, region, industry, supervisors, credit class, penalties, complaints, status
    return (kind, region, "食品制造业", supervisors, "B", (), 0, "active")


OBJECTS = {
    "market-only": record("enterprise", ("SCJGJ",)),
    "both": record("enterprise", ("SCJGJ", "WJJ")),
    "health-only": record("enterprise", ("WJJ",)),
    "tax-only": record("enterprise", ("SWJ",)),
    "project": record("project", ("SCJGJ",)),
}
SPEC = {
    "task": "T",
    "lead": "SCJGJ",
    "participants": ["WJJ"],
    "items": ITEMS,
    "scope": {"kinds": [], "regions": [], "industries": []},
    "directed": None,
}


def checklist(obj: str) -> list[str]:
    kind, _, _, supervisors = OBJECTS[obj][:4]
    return [f"{i['department']}:{i['code']}" for i in checklist_for(ITEMS, kind, supervisors)]


def test_a_checklist_holds_the_items_for_its_kind_of_the_departments_supervising_it() -> None:
    """R6.1, R6.6, R4.1: every participating department's items that apply to the
    object -- its kind, and the department supervising it."""
    assert checklist("market-only") == ["SCJGJ:SC-001"]
    assert checklist("both") == ["SCJGJ:SC-001", "WJJ:WJ-001"]
    assert checklist("health-only") == ["WJJ:WJ-001"]
    assert checklist("tax-only") == []
    assert checklist("project") == []  # WJ-002 is for projects, but WJJ does not supervise it


def test_under_v2_an_object_with_an_empty_checklist_is_not_eligible() -> None:
    """An object supervised by a participating department that brings no item for its
    kind would be drawn for nothing: under v2 it is not eligible (R6.6); the first
    matching still counts it."""
    spec = {**SPEC, "participants": ["WJJ", "SWJ"]}
    on = dt.date(2026, 9, 1)
    first = strata_for(OBJECTS, spec, on=on, excluded=set(), exclusion_mode="exclude")
    v2 = strata_for(OBJECTS, spec, on=on, excluded=set(), exclusion_mode="exclude", checklists=True)
    assert [i for i, _ in first["B"]] == [
        "both",
        "health-only",
        "market-only",
        "project",
        "tax-only",
    ]
    assert [i for i, _ in v2["B"]] == ["both", "health-only", "market-only"]


def test_each_department_is_sent_only_to_objects_whose_checklist_holds_its_items() -> None:
    """R6.1 (the demo's bug): a participating department's inspector was sent to an
    object only the market bureau supervises. Under v2 its officers go only where its
    items are due, and every department with items there is represented (R7.4)."""
    drawn = [(o, "B", n) for n, o in enumerate(("market-only", "both", "health-only"))]
    jobs, checklists = jobs_for_v2(SPEC, drawn, OBJECTS)
    assert checklists == {o: checklist(o) for o, _, _ in drawn}
    officers = [officer(f"S{i}", "SCJGJ") for i in range(4)]
    officers += [officer(f"W{i}", "WJJ") for i in range(4)]
    teams = {a["object"]: a["team"] for a in match(SEED, jobs, officers, V2_DISPERSED)}
    assert all(p.startswith("S") for p in teams["market-only"])
    assert all(p.startswith("W") for p in teams["health-only"])
    assert {p[0] for p in teams["both"]} == {"S", "W"}


def test_territory_then_expertise_then_load_decide_who_is_dealt() -> None:
    """R7.3: 属地区域 (2 points) before 业务专长 (1 point); among equal fits the next in
    the department's turn, which moves past each officer dealt: the work goes round."""
    job = job_v2(ITEMS, "o", "B", 0, ["SCJGJ:SC-001"], region="岳阳镇", industry="食品制造业")
    local = officer("local", "SCJGJ", region="岳阳镇")
    expert = officer("expert", "SCJGJ", expertise=("食品",))
    both = officer("both", "SCJGJ", region="岳阳镇", expertise=("食品生产",))
    plain = officer("plain", "SCJGJ", region="通贤镇", expertise=("特种设备",))
    assert [fit(o, job) for o in (local, expert, both, plain)] == [2, 1, 3, 0]
    # Expertise matches the department's own items only, not another's.
    health = officer("w", "WJJ", expertise=("食品生产",))
    assert fit(health, job) == 0
    team = match(SEED, [job], [plain, expert, local, both], V2_DISPERSED)[0]["team"]
    assert team == ["both", "local"]
    # Without a fit the first matching's ticket order holds; v2 spreads the load.
    plains = [officer(f"p{i}", "SCJGJ") for i in range(4)]
    jobs = [job_v2(ITEMS, f"o{i}", "B", i, ["SCJGJ:SC-001"]) for i in range(4)]
    loads: dict[str, int] = {}
    for a in match(SEED, jobs, plains, V2_DISPERSED):
        for p in a["team"]:
            loads[p] = loads.get(p, 0) + 1
    assert sorted(loads.values()) == [2, 2, 2, 2]


def test_the_first_matching_ignores_territory_and_expertise() -> None:
    """A v1/v2-algorithm draw without ``matching_rules`` keeps its ticket order (its
    recorded draws must still verify)."""
    job = job_v2(ITEMS, "o", "B", 0, ["SCJGJ:SC-001"], region="岳阳镇")
    people = [officer(p, "SCJGJ", region="岳阳镇" if p == "d" else "") for p in "abcd"]
    order = sorted("abcd", key=lambda p: (ticket(SEED, "inspector", p), p))
    first = match(SEED, [job], people, Rules("dispersed", 2, None))[0]["team"]
    assert first == order[:2]
    assert "d" in match(SEED, [job], people, V2_DISPERSED)[0]["team"]


def test_grouped_v2_forms_teams_per_department_set_and_adds_experts() -> None:
    """Grouped mode under v2: an object only SCJGJ supervises gets a SCJGJ team, a joint
    object a team of both; ``experts_per_object`` is honoured (the first matching
    ignored it in grouped mode: the known bug, fixed here)."""
    drawn = [(o, "B", n) for n, o in enumerate(("market-only", "both", "market-only2"))]
    objects = {**OBJECTS, "market-only2": record("enterprise", ("SCJGJ",))}
    jobs, _ = jobs_for_v2(SPEC, drawn, objects)
    officers = [officer(f"S{i}", "SCJGJ") for i in range(4)]
    officers += [officer(f"W{i}", "WJJ") for i in range(2)]
    officers += [officer("E0", "SCJGJ", kind="expert"), officer("E1", "WJJ", kind="expert")]
    rules = Rules("grouped", 2, None, experts_per_object=1, matching_rules=MATCHING_V2)
    result = {a["object"]: a for a in match(SEED, jobs, officers, rules)}
    assert all(p[0] in "SE" for p in result["market-only"]["team"])
    assert {p[0] for p in result["both"]["team"][:2]} == {"S", "W"}
    for assignment in result.values():
        assert len(assignment["team"]) == 3 and assignment["team"][-1][0] == "E"
    assert result["market-only"]["team_no"] != result["both"]["team_no"]
    # The first matching, same inputs: no expert in grouped mode (kept for its draws).
    first = match(SEED, jobs, officers, Rules("grouped", 2, None, experts_per_object=1))
    assert all(not any(p.startswith("E") for p in a["team"]) for a in first)


def test_grouped_v2_refuses_a_department_set_no_team_covers() -> None:
    jobs, _ = jobs_for_v2(SPEC, [("health-only", "B", 0)], OBJECTS)
    with pytest.raises(DrawError) as refused:
        match(SEED, jobs, [officer("S0", "SCJGJ"), officer("S1", "SCJGJ")], V2_GROUPED)
    assert refused.value.object == "health-only"
    assert "covering WJJ" in refused.value.constraint


def test_a_v2_replacement_comes_from_the_department_its_checklist_needs() -> None:
    """回避 under v2: the next eligible officer of the recused one's department in ticket
    order, qualified for that department's items on the checklist."""
    officers = [officer(f"S{i}", "SCJGJ") for i in range(3)] + [officer("W0", "WJJ")]
    job = job_v2(ITEMS, "both", "B", 0, ["SCJGJ:SC-001", "WJJ:WJ-001"])
    team = match(SEED, [job], officers, V2_DISPERSED)[0]["team"]
    leaving = next(p for p in team if p.startswith("S"))
    found = replacement(SEED, job, officers, V2_DISPERSED, team, leaving, {})
    assert found.startswith("S") and found not in team


def test_v2_commits_what_its_matching_reads() -> None:
    """The object leaves name 片区, industry and supervisors, the inspector leaves 片区
    and 业务专长 (a change to either changes the committed roots); the first matching's
    leaves are unchanged."""
    members = {"B": [("both", "enterprise")]}
    people = [officer("S0", "SCJGJ", region="岳阳镇", expertise=("食品",))]
    v1 = Snapshot(members, people, 0)
    v2 = Snapshot(members, people, 0, MATCHING_V2, {"both": OBJECTS["both"]})
    moved = Snapshot(
        members, people, 0, MATCHING_V2, {"both": record("enterprise", ("SCJGJ",), "通贤镇")}
    )
    assert next(v1.object_leaves()) == b'["both","B","enterprise"]'
    assert next(v2.object_leaves()) == (
        '["both","B","enterprise","岳阳镇","食品制造业",["SCJGJ","WJJ"]]'.encode()
    )
    assert v1.summary()["objects"]["root"] != v2.summary()["objects"]["root"]
    assert v2.summary()["objects"]["root"] != moved.summary()["objects"]["root"]
    assert v1.summary()["inspectors"]["root"] != v2.summary()["inspectors"]["root"]
    assert people[0].leaf() == b'["S0","SCJGJ","officer",true,["general"],[]]'


def test_a_v2_snapshot_reads_only_its_eligible_objects_of_the_records_it_holds() -> None:
    """Issue 15.4: a v2 snapshot holds the whole directory's records rather than a copy
    of the eligible objects' (half a million entries copied at 1M objects); the roots and
    the draw read only the eligible objects', so the commitment is the same."""
    members = {"B": [("both", "enterprise")], "C": [("project", "project")]}
    people = [officer("S0", "SCJGJ", region="岳阳镇", expertise=("食品",))]
    eligible = {i: OBJECTS[i] for i in ("both", "project")}
    whole = Snapshot(members, people, 0, MATCHING_V2, dict(OBJECTS))
    assert whole.summary() == Snapshot(members, people, 0, MATCHING_V2, eligible).summary()
    assert list(whole.object_leaves()) == [
        '["both","B","enterprise","岳阳镇","食品制造业",["SCJGJ","WJJ"]]'.encode(),
        '["project","C","project","岳阳镇","食品制造业",["SCJGJ"]]'.encode(),
    ]


# --- daily-supervision staff (从事日常监管工作的人员, R4.2; format 4) ---------------------------


def test_r4_2_daily_staff_join_a_team_beside_its_officers_never_instead() -> None:
    """R4.2 (执法检查人员名录库 ... 包括 ... 从事日常监管工作的人员), R7.4: with
    ``daily_per_object`` each object gets that many daily-supervision staff of a
    department with items on it, after its enforcement officers -- the two officers are
    drawn as before, never replaced by daily staff; seats go round the object's
    departments; without the setting (every draw before format 4) none is drawn."""
    drawn = [(o, "B", n) for n, o in enumerate(("market-only", "both"))]
    jobs, _ = jobs_for_v2(SPEC, drawn, OBJECTS)
    officers = [officer(f"S{i}", "SCJGJ") for i in range(4)] + [officer("W0", "WJJ")]
    officers += [officer(f"D{i}", "SCJGJ", kind="daily") for i in range(2)]
    officers += [officer("H0", "WJJ", kind="daily")]
    for mode in ("dispersed", "grouped"):
        rules = Rules(mode, 2, None, matching_rules=MATCHING_V2, daily_per_object=1)
        result = {a["object"]: a["team"] for a in match(SEED, jobs, officers, rules)}
        for team in result.values():
            assert len(team) == 3 and team[-1][0] in "DH"
            assert sum(p[0] in "SW" for p in team) == 2
        assert result["market-only"][-1].startswith("D")  # only SCJGJ's items there
        plain = match(SEED, jobs, officers, Rules(mode, 2, None, matching_rules=MATCHING_V2))
        assert all(not any(p[0] in "DH" for p in a["team"]) for a in plain)
    # Two seats on the joint object: one from each of its departments, in the job's order.
    two = Rules("dispersed", 2, None, matching_rules=MATCHING_V2, daily_per_object=2)
    both = next(a for a in match(SEED, jobs, officers, two) if a["object"] == "both")
    assert {p[0] for p in both["team"][2:]} == {"D", "H"}


def test_r4_2_a_daily_seat_nobody_can_fill_is_refused_and_a_recusal_is_replaced() -> None:
    """No daily-supervision staff member free of conflict: the draw names the object; a
    recused daily staff member is replaced by the department's next one."""
    jobs, _ = jobs_for_v2(SPEC, [("market-only", "B", 0)], OBJECTS)
    officers = [officer(f"S{i}", "SCJGJ") for i in range(2)]
    officers += [officer("D0", "SCJGJ", kind="daily", conflicts=("market-only",))]
    rules = Rules("dispersed", 2, None, matching_rules=MATCHING_V2, daily_per_object=1)
    with pytest.raises(DrawError) as refused:
        match(SEED, jobs, officers, rules)
    assert refused.value.object == "market-only"
    assert "daily-supervision staff" in refused.value.constraint
    officers = [
        *officers[:2],
        officer("D1", "SCJGJ", kind="daily"),
        officer("D2", "SCJGJ", kind="daily"),
    ]
    team = match(SEED, jobs, officers, rules)[0]["team"]
    leaving = team[-1]
    found = replacement(SEED, jobs[0], officers, rules, team, leaving, {})
    assert found in {"D1", "D2"} - {leaving}


class _ScanningMatcher(Matcher):
    """The v2 best-fit as first written: the whole pool scanned for an expertise fit on
    every object. The kept positions per pool must deal exactly as it did."""

    @staticmethod
    def _best_fit(pool: Any, job: Job, eligible: Any) -> int | None:
        size = len(pool.order)
        best: tuple[int, int] | None = None
        for index in pool.of_region(job.region):
            if eligible(pool.order[index]):
                key = (-fit(pool.order[index], job), (index - pool.pointer) % size)
                best = key if best is None or key < best else best
        if best is not None:
            return (pool.pointer + best[1]) % size
        first = None
        for step in range(size):
            index = (pool.pointer + step) % size
            if not eligible(pool.order[index]):
                continue
            if fit(pool.order[index], job):
                return index
            if first is None:
                first = index
        return first


REGIONS = ("", "城关", "河西")
TOPICS = ("食品", "餐饮", "药品", "")


@settings(max_examples=60, deadline=None)
@given(
    people=st.lists(
        st.tuples(
            st.sampled_from(("SCJGJ", "WJJ")),
            st.sampled_from(REGIONS),
            st.sets(st.sampled_from(TOPICS), max_size=2),
            st.sets(st.integers(0, 11), max_size=3),
        ),
        min_size=4,
        max_size=14,
    ),
    objects=st.lists(
        st.tuples(st.sampled_from(REGIONS), st.sampled_from(TOPICS)), min_size=1, max_size=12
    ),
    cap=st.one_of(st.none(), st.integers(2, 6)),
)
def test_r7_3_kept_expertise_positions_deal_as_the_full_scan(
    people: list[tuple[str, str, set[str], set[int]]],
    objects: list[tuple[str, str]],
    cap: int | None,
) -> None:
    """R7.3 (issue 15, province draws): a pool's officers with a matching 业务专长 are
    found from positions kept per pool instead of a scan per object; every team dealt,
    and every refusal, is the same as the scan's."""
    officers = [
        officer(f"P{n:02d}", dept, region=region, expertise=tuple(sorted(topics)),
                conflicts=tuple(f"O{c:02d}" for c in conflicts))
        for n, (dept, region, topics, conflicts) in enumerate(people)
    ]  # fmt: skip
    rules = Rules("dispersed", 2, cap, matching_rules=MATCHING_V2)
    jobs = [
        Job(f"O{n:02d}", "A", n, (("SCJGJ", ()), ("WJJ", ())), region,
            (("SCJGJ", (topic,)), ("WJJ", (topic, "卫生"))))
        for n, (region, topic) in enumerate(objects)
    ]  # fmt: skip

    def dealt(kind: type[Matcher]) -> list[list[str] | str]:
        matcher = kind(SEED, officers, rules)
        out: list[list[str] | str] = []
        for job in jobs:
            try:
                out.append(matcher.staff(job))
            except DrawError as refused:
                out.append(str(refused))
                break
        return out

    assert dealt(Matcher) == dealt(_ScanningMatcher)


_text = st.text(st.sampled_from('aZ片区é "\\\n\x01\x7f\u2028'), max_size=4)


@settings(max_examples=500, deadline=None)
@given(
    names=st.tuples(_text, _text, _text),
    region=st.one_of(st.none(), _text),
    industry=st.one_of(st.none(), _text),
    supervisors=st.lists(_text, max_size=3),
)
def test_a_v2_object_leaf_joined_directly_is_the_json_encoders_bytes(
    names: tuple[str, str, str],
    region: str | None,
    industry: str | None,
    supervisors: list[str],
) -> None:
    """Issue 15.4: the snapshot's v2 object leaves are joined without the JSON encoder
    when no string needs escaping; a leaf is committed, so the bytes must be exactly
    the encoder's, with quotes, backslashes and control characters taking its path."""
    from ledger.draw.algorithm import leaf
    from ledger.draw.snapshot import _v2_leaf

    record = ("enterprise", region, industry, tuple(supervisors), "A", (), 0, "active")
    expected = leaf([*names, region or "", industry or "", sorted(supervisors)])
    assert _v2_leaf(*names, record) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["enterprise", "project", "individual"]),
            st.sampled_from([None, "", "岳阳镇", "通贤镇"]),
            st.sampled_from([None, "", "食品制造业", "公共场所"]),
            st.sampled_from([("SCJGJ",), ("WJJ",), ("SCJGJ", "WJJ"), ("WJJ", "SCJGJ"), ()]),
        ),
        max_size=25,
    )
)
def test_jobs_worked_out_once_per_kind_region_industry_and_supervisors(
    shapes: list[tuple[Any, ...]],
) -> None:
    """Issue 15.4: jobs_for_v2 works out a job's needs and topics once for each
    (kind, 片区, industry, supervisors) its drawn objects share; every job and checklist
    equals job_v2 and checklist_for of the object on its own (R6.1, R6.6, R7.3), and no
    two objects share a checklist list."""
    objects = {
        f"o{n}": (kind, region, industry, supervisors, "B", (), 0, "active")
        for n, (kind, region, industry, supervisors) in enumerate(shapes)
    }
    drawn = [(ident, "B", n * 7) for n, ident in enumerate(objects)]
    jobs, checklists = jobs_for_v2({"items": ITEMS}, drawn, objects)
    for (ident, stratum, number), job in zip(drawn, jobs, strict=True):
        kind, region, industry, supervisors = objects[ident][:4]
        checklist = [
            f"{i['department']}:{i['code']}" for i in checklist_for(ITEMS, kind, supervisors)
        ]
        assert checklists[ident] == checklist
        assert job == job_v2(ITEMS, ident, stratum, number, checklist, region or "", industry or "")
    assert len({id(c) for c in checklists.values()}) == len(checklists)
