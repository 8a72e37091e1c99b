"""``result.*``: enter, publish, withhold and follow up results (R9.1, R9.2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger import formats
from ledger.areas.directory.uscc import uscc_problem
from ledger.areas.inspections import rules
from ledger.areas.inspections.events import FOLLOW_UPS, RESULTS, Inspection, basis_reference
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, NotFoundError, PermissionDeniedError, RuleViolationError
from ledger.fields import choice, optional_text, past_date, text, text_list
from ledger.i18n import _
from ledger.ids import inspection_id
from ledger.roles import DEPARTMENT, INSPECTOR

CHANNELS = ("national_enterprise_credit_publicity", "credit_sharing_platform")
#: R9.1's two channels as the source names them.
CHANNEL_NAMES = {
    "national_enterprise_credit_publicity": "国家企业信用信息公示系统（四川）",
    "credit_sharing_platform": "全国信用信息共享平台（四川）",
}


def _inspection(ctx: Context, basis: dict[str, Any], obj: str) -> Inspection:
    found = ctx.ledger.find(inspection_id(basis["kind"], basis_reference(basis), obj))
    if not isinstance(found, Inspection):
        raise NotFoundError(
            _("no inspection of {obj} on that basis; record the check first", obj=obj)
        )
    return found


@dataclass(frozen=True)
class EnterResult(Command):
    """Enter the result for an item; only an assigned inspector may (R9.1)."""

    ACTION = "result.enter"
    ROLES = frozenset({INSPECTOR})
    ROUTE = Route("POST", "/api/v1/results")

    basis: dict[str, Any] = rules.basis()
    object: str = text(max_length=64)
    item: tuple[str, str] = rules.item_reference()
    result: str = choice(tuple(RESULTS))
    details: str = text(required=False, max_length=2000)
    formed_on: str = past_date()

    @classmethod
    def authorise(cls, ctx: Context) -> None:
        if ctx.actor is None or "inspector" not in ctx.actor.roles:
            raise PermissionDeniedError(
                _(
                    "only an inspector who checked the object enters its result; key "
                    "{actor_id} is no inspector's",
                    actor_id=ctx.actor_id,
                ),
                rule="R9.1",
            )

    def handle(self, ctx: Context) -> Outcome:
        basis, obj, result = self.basis, self.object, self.result
        department, item = self.item
        person = ctx.actor.person if ctx.actor is not None else None
        inspection = _inspection(ctx, basis, obj)
        team = rules.team_of(ctx, basis, obj)
        checked_by = {i for c in inspection.checks for i in c["inspectors"]}
        allowed = team if team is not None else sorted(checked_by)
        if person is None or person not in allowed:
            raise PermissionDeniedError(
                _(
                    "only an inspector assigned to {obj} enters its result; key {actor_id} "
                    "is {holder}",
                    obj=obj,
                    actor_id=ctx.actor_id,
                    holder=person or "-",
                ),
                rule="R9.1",
            )
        key = f"{department}:{item}"
        if key in inspection.results:
            raise ConflictError(_("the result for {key} was already entered", key=key))
        if not any(c["item"] == key for c in inspection.checks):
            raise ConflictError(
                _("no check of {key} on {obj} is recorded", key=key, obj=obj), rule="R8.1"
            )
        present = rules.present_at(inspection, key)
        if formats.since(ctx.ledger, 3) and person not in present:
            # 谁检查、谁录入 per item: on a joint visit each department's inspectors
            # check its own items; a team member who was not at this item's check
            # does not enter its result.
            raise PermissionDeniedError(
                _(
                    "{person} was not present at the check of {key} on {obj} and cannot "
                    "enter its result; present: {present}",
                    person=person,
                    obj=obj,
                    key=key,
                    present=", ".join(present),
                ),
                rule="R9.1",
            )
        rules.check_formed_after_check(ctx, inspection, key, self.formed_on)
        inspection.enter_result(
            item=key,
            department=department,
            result=result,
            details=self.details,
            formed_on=self.formed_on,
            entered_by=person,
        )
        return Outcome([inspection], {"object": obj, "item": key, "result": result})


@dataclass(frozen=True)
class _Decision(Command):
    """A decision on an entered result, taken by the inspecting department (R9.1)."""

    basis: dict[str, Any] = rules.basis()
    object: str = text(max_length=64)
    item: tuple[str, str] = rules.item_reference()

    def decided(self, ctx: Context) -> tuple[Inspection, str, str]:
        """The inspection, the item key and the department; the department's own
        result, entered already."""
        department, item = self.item
        key = f"{department}:{item}"
        inspection = _inspection(ctx, self.basis, self.object)
        ctx.require_department(department, rule="R9.1")
        if key not in inspection.results:
            raise ConflictError(
                _("no result for {key} on {object} yet", key=key, object=self.object), rule="R9.1"
            )
        return inspection, key, department


@dataclass(frozen=True)
class PublishResult(_Decision):
    """Publish a result; the inspecting department does (谁检查谁公开, R9.1)."""

    ACTION = "result.publish"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/results/publications")

    published_on: str = past_date()
    channels: tuple[str, ...] = text_list(
        required=False,
        choices=CHANNELS,
        description="国家企业信用信息公示系统 and 全国信用信息共享平台 (default: both).",
    )
    channel_reason: str | None = optional_text(
        max_length=1000,
        description="Why a market entity's result goes out on fewer than both channels (R9.1).",
    )

    def handle(self, ctx: Context) -> Outcome:
        inspection, key, department = self.decided(ctx)
        on, channels = self.published_on, self.channels or CHANNELS
        if key in inspection.publication:
            raise ConflictError(
                _("{key} on {object} was already decided", key=key, object=inspection.object)
            )
        rules.check_published_after_forming(ctx, inspection, key, on)
        missing = [c for c in CHANNELS if c not in channels]
        if missing and not self.channel_reason and formats.since(ctx.ledger, 2):
            # A market entity is identified by its 统一社会信用代码 (R4.1); other objects
            # (products, projects, behaviours) by ids that are not valid codes.
            if uscc_problem(inspection.object) is None:
                raise RuleViolationError(
                    _(
                        "a market entity's result is published on both the National Enterprise "
                        "Credit Information Publicity System and the National Credit Information "
                        "Sharing Platform; {missing} is left out without a recorded reason "
                        "(channel_reason)",
                        missing=", ".join(CHANNEL_NAMES[c] for c in missing),
                    ),
                    rule="R9.1",
                )
        inspection.publish(
            item=key,
            department=department,
            published_on=on,
            channels=channels,
            channel_reason=self.channel_reason or "",
        )
        return Outcome([inspection], {"object": inspection.object, "item": key, "published_on": on})


@dataclass(frozen=True)
class WithholdResult(_Decision):
    """Withhold a result from publication, with its legal basis (R9.1)."""

    ACTION = "result.withhold"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/results/withholdings")

    legal_basis: str = text(max_length=1000)
    decided_on: str = past_date()

    def handle(self, ctx: Context) -> Outcome:
        inspection, key, department = self.decided(ctx)
        if key in inspection.publication:
            raise ConflictError(
                _("{key} on {object} was already decided", key=key, object=inspection.object)
            )
        inspection.withhold(
            item=key,
            department=department,
            legal_basis=self.legal_basis,
            decided_on=self.decided_on,
        )
        return Outcome([inspection], {"object": inspection.object, "item": key, "withheld": True})


@dataclass(frozen=True)
class FollowUpResult(_Decision):
    """Record a violation's penalty case or judicial referral (R9.2)."""

    ACTION = "result.follow_up"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/results/follow-ups")

    kind: str = choice(FOLLOW_UPS)
    reference: str = text(max_length=200)
    on: str = past_date()

    def handle(self, ctx: Context) -> Outcome:
        inspection, key, __ = self.decided(ctx)
        inspection.follow_up(item=key, kind=self.kind, reference=self.reference, on=self.on)
        return Outcome([inspection], {"object": inspection.object, "item": key, "kind": self.kind})


COMMANDS = (EnterResult, PublishResult, WithholdResult, FollowUpResult)
