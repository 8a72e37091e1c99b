"""``plans.*``: annual plans (年度抽查计划, R6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ledger import formats
from ledger.areas.departments.rules import load_department, require_operator
from ledger.areas.items.events import REASONS
from ledger.areas.items.rules import check_caps, items_of
from ledger.areas.plans import rules
from ledger.areas.plans.events import AnnualPlan
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, ValidationError
from ledger.fields import choice, date, integer, text, text_list
from ledger.i18n import _
from ledger.ids import plan_id
from ledger.roles import DEPARTMENT


@dataclass(frozen=True)
class DraftPlan(Command):
    """Draft the department's annual plan for a year (R6.4)."""

    ACTION = "plans.draft"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/plans/{year:int}/drafts")

    year: int = integer(minimum=2000, maximum=2100)
    reason: str = choice(REASONS)
    name: str = text(max_length=200)
    items: tuple[str, ...] = text_list(min_items=1)
    scope: dict[str, Any] = rules.scope()
    method: str = text(max_length=500)
    ratios: dict[str, str] = rules.ratios(required=False)
    ratio_table: dict[str, dict[str, str]] | None = rules.ratio_table()
    directed: dict[str, Any] | None = rules.directed()
    quantity: int = integer(minimum=0)
    participants: tuple[str, ...] = text_list(required=False)
    start: str = date()
    end: str = date()

    def handle(self, ctx: Context) -> Outcome:
        department = require_operator(ctx)
        plan: dict[str, Any] = {
            "name": self.name,
            "items": list(self.items),
            "scope": self.scope,
            "method": self.method,
            "ratios": self.ratios,
            "directed": self.directed,
            "quantity": self.quantity,
            "lead": department,
            "participants": list(self.participants),
            "start": self.start,
            "end": self.end,
        }
        table = self.ratio_table or None
        if plan["start"] > plan["end"]:
            raise ValidationError(_("the plan ends before it starts"), {"end": [_("before start")]})
        if formats.since(ctx.ledger, 4):
            # R5.2 (format 4): a plan entry's ratios per credit class, or per credit class
            # and item risk grade; the tasks that carry it out take them.
            rules.check_ratios(self.ratios, table)
            if table:
                # Only a plan that has one records it: older plans' events stay as they were.
                plan["ratio_table"] = table
        elif table:
            raise ValidationError(
                _(
                    "a plan's ratio table (ratio_table) needs a format-4 ledger; give ratios "
                    "per credit class"
                ),
                {"ratio_table": [_("before format 4")]},
            )
        elif not self.ratios:
            raise ValidationError(
                _("give the sampling ratios per credit class (ratios)"),
                {"ratios": [_("missing")]},
            )
        for other in plan["participants"]:
            load_department(ctx, other)
        check_caps(
            items_of(ctx, department, tuple(plan["items"]), rule="R6.1", risk=bool(table)),
            plan["ratios"],
            plan["directed"],
            table,
        )
        if formats.since(ctx.ledger, 3):
            rules.check_directed_ratio(plan["ratios"], table, plan["directed"])
        year = self.year
        found = ctx.ledger.find(plan_id(department, year))
        annual = (
            found if isinstance(found, AnnualPlan) else AnnualPlan(department=department, year=year)
        )
        version = annual.next_version()
        annual.draft_version(version=version, reason=self.reason, plan=plan)
        return Outcome([annual], {"department": department, "year": year, "version": version})


@dataclass(frozen=True)
class PublishPlan(Command):
    """Publish a plan; a year's first version after 31 January is recorded late, an
    adjustment during the year never is (R6.5: 年度计划可动态调整)."""

    ACTION = "plans.publish"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/plans/{year:int}/publications")

    year: int = integer(minimum=2000, maximum=2100)
    version: int = integer(minimum=1)

    def handle(self, ctx: Context) -> Outcome:
        department = require_operator(ctx)
        year, version = self.year, self.version
        found = ctx.ledger.find(plan_id(department, year))
        if not isinstance(found, AnnualPlan) or found.draft != version:
            raise ConflictError(
                _(
                    "{department} has no draft version {version} of its {year} plan",
                    department=department,
                    version=version,
                    year=year,
                )
            )
        today = ctx.today
        # An adjustment during the year is not late (format 2); format 1 judged every version.
        first = found.published is None or not formats.since(ctx.ledger, 2)
        late = first and today > dt.date(year, 1, 31)
        found.publish(version=version, published_on=today.isoformat(), late=late)
        return Outcome(
            [found], {"department": department, "year": year, "version": version, "late": late}
        )


COMMANDS = (DraftPlan, PublishPlan)
