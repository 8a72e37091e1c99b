"""Inspector directory changes: a department proposes, the judicial department decides (R4.2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid5

from ledger import formats
from ledger.areas.departments.rules import require_operator
from ledger.areas.inspectors.events import ACTIONS, Inspector
from ledger.areas.inspectors.rules import inspector_row_problems
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from ledger.fields import boolean, choice, custom, shape_of, text
from ledger.i18n import _
from ledger.ids import NAMESPACE, inspector_id
from ledger.params import Params
from ledger.roles import DEPARTMENT, JUDICIAL


def load_inspector(ctx: Context, person: str) -> Inspector | None:
    found = ctx.ledger.find(inspector_id(person))
    assert found is None or isinstance(found, Inspector)
    return found


@dataclass(frozen=True)
class ProposeInspectors(Command):
    """Propose enrolling, updating or retiring inspectors (rows attached)."""

    ACTION = "inspectors.propose"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/inspectors/proposals", attachment="rows")

    action: str = choice(ACTIONS)
    rows_digest: str = text(max_length=64, pattern=r"[0-9a-f]{64}")

    def handle(self, ctx: Context) -> Outcome:
        return propose(ctx, self.action)


def propose(ctx: Context, action: str) -> Outcome:
    department = require_operator(ctx)
    rows = ctx.attached_rows()
    if not rows or len(rows) > 5000:
        raise ValidationError(
            _("attach 1 to 5000 inspector rows"), {"attachment": [str(len(rows))]}
        )
    errors: dict[str, list[str]] = {}
    people = [str(r.get("id")) for r in rows]
    if len(set(people)) != len(people):
        errors["rows"] = ["the same person appears twice"]
    aggregates, proposals = [], {}
    for i, row in enumerate(rows):
        problems = inspector_row_problems(
            row, department, source_fields=action != "retire" and formats.since(ctx.ledger, 2)
        )
        person = str(row.get("id"))
        existing = load_inspector(ctx, person)
        if action == "enrol" and existing is not None and (existing.active or existing.pending):
            problems.append(_("already enrolled or pending; propose an update instead"))
        if action != "enrol" and (existing is None or existing.department != department):
            problems.append(
                _("not an inspector of {department}; enrol first", department=department)
            )
        if problems:
            errors[f"rows[{i}]"] = problems
            continue
        record = existing or Inspector(person=person)
        proposal = str(uuid5(NAMESPACE, f"{ctx.authorisation.digest}/{person}"))
        record.propose(proposal=proposal, department=department, action=action, fields=row)
        aggregates.append(record)
        proposals[person] = proposal
    if errors:
        raise ValidationError(_("inspector rows that cannot be proposed"), errors, rule="R4.2")
    return Outcome(aggregates, {"action": action, "proposals": proposals})


def read_decisions(p: Params, name: str) -> list[tuple[str, str, bool, str]]:
    """Each decision: the person, the proposal, approve or not, and a rejection's reason."""
    return [
        (
            d.text("person", max_length=40),
            d.text("proposal", max_length=64),
            d.boolean("approve"),
            d.text("reason", required=False, max_length=500),
        )
        for d in p.items(name, max_items=5000)
    ]


@dataclass(frozen=True)
class DecideInspectors(Command):
    """Approve or reject proposed inspector changes (judicial key)."""

    ACTION = "inspectors.decide"
    ROLES = frozenset({JUDICIAL})
    ROUTE = Route("POST", "/api/v1/inspectors/decisions")

    decisions: list[Any] = custom(
        "objects",
        read_decisions,
        shape=shape_of(
            person=text(max_length=40),
            proposal=text(max_length=64),
            approve=boolean(),
            reason=text(required=False, max_length=500),
        ),
    )

    @classmethod
    def authorise(cls, ctx: Context) -> None:
        if ctx.actor is None or "judicial" not in ctx.actor.roles:
            raise PermissionDeniedError(
                _("inspector-directory changes are decided by the judicial department's key"),
                rule="R4.2",
            )

    def handle(self, ctx: Context) -> Outcome:
        return decide(ctx, self.decisions)


def decide(ctx: Context, decisions: list[tuple[str, str, bool, str]]) -> Outcome:
    aggregates: dict[str, Inspector] = {}
    outcome: dict[str, str] = {}
    for person, proposal, approve, reason in decisions:
        record = aggregates.get(person) or load_inspector(ctx, person)
        if record is None or proposal not in record.pending:
            raise NotFoundError(
                _("no pending proposal {proposal} for {person}", proposal=proposal, person=person),
                rule="R4.2",
            )
        if not approve and not reason:
            raise ValidationError(
                _("a rejection states its reason"), {"reason": [_("is required")]}
            )
        if approve:
            record.approve(proposal=proposal, approver=ctx.actor_id)
        else:
            record.reject(proposal=proposal, approver=ctx.actor_id, reason=reason)
        aggregates[person] = record
        outcome[person] = "approved" if approve else "rejected"
    if not aggregates:
        raise ConflictError(_("no decisions given"))
    return Outcome(list(aggregates.values()), {"decisions": outcome})


COMMANDS = (ProposeInspectors, DecideInspectors)
