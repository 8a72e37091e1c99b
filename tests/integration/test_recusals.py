"""A recusal nobody can use to pick the inspectors (issue 11 part 5, R7.4, R7.5), on both
backends.

On a ``shuangsui-draw-v2`` draw a recusal takes effect only with the recused
inspector's own signed declaration or the office's signed approval of the lead's
request; ``verify-draw`` and the replay enforce it, and the duty review counts the
recusals per lead. Each attack is tried as the lead (through the commands), as the
operator (editing the recorded events, which verify-draw must refuse; forging a
sealed command, which the replay must refuse), and as a lead with a compliant office
(which the review must flag).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger import formats
from ledger.areas.draws.events import Draw
from ledger.audit.report import EVENTS_NOT_PRODUCED
from ledger.authorisation import sign_command
from ledger.clock import china_today
from ledger.commanding import stamp
from ledger.config import Settings
from ledger.draw.world import SNAPSHOT_TOPICS
from ledger.errors import ConflictError, NotFoundError, PermissionDeniedError
from ledger.i18n import render
from ledger.ids import draw_id, inspection_id
from ledger.transparency.database import replay_ledger, verify_ledger
from projections.review import review
from projections.review.facts import Facts
from projections.runner import update
from projections.store import Store
from tests.support.cli import run as cli_run
from tests.support.county import County, add_people
from tests.support.draws import TASK, ceremony, drawable_county, verify
from tests.support.rawdb import RawDB
from tests.support.world import World, start_world

Event = tuple[int, str, str, dict[str, Any]]
# The checks after the ceremony are signed now, like the ceremony: dated today (10:00
# China time) they would come before it from 02:15 UTC on, which the time order refuses.
ITEM = "SCJGJ:SC-001"


@pytest.fixture
def drawn(world: World, tmp_path: Path) -> Iterator[County]:
    """Draw 1 of the task run over six SCJGJ officers (teams of two), with the
    inspectors' own keys for S1..S3."""
    county = drawable_county(world, tmp_path, officers=("S4", "S5", "S6"))
    add_people(county)
    ceremony(county)
    yield county


def team_of(county: County, person: str) -> tuple[str, list[str]]:
    """An object whose team holds ``person``, and its team."""
    performed = county.ledger.get(draw_id(TASK, 1)).performed
    for assignment in performed["assignments"]:
        if person in assignment["team"]:
            return assignment["object"], list(assignment["team"])
    raise AssertionError(f"{person} is on no team")


def current_team(county: County, obj: str) -> list[str]:
    performed = county.ledger.get(draw_id(TASK, 1)).performed
    return next(list(a["team"]) for a in performed["assignments"] if a["object"] == obj)


def recuse(county: County, who: str, obj: str, person: str) -> Any:
    return county.run(
        who, "draw.recuse", task=TASK, draw=1, object=obj, person=person, reason="近亲属关系"
    )


def approve(county: County, obj: str, person: str) -> Any:
    return county.run(
        "office", "draw.approve_recusal", task=TASK, draw=1, object=obj, person=person
    )


def events(county: County) -> list[Event]:
    return list(county.ledger.topic_events(SNAPSHOT_TOPICS))


# --- the lead alone cannot change a team ----------------------------------------------------


def test_the_leads_recusal_is_a_request_that_changes_no_team(drawn: County) -> None:
    """R7.4: the lead recusing an officer records a request; the team stays as drawn."""
    obj, team = team_of(drawn, "S1")
    asked = recuse(drawn, "SCJGJ", obj, "S1")
    assert asked.result["status"] == "requested" and asked.result["replacement"] is None
    assert current_team(drawn, obj) == team
    with pytest.raises(ConflictError, match="already requested"):
        recuse(drawn, "SCJGJ", obj, "S1")
    problem, facts = verify(drawn)
    assert problem is None, problem
    assert facts["recusals"] == 0
    assert verify_ledger(drawn.ledger, workers=1)
    assert replay_ledger(drawn.ledger)


def test_the_lead_recusing_officers_one_after_another_gets_nowhere(drawn: County) -> None:
    """Issue 11 part 5: the lead asks to recuse every officer the draw gives an object,
    hoping for the one it wants. Without a declaration or an approval nothing changes."""
    obj, team = team_of(drawn, "S1")
    for person in team:
        recuse(drawn, "SCJGJ", obj, person)
    assert current_team(drawn, obj) == team
    drawn_ = drawn.ledger.get(draw_id(TASK, 1))
    assert [r["status"] for r in drawn_.recusal_requests] == ["pending"] * len(team)
    assert verify(drawn)[0] is None


def test_the_inspectors_own_declaration_takes_effect(drawn: County) -> None:
    obj, team = team_of(drawn, "S1")
    declared = recuse(drawn, "S1", obj, "S1")
    assert declared.result["status"] == "declared"
    new = declared.result["replacement"]
    assert new not in team and current_team(drawn, obj) == [new if p == "S1" else p for p in team]
    problem, facts = verify(drawn)
    assert problem is None, problem
    assert facts["recusals"] == 1
    assert replay_ledger(drawn.ledger)


def test_a_declaration_settles_the_leads_pending_request(drawn: County) -> None:
    obj, _ = team_of(drawn, "S2")
    recuse(drawn, "SCJGJ", obj, "S2")
    recuse(drawn, "S2", obj, "S2")
    requests = drawn.ledger.get(draw_id(TASK, 1)).recusal_requests
    assert [r["status"] for r in requests] == ["declared"]
    with pytest.raises(NotFoundError, match="no pending request"):
        approve(drawn, obj, current_team(drawn, obj)[0])
    assert verify(drawn)[0] is None


def test_an_inspector_declares_only_for_themselves(drawn: County) -> None:
    obj, team = team_of(drawn, "S1")
    other = next(p for p in team if p != "S1")
    with pytest.raises(PermissionDeniedError, match="only their own recusal"):
        recuse(drawn, "S1", obj, other)
    assert current_team(drawn, obj) == team


def test_the_office_approves_the_leads_request(drawn: County) -> None:
    obj, team = team_of(drawn, "S1")
    with pytest.raises(NotFoundError, match="no pending request"):
        approve(drawn, obj, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    with pytest.raises(PermissionDeniedError):  # the lead cannot approve its own request
        drawn.run("SCJGJ", "draw.approve_recusal", task=TASK, draw=1, object=obj, person="S1")
    approved = approve(drawn, obj, "S1")
    assert approved.result["status"] == "approved"
    new = approved.result["replacement"]
    assert current_team(drawn, obj) == [new if p == "S1" else p for p in team]
    recorded = drawn.ledger.get(draw_id(TASK, 1))
    assert recorded.recusals[-1]["requested_by"] == drawn.key("SCJGJ").key_id
    problem, facts = verify(drawn)
    assert problem is None, problem
    assert facts["recusals"] == 1
    assert replay_ledger(drawn.ledger)


# --- the operator edits the record: verify-draw refuses ------------------------------------


def forged(recorded: list[Event], topic: str, change: Any) -> list[Event]:
    changed = copy.deepcopy(recorded)
    for i, (position, stream, t, state) in enumerate(changed):
        if t == topic:
            changed[i] = change(position, stream, state)
            return changed
    raise AssertionError(f"no {topic}")


def test_verify_draw_refuses_a_request_turned_into_a_recusal(drawn: County) -> None:
    """The operator rewrites the lead's request as a recusal in effect (a v1-style
    ``recused``, or an approval nobody gave): verify-draw names it."""
    obj, team = team_of(drawn, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    recorded = events(drawn)
    assert verify(drawn, 1, recorded)[0] is None
    new = next(p for p in ("S2", "S3", "S4", "S5", "S6") if p not in team)

    def as_recused(position: int, stream: str, state: dict[str, Any]) -> Event:
        return (position, stream, Draw.Recused.TOPIC, {**state, "replacement": new})

    problem = verify(drawn, 1, forged(recorded, Draw.RecusalRequested.TOPIC, as_recused))[0]
    assert problem is not None and "only with the inspector's own declaration" in problem

    def as_approved(position: int, stream: str, state: dict[str, Any]) -> Event:
        return (
            position,
            stream,
            Draw.RecusalApproved.TOPIC,
            {**state, "replacement": new, "requested_by": state["by"]},
        )

    problem = verify(drawn, 1, forged(recorded, Draw.RecusalRequested.TOPIC, as_approved))[0]
    assert problem is not None and "not an office key" in problem


def test_verify_draw_refuses_a_declaration_not_by_the_inspector(drawn: County) -> None:
    obj, _ = team_of(drawn, "S1")
    recuse(drawn, "S1", obj, "S1")
    recorded = events(drawn)
    assert verify(drawn, 1, recorded)[0] is None
    lead = drawn.key("SCJGJ").key_id

    def by_the_lead(position: int, stream: str, state: dict[str, Any]) -> Event:
        return (position, stream, Draw.RecusalDeclared.TOPIC, {**state, "by": lead})

    problem = verify(drawn, 1, forged(recorded, Draw.RecusalDeclared.TOPIC, by_the_lead))[0]
    assert problem is not None and "not the inspector's own" in problem


def test_verify_draw_refuses_an_approval_without_a_request(drawn: County) -> None:
    obj, _ = team_of(drawn, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    approve(drawn, obj, "S1")
    recorded = [e for e in events(drawn) if e[2] != Draw.RecusalRequested.TOPIC]
    problem = verify(drawn, 1, recorded)[0]
    assert problem is not None and "without a pending request" in problem


# --- the operator forges a sealed command: the replay refuses ------------------------------


def test_the_replay_refuses_a_recusal_the_leads_command_does_not_produce(drawn: County) -> None:
    """The lead signs a recusal request; the operator records it as a declaration in
    effect under that signature, chained and sealed: every chain check passes, and the
    replay names the entry the command does not produce."""
    obj, _ = team_of(drawn, "S1")
    params = {"task": TASK, "draw": 1, "object": obj, "person": "S1", "reason": "近亲属关系"}
    auth = sign_command(drawn.key("SCJGJ"), "draw.recuse", params)
    draw = drawn.ledger.get(draw_id(TASK, 1))
    draw.declare_recusal(
        object=obj, person="S1", reason="近亲属关系", replacement="S4", by=auth.key_id
    )
    stamp([draw], auth.created)
    positions = RawDB(drawn.ledger).forge_command(
        list(draw.collect_events()), auth, drawn.world.ledger_key
    )
    assert verify_ledger(drawn.ledger, workers=1)
    replayed = replay_ledger(drawn.ledger)
    assert replayed.failure is not None
    assert replayed.failure.position == positions[0]
    assert replayed.failure.reason == EVENTS_NOT_PRODUCED
    assert "recusal_requested" in replayed.failure.detail


# --- a compliant office: the review counts the lead's recusals -----------------------------


def test_the_review_flags_a_lead_that_recuses_one_officer_after_another(
    drawn: County, tmp_path: Path
) -> None:
    """The lead asks, the office approves, again and again on one object, until the
    officer the lead wants is on its team: it gets through the draw, not through the
    duty review, which names the lead with the positions of every recusal."""
    obj, team = team_of(drawn, "S1")
    leaving, positions = "S1", []
    for _ in range(2):
        positions.append(recuse(drawn, "SCJGJ", obj, leaving).first_position)
        approved = approve(drawn, obj, leaving)
        positions.append(approved.first_position)
        leaving = approved.result["replacement"]
    final = current_team(drawn, obj)
    assert final != team and problem_free(drawn)
    day = china_today().isoformat()
    drawn.run("SCJGJ", "task.organise", task=TASK, draw=1, organised_on=day)
    drawn.run(
        "SCJGJ",
        "inspection.record",
        basis={"kind": "draw", "task": TASK, "draw": 1},
        object=obj,
        item=ITEM,
        method="on_site",
        inspectors=final,
        checked_on=day,
    )
    store = Store(tmp_path / "projections.sqlite3")
    update(drawn.ledger, store)
    result = review(store.db, "object", obj, dt.date.fromisoformat(day))
    lead = next(v for v in result.verdicts if v.party == "SCJGJ")
    flagged = [d for d in lead.defects if d["rule"] == "recusals"]
    assert flagged and flagged[0]["r"] == "R7.4"
    assert "successive recusals: 2 recusals" in flagged[0]["detail"]
    assert "连续回避" in render(flagged[0]["detail"], "zh")
    assert set(positions) <= set(flagged[0]["evidence"])


def test_one_declared_recusal_passes_the_review(drawn: County, tmp_path: Path) -> None:
    obj, _ = team_of(drawn, "S1")
    recuse(drawn, "S1", obj, "S1")
    day = china_today().isoformat()
    drawn.run(
        "SCJGJ",
        "inspection.record",
        basis={"kind": "draw", "task": TASK, "draw": 1},
        object=obj,
        item=ITEM,
        method="on_site",
        inspectors=current_team(drawn, obj),
        checked_on=day,
    )
    store = Store(tmp_path / "projections.sqlite3")
    update(drawn.ledger, store)
    result = review(store.db, "object", obj, dt.date.fromisoformat(day))
    findings = [f for r in result.inspections for f in r.findings if f.rule == "recusals"]
    assert [f.status for f in findings] == ["pass"]
    assert "S1" in findings[0].detail


def problem_free(county: County) -> bool:
    problem, _ = verify(county)
    return problem is None


# --- the office rejects a request; a request lapses when the object is checked ------------


def reject(county: County, obj: str, person: str, who: str = "office") -> Any:
    return county.run(
        who,
        "draw.reject_recusal",
        task=TASK,
        draw=1,
        object=obj,
        person=person,
        reason="未提供回避事由的证明",
    )


def check_object(county: County, obj: str) -> Any:
    day = china_today().isoformat()
    return county.run(
        "SCJGJ",
        "inspection.record",
        basis={"kind": "draw", "task": TASK, "draw": 1},
        object=obj,
        item=ITEM,
        method="on_site",
        inspectors=current_team(county, obj),
        checked_on=day,
    )


def test_the_office_rejects_the_leads_request(drawn: County) -> None:
    """R7.4: the office's signed rejection settles the lead's request; the team stays
    as drawn, and the request can be neither approved nor rejected afterwards."""
    obj, team = team_of(drawn, "S1")
    with pytest.raises(NotFoundError, match="no pending request"):
        reject(drawn, obj, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    with pytest.raises(PermissionDeniedError):  # the lead cannot reject (nor settle) it
        reject(drawn, obj, "S1", who="SCJGJ")
    with pytest.raises(PermissionDeniedError):  # nor the inspector
        reject(drawn, obj, "S1", who="S1")
    rejected = reject(drawn, obj, "S1")
    assert rejected.result["status"] == "rejected" and rejected.result["replacement"] is None
    assert current_team(drawn, obj) == team
    request = drawn.ledger.get(draw_id(TASK, 1)).recusal_requests[-1]
    assert request["status"] == "rejected" and request["rejection"] == "未提供回避事由的证明"
    with pytest.raises(NotFoundError, match="no pending request"):
        approve(drawn, obj, "S1")
    with pytest.raises(NotFoundError, match="no pending request"):
        reject(drawn, obj, "S1")
    problem, facts = verify(drawn)
    assert problem is None, problem
    assert facts["recusals"] == 0
    assert verify_ledger(drawn.ledger, workers=1)
    assert replay_ledger(drawn.ledger)


def test_the_inspector_may_still_declare_after_a_rejection(drawn: County) -> None:
    """The rejection settles the lead's request only: the inspector's own declaration
    is a recusal of its own (R7.4)."""
    obj, _ = team_of(drawn, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    reject(drawn, obj, "S1")
    declared = recuse(drawn, "S1", obj, "S1")
    assert declared.result["status"] == "declared"
    assert verify(drawn)[0] is None
    assert replay_ledger(drawn.ledger)


def test_a_pending_request_lapses_when_the_object_is_checked(drawn: County, tmp_path: Path) -> None:
    """R7.4: the drawn team checked the object; the lead's request still pending
    lapses -- the office can no longer reject it -- and the review lists it as lapsed,
    still counted against the lead."""
    obj, team = team_of(drawn, "S1")
    asked = recuse(drawn, "SCJGJ", obj, "S1")
    check_object(drawn, obj)
    with pytest.raises(ConflictError, match="lapsed"):
        reject(drawn, obj, "S1")
    assert current_team(drawn, obj) == team
    assert replay_ledger(drawn.ledger)
    store = Store(tmp_path / "projections.sqlite3")
    update(drawn.ledger, store)
    day = china_today()
    result = review(store.db, "object", obj, day)
    findings = [f for r in result.inspections for f in r.findings if f.rule == "recusals"]
    assert findings and "S1：回避申请已失效" in render(findings[0].detail, "zh")
    assert asked.first_position in findings[0].evidence


def test_from_format_4_a_lapsed_request_cannot_be_approved(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R7.4 (format 4): once the drawn team checked the object, the office's approval
    of the lead's still-pending request is refused, and the replay agrees."""
    monkeypatch.setattr(formats, "CURRENT", max(formats.CURRENT, 4))
    world = start_world(settings)
    try:
        county = drawable_county(world, tmp_path, officers=("S4", "S5", "S6"))
        add_people(county)
        ceremony(county)
        obj, team = team_of(county, "S1")
        recuse(county, "SCJGJ", obj, "S1")
        check_object(county, obj)
        with pytest.raises(ConflictError, match="lapsed"):
            approve(county, obj, "S1")
        assert current_team(county, obj) == team
        assert replay_ledger(county.ledger)
    finally:
        world.ledger.close()


def test_a_format_3_ledger_still_approves_after_the_check(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lapse is a rule of format 4: a format-3 ledger keeps the rule it was written
    under (an approval after the check is accepted, replays and passes verify-draw)."""
    monkeypatch.setattr(formats, "CURRENT", 3)
    world = start_world(settings)
    try:
        county = drawable_county(world, tmp_path, officers=("S4", "S5", "S6"))
        add_people(county)
        ceremony(county)
        obj, _ = team_of(county, "S1")
        recuse(county, "SCJGJ", obj, "S1")
        check_object(county, obj)
        with pytest.raises(ConflictError, match="lapsed"):  # a new command: no gate
            reject(county, obj, "S1")
        assert approve(county, obj, "S1").result["status"] == "approved"
        assert replay_ledger(county.ledger)
        # verify-draw keeps format 3's rule, and refuses the same approval in the events
        # of a format-4 ledger.
        assert verify(county)[0] is None
        recorded = events(county)
        genesis = next(i for i, e in enumerate(recorded) if e[2] == "shuangsui.ledger.genesis")
        position, stream, topic, state = recorded[genesis]
        assert state["format"] == 3
        recorded[genesis] = (position, stream, topic, {**state, "format": 4})
        problem = verify(county, 1, recorded)[0]
        assert problem is not None and "the request had lapsed" in problem
    finally:
        world.ledger.close()


def test_verify_draw_refuses_a_rejection_not_by_the_office(drawn: County) -> None:
    obj, _ = team_of(drawn, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    reject(drawn, obj, "S1")
    recorded = events(drawn)
    assert verify(drawn, 1, recorded)[0] is None
    lead = drawn.key("SCJGJ").key_id

    def by_the_lead(position: int, stream: str, state: dict[str, Any]) -> Event:
        return (position, stream, Draw.RecusalRejected.TOPIC, {**state, "by": lead})

    problem = verify(drawn, 1, forged(recorded, Draw.RecusalRejected.TOPIC, by_the_lead))[0]
    assert problem is not None and "not an office key" in problem


def test_verify_draw_refuses_a_rejection_without_a_request(drawn: County) -> None:
    obj, _ = team_of(drawn, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    reject(drawn, obj, "S1")
    recorded = [e for e in events(drawn) if e[2] != Draw.RecusalRequested.TOPIC]
    problem = verify(drawn, 1, recorded)[0]
    assert problem is not None and "rejected without a pending request" in problem


def test_verify_draw_refuses_an_approval_after_a_rejection(drawn: County) -> None:
    """The operator records an approval of a request the office rejected (an approval
    event slipped in after the rejection): verify-draw names it."""
    obj, team = team_of(drawn, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    reject(drawn, obj, "S1")
    recorded = events(drawn)
    rejection = next(e for e in recorded if e[2] == Draw.RecusalRejected.TOPIC)
    new = next(p for p in ("S2", "S3", "S4", "S5", "S6") if p not in team)
    approval = (
        rejection[0] + 1,
        rejection[1],
        Draw.RecusalApproved.TOPIC,
        {**rejection[3], "replacement": new},
    )
    problem = verify(drawn, 1, [*recorded, approval])[0]
    assert problem is not None and "approved without a pending request" in problem


def test_the_replay_refuses_a_rejection_recorded_as_an_approval(drawn: County) -> None:
    """The office signs a rejection; the operator records it as an approval in effect
    under that signature, chained and sealed: the replay names the entry."""
    obj, _ = team_of(drawn, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    params = {
        "task": TASK,
        "draw": 1,
        "object": obj,
        "person": "S1",
        "reason": "未提供回避事由的证明",
    }
    auth = sign_command(drawn.key("office"), "draw.reject_recusal", params)
    draw = drawn.ledger.get(draw_id(TASK, 1))
    draw.approve_recusal(
        object=obj,
        person="S1",
        reason="近亲属关系",
        replacement="S4",
        by=auth.key_id,
        requested_by=drawn.key("SCJGJ").key_id,
    )
    stamp([draw], auth.created)
    positions = RawDB(drawn.ledger).forge_command(
        list(draw.collect_events()), auth, drawn.world.ledger_key
    )
    assert verify_ledger(drawn.ledger, workers=1)
    replayed = replay_ledger(drawn.ledger)
    assert replayed.failure is not None
    assert replayed.failure.position == positions[0]
    assert replayed.failure.reason == EVENTS_NOT_PRODUCED
    assert "recusal_rejected" in replayed.failure.detail


def test_the_review_lists_a_rejected_request_and_counts_it_for_the_lead(
    drawn: County, tmp_path: Path
) -> None:
    """R7.4: a rejected request changes no team, but it is the lead's attempt: the
    review lists it as rejected and counts it among the lead's recusals."""
    obj, _ = team_of(drawn, "S1")
    asked = recuse(drawn, "SCJGJ", obj, "S1")
    rejected = reject(drawn, obj, "S1")
    check_object(drawn, obj)
    store = Store(tmp_path / "projections.sqlite3")
    update(drawn.ledger, store)
    result = review(store.db, "object", obj, china_today())
    findings = [f for r in result.inspections for f in r.findings if f.rule == "recusals"]
    assert findings and "S1：办公室驳回回避申请" in render(findings[0].detail, "zh")
    assert {asked.first_position, rejected.first_position} <= set(findings[0].evidence)
    assert Facts(store.db, china_today()).lead_recusals("SCJGJ")["count"] == 1


# --- a decision on a lapsed request, written by the operator: verify-draw refuses -----------


def decided_after_check(
    recorded: list[Event], by: str, topic: str, replacement: str | None
) -> list[Event]:
    """``recorded`` with the office's decision (by key ``by``) on the pending request
    written after the object's check, as the operator would write it (the handler
    refuses it)."""
    request = next(e for e in recorded if e[2] == Draw.RecusalRequested.TOPIC)
    state: dict[str, Any] = {**request[3], "by": by, "requested_by": request[3]["by"]}
    if replacement is not None:
        state["replacement"] = replacement
    return [*recorded, (recorded[-1][0] + 1, request[1], topic, state)]


@pytest.mark.usefixtures("format_4")
def test_verify_draw_refuses_an_approval_or_rejection_after_the_check(drawn: County) -> None:
    """R7.4 (format 4, issue 11 part 5): the operator records the office's approval or
    rejection of the lead's request after the object's check under the draw -- when it
    had lapsed: verify-draw names the request, the decision and both positions."""
    obj, team = team_of(drawn, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    checked = check_object(drawn, obj)
    recorded = events(drawn)
    office = drawn.key("office").key_id
    assert verify(drawn, 1, recorded)[0] is None
    new = next(p for p in ("S2", "S3", "S4", "S5", "S6") if p not in team)
    for topic, replacement, word in (
        (Draw.RecusalApproved.TOPIC, new, "approved"),
        (Draw.RecusalRejected.TOPIC, None, "rejected"),
    ):
        forged_events = decided_after_check(recorded, office, topic, replacement)
        problem = verify(drawn, 1, forged_events)[0]
        assert problem is not None and "the request had lapsed" in problem, problem
        assert f"{word} at position {forged_events[-1][0]}" in problem
        assert f"recorded at position {checked.last_position}" in problem
        assert "回避申请已失效" in render(problem, "zh")


@pytest.mark.usefixtures("format_4")
def test_verify_draw_accepts_a_decision_before_the_check(drawn: County) -> None:
    """The rule is about order: the office's approval recorded before the object's check
    (the same events, the check moved after it) passes verify-draw."""
    obj, _ = team_of(drawn, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    approve(drawn, obj, "S1")
    check_object(drawn, obj)
    problem, facts = verify(drawn)
    assert problem is None, problem
    assert facts["recusals"] == 1


@pytest.mark.usefixtures("format_4")
def test_verify_draw_refuses_a_sealed_approval_after_the_check_in_the_log_and_bundle(
    drawn: County, tmp_path: Path
) -> None:
    """The operator signs nothing it cannot: it seals the office's approval command (the
    office signed it, too late) and its events into the chain after the check, without
    the handler. verify-draw on the database and on the exported draw bundle both name
    the lapsed request (exit 1)."""
    obj, team = team_of(drawn, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    check_object(drawn, obj)
    with pytest.raises(ConflictError, match="lapsed"):
        approve(drawn, obj, "S1")
    params = {"task": TASK, "draw": 1, "object": obj, "person": "S1"}
    auth = sign_command(drawn.key("office"), "draw.approve_recusal", params)
    draw = drawn.ledger.get(draw_id(TASK, 1))
    new = next(p for p in ("S2", "S3", "S4", "S5", "S6") if p not in team)
    draw.approve_recusal(
        object=obj,
        person="S1",
        reason="近亲属关系",
        replacement=new,
        by=auth.key_id,
        requested_by=drawn.key("SCJGJ").key_id,
    )
    stamp([draw], auth.created)
    (position,) = RawDB(drawn.ledger).forge_command(
        list(draw.collect_events()), auth, drawn.world.ledger_key
    )
    problem = verify(drawn)[0]
    assert problem is not None and f"approved at position {position}" in problem
    drawn.ledger.transparency.checkpoint()
    out = tmp_path / "draw.bundle"
    drawn.ledger.transparency.export(
        out,
        positions=drawn.ledger.chain.positions_of_topics(SNAPSHOT_TOPICS),
        query={"draw": f"{TASK}/1"},
    )
    result = cli_run(drawn.world.settings, "verify-draw", f"{TASK}/1", "--bundle", str(out))
    assert result.exit_code == 1, result.output
    assert f"approved at position {position}" in result.output
    assert "回避申请已失效" in result.output


def draw_bundle(county: County, out: Path) -> Path:
    county.ledger.transparency.checkpoint()
    county.ledger.transparency.export(
        out,
        positions=county.ledger.chain.positions_of_topics(SNAPSHOT_TOPICS),
        query={"draw": f"{TASK}/1"},
    )
    return out


def without_stream(bundle: Path, stream: str, out: Path, drop_proof: bool = False) -> Path:
    """The bundle the operator builds: ``stream``'s entry lines left out, the end record's
    count made to match (it is not signed); with ``drop_proof`` also the state proof of
    the stream's bucket."""
    from ledger.audit.statemap import bucket_of, stream_key

    kept = []
    removed = 0
    for line in bundle.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["t"] == "entry" and record["event"]["stream"] == stream:
            removed += 1
            continue
        if record["t"] == "state" and drop_proof:
            bucket = bucket_of(stream_key(stream))
            record["proofs"] = [p for p in record["proofs"] if p["bucket"] != bucket]
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        if record["t"] == "end":
            record["entries"] -= removed
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        kept.append(line)
    assert removed
    out.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return out


@pytest.mark.usefixtures("format_4")
def test_a_draw_bundle_proves_whether_the_object_was_checked(drawn: County, tmp_path: Path) -> None:
    """Issue 11 part 5 with part 4: a draw bundle carries, for each object whose request
    the office decided, its inspection under the draw or the state proof that the log
    holds none. An approval before any check passes --bundle; a check recorded before a
    (forged) rejection is found even when the operator leaves the inspection out of the
    bundle, and when it also drops that stream's state proof."""
    obj, _team = team_of(drawn, "S1")
    recuse(drawn, "SCJGJ", obj, "S1")
    approve(drawn, obj, "S1")
    honest = draw_bundle(drawn, tmp_path / "approved.bundle")
    result = cli_run(drawn.world.settings, "verify-draw", f"{TASK}/1", "--bundle", str(honest))
    assert result.exit_code == 0, result.output
    # Another object: requested, checked, then a rejection sealed by the operator.
    other, other_team = next(
        (o, t)
        for o, t in ((a["object"], a["team"]) for a in current_assignments(drawn))
        if o != obj
    )
    person = other_team[0]
    recuse(drawn, "SCJGJ", other, person)
    check_object(drawn, other)
    reason = "未提供回避事由的证明"
    auth = sign_command(
        drawn.key("office"),
        "draw.reject_recusal",
        {"task": TASK, "draw": 1, "object": other, "person": person, "reason": reason},
    )
    draw = drawn.ledger.get(draw_id(TASK, 1))
    draw.reject_recusal(
        object=other,
        person=person,
        reason=reason,
        by=auth.key_id,
        requested_by=drawn.key("SCJGJ").key_id,
    )
    stamp([draw], auth.created)
    RawDB(drawn.ledger).forge_command(list(draw.collect_events()), auth, drawn.world.ledger_key)
    full = draw_bundle(drawn, tmp_path / "draw.bundle")
    result = cli_run(drawn.world.settings, "verify-draw", f"{TASK}/1", "--bundle", str(full))
    assert result.exit_code == 1 and "the request had lapsed" in result.output, result.output
    inspection = str(inspection_id("draw", f"{TASK}/1", other))
    cut = without_stream(full, inspection, tmp_path / "cut.bundle")
    result = cli_run(drawn.world.settings, "verify-draw", f"{TASK}/1", "--bundle", str(cut))
    assert result.exit_code == 1, result.output
    assert "leaves out the inspection of" in result.output and inspection in result.output
    stripped = without_stream(full, inspection, tmp_path / "stripped.bundle", drop_proof=True)
    result = cli_run(drawn.world.settings, "verify-draw", f"{TASK}/1", "--bundle", str(stripped))
    assert result.exit_code == 1, result.output
    assert "does not prove whether" in result.output, result.output


def current_assignments(county: County) -> list[dict[str, Any]]:
    return list(county.ledger.get(draw_id(TASK, 1)).performed["assignments"])
