"""What a review command may name: subjects and parties that exist in the log (R10.4).

A settlement or an assessment for a subject or a party the log has never seen would be
signed and kept forever; on a format-2 ledger it is refused. Existence is read from the
log only: a department, a task and an inspector have a stream of their own; an object
is in a completed directory import or has a stream of its own changes.
"""

from __future__ import annotations

from ledger.areas.departments.events import Department
from ledger.areas.inspectors.events import Inspector
from ledger.areas.tasks.events import JointTask
from ledger.commanding import Context
from ledger.draw.world import DIRECTORY_TOPICS, fold
from ledger.errors import NotFoundError
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
