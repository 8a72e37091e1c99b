"""``body.*``: the register of qualified bodies (有资质的机构, R8.1) and the delegating
department's guidance, supervision and evaluation of them (R8.2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger import formats
from ledger.areas.bodies.events import (
    DELEGATED_OVERSIGHT,
    OVERSIGHT,
    OVERSIGHT_NAMES,
    RATINGS,
    SERVICES,
    QualifiedBody,
)
from ledger.areas.bodies.rules import INSPECTION_BASES, load_body, require_delegation
from ledger.areas.departments.rules import require_operator
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, NotFoundError, RuleViolationError
from ledger.fields import choice, date, nested, past_date, shape_of, text, text_list
from ledger.i18n import _
from ledger.params import Params
from ledger.roles import DEPARTMENT, OFFICE

BODY_ID = r"[A-Za-z0-9._-]{2,40}"
ITEM_REFERENCE = r"[A-Z][A-Z0-9_-]{1,19}:[A-Za-z0-9._-]{1,40}"


def read_delegation(p: Params | None) -> dict[str, str] | None:
    """The delegated check a record is of (R8.2), as ``body list`` shows it."""
    if p is None:
        return None
    return {
        "basis": p.choice("basis", INSPECTION_BASES),
        "reference": p.text("reference", max_length=200),
        "object": p.text("object", max_length=64),
        "item": p.text("item", max_length=80, pattern=ITEM_REFERENCE),
    }


@dataclass(frozen=True)
class RegisterBody(Command):
    """Register a qualified body: qualification, services, scope, validity (R8.1)."""

    ACTION = "body.register"
    ROLES = frozenset({OFFICE, DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/bodies")
    RULE = "R8.1"

    body: str = text(max_length=40, pattern=BODY_ID, description="The body's id in the register.")
    name: str = text(max_length=200)
    qualification: str = text(
        max_length=500, description="Its qualification, e.g. the CMA certificate (资质证书)."
    )
    services: tuple[str, ...] = text_list(
        choices=SERVICES,
        min_items=1,
        description="testing, audit, survey (检验检测、财务审计、调查咨询).",
    )
    scope: str = text(max_length=2000, description="The scope of the qualification (资质范围).")
    valid_from: str = date()
    valid_until: str = date()

    def check(self, params: Params) -> None:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            params.fail("valid_until", _("is before valid_from"))

    def handle(self, ctx: Context) -> Outcome:
        by = "office" if ctx.is_office else require_operator(ctx)
        if load_body(ctx, self.body) is not None:
            raise ConflictError(_("body {body} is already registered", body=self.body))
        body = QualifiedBody(
            body=self.body,
            name=self.name,
            qualification=self.qualification,
            services=tuple(self.services),
            scope=self.scope,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            registered_by=by,
        )
        return Outcome([body], {"body": self.body, "name": self.name})


@dataclass(frozen=True)
class OverseeBody(Command):
    """Record the delegating department's guidance, supervision or evaluation of a body (R8.2)."""

    ACTION = "body.oversee"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/bodies/{body}/oversight")
    RULE = "R8.2"

    body: str = text(max_length=40, pattern=BODY_ID)
    kind: str = choice(
        OVERSIGHT, description="guidance, supervision, evaluation (业务指导、监督检查、评价)."
    )
    held_on: str = past_date(description="The day of the guidance, supervision or evaluation.")
    finding: str = text(max_length=5000, description="What was found or advised.")
    rating: str = choice(RATINGS, required=False, description="An evaluation's rating.")
    delegation: dict[str, Any] | None = nested(
        read_delegation,
        required=False,
        description=(
            "The delegation supervised or evaluated (R8.2): the check that delegated testing, "
            "audit or survey to this body, as `body list` shows it (basis, reference, "
            "object, item). Required for a supervision or an evaluation from format 5."
        ),
        shape=shape_of(
            basis=choice(INSPECTION_BASES),
            reference=text(max_length=200),
            object=text(max_length=64),
            item=text(max_length=80, pattern=ITEM_REFERENCE),
        ),
    )

    def check(self, params: Params) -> None:
        if (self.kind == "evaluation") != bool(self.rating):
            params.fail("rating", _("an evaluation, and only an evaluation, carries a rating"))

    def handle(self, ctx: Context) -> Outcome:
        department = require_operator(ctx)
        found = load_body(ctx, self.body)
        if found is None:
            raise NotFoundError(_("no qualified body {body}", body=self.body), rule="R8.2")
        delegation = None
        if self.delegation is not None:
            delegation = require_delegation(ctx, found, department, self.delegation, self.held_on)
        elif self.kind in DELEGATED_OVERSIGHT and formats.since(ctx.ledger, 5):
            raise RuleViolationError(
                _(
                    "a {kind} ({kind_name}) of {name} cites the delegation it is of (the "
                    "check that delegated to it: body list shows them)",
                    kind=self.kind,
                    kind_name=OVERSIGHT_NAMES[self.kind],
                    name=found.name,
                ),
                rule="R8.2",
            )
        found.oversee(
            department=department,
            kind=self.kind,
            held_on=self.held_on,
            finding=self.finding,
            rating=self.rating or None,
            delegation=delegation,
        )
        return Outcome([found], {"body": self.body, "kind": self.kind, "department": department})


COMMANDS = (RegisterBody, OverseeBody)
