"""What a review command may name: subjects and parties that exist in the log (R10.4).

A settlement or an assessment for a subject or a party the log has never seen would be
signed and kept forever; on a format-2 ledger it is refused. Existence is read from the
log only: a department, a task and an inspector have a stream of their own; an object
is in a completed directory import or has a stream of its own changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.areas.departments.events import Department
from ledger.areas.inspections.events import Inspection
from ledger.areas.inspectors.events import Inspector
from ledger.areas.reviews.events import ObjectProblems
from ledger.areas.tasks.events import JointTask
from ledger.commanding import Context
from ledger.draw.world import DIRECTORY_TOPICS, fold
from ledger.errors import NotFoundError, RuleViolationError
from ledger.i18n import _
from ledger.ids import department_id, inspector_id, object_id, task_id

#: The subject kinds and their Chinese names.
SUBJECT_KINDS = {
    "object": "检查对象",
    "task": "抽查任务",
    "person": "执法检查人员",
    "department": "部门",
}
#: The same subjects as words of a message (English, Chinese when rendered).
SUBJECT_WORDS = {
    "object": _("object"),
    "task": _("task"),
    "person": _("inspector"),
    "department": _("department"),
}


def object_known(ctx: Context, key: str) -> bool:
    """Whether the object is in the directory (a completed import or its own stream)."""
    if ctx.ledger.find(object_id(key)) is not None:
        return True
    return key in fold(ctx.ledger.topic_events(DIRECTORY_TOPICS)).directory.objects


def subject_known(ctx: Context, kind: str, ident: str) -> bool:
    if kind == "object":
        return object_known(ctx, ident)
    if kind == "task":
        return isinstance(ctx.ledger.find(task_id(ident)), JointTask)
    if kind == "person":
        return isinstance(ctx.ledger.find(inspector_id(ident)), Inspector)
    return isinstance(ctx.ledger.find(department_id(ident)), Department)


def party_kind(ctx: Context, party: str) -> str | None:
    """``department``, ``person`` or ``None`` if the log knows no such party."""
    if isinstance(ctx.ledger.find(department_id(party)), Department):
        return "department"
    if isinstance(ctx.ledger.find(inspector_id(party)), Inspector):
        return "person"
    return None


def require_subject(ctx: Context, kind: str, ident: str) -> None:
    if not subject_known(ctx, kind, ident):
        raise NotFoundError(
            _(
                "no {kind} {ident} in the log: a review must name a subject that exists",
                ident=ident,
                kind=SUBJECT_WORDS.get(kind, kind),
            ),
            rule="R10.4",
        )


def require_party(ctx: Context, party: str) -> str:
    kind = party_kind(ctx, party)
    if kind is None:
        raise NotFoundError(
            _(
                "no department or inspector {party} in the log: a verdict must name a "
                "party that exists",
                party=party,
            ),
            rule="R10.4",
        )
    return kind


#: A result that found a problem at the entity (as the duty review reads results).
PROBLEM_RESULTS = ("violation", "corrected")
_ANALYSIS_TOPICS = (
    Inspection.Created.TOPIC,
    Inspection.CheckRecorded.TOPIC,
    Inspection.ResultEntered.TOPIC,
    ObjectProblems.Created.TOPIC,
    ObjectProblems.Recorded.TOPIC,
)


@dataclass
class _Log:
    """What the analysis reads, from the log in one pass: each recorded check with its
    inspection's object, department and basis and the result entered for its item; per
    object, the later results finding a problem (item, position) and the recorded
    problems (item, day)."""

    checks: list[dict[str, Any]] = field(default_factory=list)
    violations: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    recorded: dict[str, list[tuple[str | None, str]]] = field(default_factory=dict)


def _read(ctx: Context) -> _Log:
    log = _Log()
    inspections: dict[str, dict[str, Any]] = {}
    problem_streams: dict[str, str] = {}
    results: dict[tuple[str, str], dict[str, Any]] = {}
    for position, stream, topic, state in ctx.ledger.topic_events(_ANALYSIS_TOPICS):
        if topic == Inspection.Created.TOPIC:
            inspections[stream] = state
        elif topic == Inspection.CheckRecorded.TOPIC and stream in inspections:
            log.checks.append({**inspections[stream], **state, "stream": stream, "at": position})
        elif topic == Inspection.ResultEntered.TOPIC and stream in inspections:
            results[(stream, state["item"])] = {**state, "position": position}
            if state["result"] in PROBLEM_RESULTS:
                found = log.violations.setdefault(inspections[stream]["object"], [])
                found.append((state["item"], position))
        elif topic == ObjectProblems.Created.TOPIC:
            problem_streams[stream] = state["object"]
        elif topic == ObjectProblems.Recorded.TOPIC and stream in problem_streams:
            found_on = log.recorded.setdefault(problem_streams[stream], [])
            found_on.append((state["item"], state["occurred_on"]))
    for check in log.checks:  # the result entered for the check's item, if any
        check["result"] = results.get((check["stream"], check["item"]))
    return log


def _present(check: dict[str, Any]) -> set[str]:
    """Who took part in a check: the inspectors present and who entered its result."""
    result = check["result"]
    return {*check["inspectors"], *([result["entered_by"]] if result else [])}


def _in_subject(check: dict[str, Any], kind: str, ident: str) -> bool:
    if kind == "object":
        return bool(check["object"] == ident)
    if kind == "task":
        basis: dict[str, Any] = check["basis"]
        return basis.get("kind") == "draw" and basis.get("task") == ident
    if kind == "person":
        return ident in _present(check)
    return bool(check["department"] == ident)


def _problem_after(log: _Log, check: dict[str, Any]) -> bool:
    """Whether the check's object turned out to have a problem after it: a later result
    of the item finding one, or a recorded problem of the item (or of none named) on or
    after the check day -- as ``projections.review.facts.Facts.problems_after`` reads it."""
    item, result = check["item"], check["result"]
    after = result["position"] if result else check["at"]
    if any(i == item and at > after for i, at in log.violations.get(check["object"], ())):
        return True
    return any(
        i in (item, "", None) and day >= check["checked_on"]
        for i, day in log.recorded.get(check["object"], ())
    )


def analysis_opened(ctx: Context, kind: str, ident: str, party: str) -> bool:
    """R10.4 (format 5): whether the 免责/问责 analysis is open for ``party`` in the
    review of the subject -- a check within the subject that ``party`` took part in (an
    inspector present or who entered its result; a department: its own inspection) found
    nothing, and its object then turned out to have a problem (a later result of that item
    finding one, or a recorded incident, verified complaint or violation of that item, or
    of none named, on or after the check day). As the duty review reads it
    (``projections/review``), here from the log alone."""
    log = _read(ctx)
    for check in log.checks:
        result = check["result"]
        if result is not None and result["result"] in PROBLEM_RESULTS:
            continue
        if party not in _present(check) and party != check["department"]:
            continue
        if _in_subject(check, kind, ident) and _problem_after(log, check):
            return True
    return False


def require_analysis(ctx: Context, kind: str, ident: str, party: str) -> None:
    """From format 5 an ``accountable`` settlement needs the analysis open for the party:
    a procedural lapse alone is a defect to be weighed, not a verdict (R10.4 as amended)."""
    if not analysis_opened(ctx, kind, ident, party):
        raise RuleViolationError(
            _(
                "no 免责/问责 analysis is open for {party} in the review of {kind} {ident}: "
                "accountable needs a market entity that turned out to have a problem after "
                "a check {party} took part in; a procedural lapse alone is a defect, not a "
                "verdict",
                party=party,
                kind=SUBJECT_WORDS.get(kind, kind),
                ident=ident,
            ),
            rule="R10.4",
        )
