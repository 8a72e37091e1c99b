"""Organising, inspecting, results, publication, follow-up (R7.4, R8, R9), the calendar,
and the discipline inspector's settled reviews (R10.4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledger.commands import Context, Outcome, Params, command
from ledger.domain.draws import Draw, draw_id
from ledger.domain.ids import stream_id
from ledger.domain.inspections import (
    BASES,
    FOLLOW_UPS,
    METHODS,
    RESULTS,
    TRIGGERS,
    Calendar,
    Inspection,
    ProgressReport,
    Review,
    basis_reference,
    inspection_id,
)
from ledger.domain.plans import JointTask, task_id
from ledger.errors import ConflictError, NotFoundError, PermissionDenied, RuleViolation
from ledger.handlers.organisations import require_operator

CHANNELS = ("national_enterprise_credit_publicity", "credit_sharing_platform")


def _past_date(ctx: Context, p: Params, name: str) -> str:
    day = p.date(name)
    if day and day > ctx.today.isoformat():
        p.fail(name, "is in the future")
    return day


@command("task.organise", "Record that the lead organised the drawn checks (R7.4).")
def organise(ctx: Context) -> Outcome:
    p = ctx.params
    task = p.text("task", max_length=40)
    number = p.integer("draw", minimum=1)
    on = _past_date(ctx, p, "organised_on")
    p.done()
    joint = ctx.ledger.find(task_id(task))
    if not isinstance(joint, JointTask):
        raise NotFoundError(f"no task {task}")
    ctx.require_department(joint.lead, rule="R7.4")
    drawn = ctx.ledger.find(draw_id(task, number))
    if not isinstance(drawn, Draw) or drawn.performed is None:
        raise ConflictError(f"draw {task}/{number} has not been performed", rule="R7.4")
    if joint.organised is not None:
        raise ConflictError(
            f"task {task} was already organised on {joint.organised['organised_on']}"
        )
    if on < drawn.performed["organise_from"]:
        raise RuleViolation("the checks cannot be organised before the draw", rule="R7.4")
    joint.organise(draw=number, organised_on=on)
    return Outcome([joint], {"task": task, "organised_on": on})


def read_basis(p: Params) -> dict[str, Any]:
    """A draw (task, draw), a case lead (case, trigger, reference, R1.1) or none."""
    basis = p.nested("basis")
    if basis is None:
        return {}
    kind = basis.choice("kind", BASES)
    if kind == "draw":
        return {
            "kind": kind,
            "task": basis.text("task", max_length=40),
            "draw": basis.integer("draw", minimum=1),
        }
    if kind == "case":
        return {
            "kind": kind,
            "case": basis.text("case", max_length=60),
            "trigger": basis.choice("trigger", TRIGGERS),
            "reference": basis.text("reference", max_length=200),
        }
    return {"kind": kind, "reference": basis.text("reference", max_length=200)}


def _item(p: Params) -> tuple[str, str]:
    """``DEPARTMENT:CODE`` -> (department, code)."""
    text = p.text("item", max_length=80, pattern=r"[A-Z][A-Z0-9_-]{1,19}:[A-Za-z0-9._-]{1,40}")
    department, _, code = text.partition(":")
    return department, code


def team_of(ctx: Context, basis: dict[str, Any], obj: str) -> list[str] | None:
    """The inspectors the draw assigned to ``obj`` (after recusals), if the basis is a draw."""
    if basis.get("kind") != "draw":
        return None
    drawn = ctx.ledger.find(draw_id(basis["task"], basis["draw"]))
    if not isinstance(drawn, Draw) or drawn.performed is None:
        raise NotFoundError(f"no performed draw {basis['task']}/{basis['draw']}")
    for assignment in drawn.performed["assignments"]:
        if assignment["object"] == obj:
            return list(assignment["team"])
    raise RuleViolation(f"{obj} was not drawn in {basis['task']}/{basis['draw']}", rule="R1.1")


@command("inspection.record", "Record an inspection of one object for one item (R8.1).")
def record(ctx: Context) -> Outcome:
    p = ctx.params
    basis = read_basis(p)
    obj = p.text("object", max_length=64)
    department, item = _item(p)
    method = p.choice("method", METHODS)
    inspectors = p.text_list("inspectors", min_items=1)
    on = _past_date(ctx, p, "checked_on")
    delegated_p = p.nested("delegated", required=False)
    delegated = None
    if delegated_p is not None:
        delegated = {
            "kind": delegated_p.choice("kind", ("testing", "audit", "survey")),
            "body": delegated_p.text("body", max_length=200),
            "conclusion_sha256": delegated_p.text(
                "conclusion_sha256", max_length=64, pattern=r"[0-9a-f]{64}"
            ),
        }
    p.done()
    own_person = ctx.actor is not None and ctx.actor.person in inspectors
    if not own_person:
        ctx.require_department(department, rule="R8.1")
    team = team_of(ctx, basis, obj)
    found = ctx.ledger.find(inspection_id(basis["kind"], basis_reference(basis), obj))
    inspection = (
        found
        if isinstance(found, Inspection)
        else Inspection(object=obj, department=department, basis=basis)
    )
    inspection.record_check(
        item=f"{department}:{item}",
        method=method,
        inspectors=tuple(inspectors),
        checked_on=on,
        delegated=delegated,
    )
    return Outcome(
        [inspection],
        {"object": obj, "item": f"{department}:{item}", "basis": basis["kind"], "drawn_team": team},
    )


def _inspection(ctx: Context, basis: dict[str, Any], obj: str) -> Inspection:
    found = ctx.ledger.find(inspection_id(basis["kind"], basis_reference(basis), obj))
    if not isinstance(found, Inspection):
        raise NotFoundError(f"no inspection of {obj} on that basis; record the check first")
    return found


@command("result.enter", "Enter the result for an item; only an assigned inspector may (R9.1).")
def enter(ctx: Context) -> Outcome:
    p = ctx.params
    basis = read_basis(p)
    obj = p.text("object", max_length=64)
    department, item = _item(p)
    result = p.choice("result", tuple(RESULTS))
    details = p.text("details", required=False, max_length=2000)
    formed_on = _past_date(ctx, p, "formed_on")
    p.done()
    person = ctx.actor.person if ctx.actor is not None else None
    inspection = _inspection(ctx, basis, obj)
    team = team_of(ctx, basis, obj)
    checked_by = {i for c in inspection.checks for i in c["inspectors"]}
    allowed = team if team is not None else sorted(checked_by)
    if person is None or person not in allowed:
        raise PermissionDenied(
            f"only an inspector assigned to {obj} enters its result (谁检查谁录入); "
            f"key {ctx.actor_id} is {'person ' + person if person else 'no inspector'}",
            rule="R9.1",
        )
    key = f"{department}:{item}"
    if key in inspection.results:
        raise ConflictError(f"the result for {key} was already entered")
    if not any(c["item"] == key for c in inspection.checks):
        raise ConflictError(f"no check of {key} on {obj} is recorded", rule="R8.1")
    inspection.enter_result(
        item=key,
        department=department,
        result=result,
        details=details,
        formed_on=formed_on,
        entered_by=person,
    )
    return Outcome([inspection], {"object": obj, "item": key, "result": result})


def _decided(ctx: Context) -> tuple[Inspection, str, str, Params]:
    p = ctx.params
    basis = read_basis(p)
    obj = p.text("object", max_length=64)
    department, item = _item(p)
    key = f"{department}:{item}"
    inspection = _inspection(ctx, basis, obj) if not p.errors else None
    if inspection is not None:
        ctx.require_department(department, rule="R9.1")
        if key not in inspection.results:
            raise ConflictError(f"no result for {key} on {obj} yet", rule="R9.1")
    return inspection, key, department, p  # type: ignore[return-value]


@command("result.publish", "Publish a result; the inspecting department does (谁检查谁公开, R9.1).")
def publish(ctx: Context) -> Outcome:
    inspection, key, department, p = _decided(ctx)
    on = _past_date(ctx, p, "published_on")
    channels = p.text_list("channels", required=False, choices=CHANNELS) or CHANNELS
    p.done()
    if key in inspection.publication:
        raise ConflictError(f"{key} on {inspection.object} was already decided")
    inspection.publish(item=key, department=department, published_on=on, channels=channels)
    return Outcome([inspection], {"object": inspection.object, "item": key, "published_on": on})


@command("result.withhold", "Withhold a result from publication, with its legal basis (R9.1).")
def withhold(ctx: Context) -> Outcome:
    inspection, key, department, p = _decided(ctx)
    legal_basis = p.text("legal_basis", max_length=1000)
    on = _past_date(ctx, p, "decided_on")
    p.done()
    if key in inspection.publication:
        raise ConflictError(f"{key} on {inspection.object} was already decided")
    inspection.withhold(item=key, department=department, legal_basis=legal_basis, decided_on=on)
    return Outcome([inspection], {"object": inspection.object, "item": key, "withheld": True})


@command("result.follow_up", "Record a violation's penalty case or judicial referral (R9.2).")
def follow_up(ctx: Context) -> Outcome:
    inspection, key, _, p = _decided(ctx)
    kind = p.choice("kind", FOLLOW_UPS)
    reference = p.text("reference", max_length=200)
    on = _past_date(ctx, p, "on")
    p.done()
    inspection.follow_up(item=key, kind=kind, reference=reference, on=on)
    return Outcome([inspection], {"object": inspection.object, "item": key, "kind": kind})


@command("calendar.amend", "Amend the working-day calendar (office): days and whole years.")
def amend(ctx: Context) -> Outcome:
    ctx.require_role("office")
    p = ctx.params
    raw = p.raw.get("days", {})
    days: dict[str, bool] = {}
    if not isinstance(raw, dict):
        p.fail("days", "must map dates to true (working) or false (day off)")
    else:
        for day, working in raw.items():
            try:
                dt.date.fromisoformat(day)
            except (TypeError, ValueError):
                p.fail("days", f"{day!r} is not YYYY-MM-DD")
                continue
            if not isinstance(working, bool):
                p.fail("days", f"{day}: true or false")
            days[day] = bool(working)
    years = p.raw.get("declare_years", [])
    if not isinstance(years, list) or not all(
        isinstance(y, int) and 2000 <= y <= 2100 for y in years
    ):
        p.fail("declare_years", "must be a list of years")
        years = []
    note = p.text("note", max_length=500)
    p.done()
    found = ctx.ledger.find(stream_id("calendar"))
    calendar = found if isinstance(found, Calendar) else Calendar()
    calendar.amend(days=days, declare_years=tuple(years), note=note)
    return Outcome([calendar], {"days": len(days), "declared_years": years})


@command("report.submit", "Submit a quarterly report or the annual summary to the office (R10.6).")
def submit_report(ctx: Context) -> Outcome:
    department = require_operator(ctx)
    p = ctx.params
    kind = p.choice("kind", ("quarterly", "annual"))
    year = p.integer("year", minimum=2000, maximum=2100)
    quarter = p.integer("quarter", required=False, minimum=1, maximum=4)
    digest = p.text("summary_sha256", max_length=64, pattern=r"[0-9a-f]{64}")
    note = p.text("note", required=False, max_length=1000)
    p.done()
    if (kind == "quarterly") != bool(quarter):
        raise RuleViolation(
            "a quarterly report names its quarter; the annual summary does not", rule="R10.6"
        )
    period = f"{year}-Q{quarter}" if kind == "quarterly" else str(year)
    if ctx.ledger.find(stream_id("report", department, kind, period)) is not None:
        raise ConflictError(f"{department} already submitted its {kind} report for {period}")
    report = ProgressReport(
        department=department,
        kind=kind,
        period=period,
        submitted_on=ctx.today.isoformat(),
        summary_sha256=digest,
        note=note,
    )
    return Outcome([report], {"department": department, "kind": kind, "period": period})


@command("review.settle", "Settle a 'needs judgement' verdict (discipline inspector, R10.4).")
def settle(ctx: Context) -> Outcome:
    ctx.require_role("discipline", rule="R10.4")
    p = ctx.params
    subject_p = p.nested("subject")
    subject = (
        {
            "kind": subject_p.choice("kind", ("object", "task", "person", "department")),
            "id": subject_p.text("id", max_length=64),
        }
        if subject_p
        else {}
    )
    party = p.text("party", max_length=64)
    verdict = p.choice("verdict", ("exempt", "accountable"))
    reasoning = p.text("reasoning", max_length=4000)
    evidence = p.raw.get("evidence", [])
    if not isinstance(evidence, list) or not all(
        isinstance(e, int) and not isinstance(e, bool) and e > 0 for e in evidence
    ):
        p.fail("evidence", "must be a list of log positions")
    elif any(e > ctx.ledger.head().position for e in evidence):
        p.fail("evidence", "names a position beyond the log's head")
    p.done()
    found = ctx.ledger.find(stream_id("review", subject["kind"], subject["id"]))
    review = found if isinstance(found, Review) else Review(subject=subject)
    review.settle(party=party, verdict=verdict, reasoning=reasoning, evidence=tuple(evidence))
    return Outcome([review], {"subject": subject, "party": party, "verdict": verdict})
