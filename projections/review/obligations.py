"""The joint visit's obligations in the duty review (进一次门、查多项事, R6.1, R6.6).

Every item on a drawn object's checklist is its department's obligation on the joint
visit: checked (or excused by the department with a recorded reason) it passes; still
open after the task's planned end it fails -- a procedural defect of the department
and of its inspectors sent to the object, never a verdict by itself; before then it is
pending. Obligations are judged per object and item, not per check (an unchecked item
has no check to review): :func:`review_obligations` gives them for a subject, with
the ``visited`` rule's findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.i18n import _
from projections.review.facts import Facts
from projections.review.rules import Finding


@dataclass
class ObligationReview:
    task: str
    draw: int
    object: str
    object_name: str | None
    item: str
    item_name: str | None
    department: str
    department_name: str | None
    due: str | None
    status: str  # checked | excused | due | overdue
    done: str | None
    reason: str | None
    sent: list[str]
    findings: list[Finding] = field(default_factory=list)


def _finding(row: dict[str, Any], sent: list[str]) -> Finding:
    status, item, obj = row["status"], row["item"], row["object"]
    if status == "checked":
        return Finding(
            "visited",
            "pass",
            _("{item} checked on {day}", item=item, day=row["checked_on"]),
            [row["department"]],
            [row["position"], row["check_position"]],
        )
    if status == "excused":
        return Finding(
            "visited",
            "pass",
            _(
                "{item} excused by {department} on {day}: {reason}",
                item=item,
                department=row["department"],
                day=row["excused_on"],
                reason=row["reason"],
            ),
            [row["department"]],
            [row["position"], row["excuse_position"]],
        )
    if status == "due":
        due = _("{item} due by {due}", item=item, due=row["due"])
        return Finding("visited", "pending", due, [], [row["position"]])
    return Finding(
        "visited",
        "fail",
        _(
            "overdue: {item} ({item_name}) not checked on the joint visit of {object} "
            "({object_name}), nor excused; due {due}",
            item=item,
            item_name=row.get("item_name") or item,
            object=obj,
            object_name=row.get("object_name") or obj,
            due=row["due"],
        ),
        [row["department"], *sent],
        [row["position"]],
    )


def review_obligations(facts: Facts, kind: str, subject: str) -> list[ObligationReview]:
    """The subject's obligations (an object's, a task's, a department's, or those of the
    objects a person was sent to for their department), each with its finding."""
    out = []
    for row in facts.obligations(kind, subject):
        sent = facts.sent(row["task"], row["draw"], row["object"], row["department"])
        out.append(
            ObligationReview(
                row["task"],
                row["draw"],
                row["object"],
                row.get("object_name"),
                row["item"],
                row.get("item_name"),
                row["department"],
                row.get("department_name"),
                row["due"],
                row["status"],
                row["checked_on"] or row["excused_on"],
                row["reason"],
                sent,
                [_finding(row, sent)],
            )
        )
    return out
