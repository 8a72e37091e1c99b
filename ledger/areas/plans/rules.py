"""Reading a plan's or task's scope, ratios and directed checks (R5.2, R5.3, R6.2)."""

from __future__ import annotations

from typing import Any

from ledger.areas.directory.events import CREDIT_CLASSES, OBJECT_KINDS
from ledger.areas.plans.events import AnnualPlan
from ledger.commanding import Context
from ledger.errors import RuleViolationError
from ledger.fields import integer, nested, ratio, shape_of, text_list
from ledger.i18n import _
from ledger.ids import plan_id
from ledger.params import Params


def read_scope(p: Params | None) -> dict[str, Any]:
    """Which objects a plan or task covers (R6.2): empty lists mean no restriction."""
    if p is None:
        return {"kinds": [], "regions": [], "industries": []}
    return {
        "kinds": list(p.text_list("kinds", required=False, choices=OBJECT_KINDS)),
        "regions": list(p.text_list("regions", required=False)),
        "industries": list(p.text_list("industries", required=False)),
    }


def read_ratios(p: Params | None) -> dict[str, str]:
    """Sampling ratio per credit-risk class (R5.2): A, B, C and D, each 0..1."""
    if p is None:
        return {}
    return {c: p.ratio(c) for c in CREDIT_CLASSES}


def read_directed(p: Params | None) -> dict[str, Any] | None:
    """Directed checks (定向抽查, R5.3): penalised in N years or with verified complaints."""
    if p is None:
        return None
    return {
        "ratio": p.ratio("ratio"),
        "penalty_years": p.integer("penalty_years", minimum=1, maximum=10),
        "min_complaints": p.integer("min_complaints", minimum=1, maximum=1000),
    }


def scope() -> Any:
    """The ``scope`` field of a plan or task."""
    return nested(
        read_scope,
        required=False,
        description="Which objects (R6.2): kinds, regions, industries; empty means all.",
        shape=shape_of(
            kinds=text_list(required=False, choices=OBJECT_KINDS),
            regions=text_list(required=False),
            industries=text_list(required=False),
        ),
    )


def ratios() -> Any:
    """The ``ratios`` field: a sampling ratio per credit class (R5.2)."""
    return nested(
        read_ratios,
        description="Sampling ratio per credit-risk class A-D, decimal text (R5.2).",
        shape={c: ratio().metadata["spec"] for c in CREDIT_CLASSES},
    )


def directed() -> Any:
    """The ``directed`` field: directed checks (定向抽查, R5.3)."""
    return nested(
        read_directed,
        required=False,
        description="Directed checks (定向抽查, R5.3).",
        shape=shape_of(
            ratio=ratio(),
            penalty_years=integer(minimum=1, maximum=10),
            min_complaints=integer(minimum=1, maximum=1000),
        ),
    )


def plan_reference(lead: str, year: int) -> str:
    """How a task names the annual plan it carries out: ``DEPARTMENT/YEAR``."""
    return f"{lead}/{year}"


def plan_entry(
    ctx: Context, lead: str, year: int, plan: str | None, items: tuple[str, ...]
) -> None:
    """R7.6 (根据年度抽查检查工作计划): a joint task is linked to the annual plan it
    carries out. When the lead has published its plan for the task's year, the task names
    it (``DEPARTMENT/YEAR``) and its items are among the plan's; a task naming a plan
    that is not the lead's published plan of that year is refused. A task of a year with
    no published plan is accepted (the missing plan is on the deadline board)."""
    found = ctx.ledger.find(plan_id(lead, year))
    published = found if isinstance(found, AnnualPlan) and found.published else None
    expected = plan_reference(lead, year)
    if plan is None:
        if published is not None:
            raise RuleViolationError(
                _(
                    "{lead} has published its {year} plan: the task names the plan it "
                    "carries out (plan: {expected})",
                    lead=lead,
                    year=year,
                    expected=expected,
                ),
                rule="R7.6",
            )
        return
    if plan != expected or published is None:
        raise RuleViolationError(
            _(
                "plan {plan!r} is not a published annual plan of {lead} for {year} "
                "(expected {expected})",
                plan=plan,
                lead=lead,
                year=year,
                expected=expected,
            ),
            rule="R7.6",
        )
    version = published.published
    assert version is not None  # published, checked above
    planned = set(published.versions[version]["plan"]["items"])
    outside = [code for code in items if code not in planned]
    if outside:
        raise RuleViolationError(
            _(
                "{outside} not in {expected}; a task carries out its plan's items",
                outside=", ".join(outside),
                expected=expected,
            ),
            rule="R7.6",
        )
