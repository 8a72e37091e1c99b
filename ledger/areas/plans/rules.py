"""Reading a plan's or task's scope, ratios and directed checks (R5.2, R5.3, R6.2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledger.areas.directory.events import CREDIT_CLASSES, OBJECT_KINDS
from ledger.areas.items.events import RISK_GRADES
from ledger.areas.plans.events import AnnualPlan
from ledger.commanding import Context
from ledger.errors import RuleViolationError, ValidationError
from ledger.fields import boolean, integer, nested, ratio, shape_of, text_list
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


def read_ratio_table(p: Params | None) -> dict[str, dict[str, str]] | None:
    """Sampling ratio per credit class × item risk grade (R5.2, 将随机抽查比例频次与抽查对象的
    信用等级、事项风险等级挂钩): every class A-D, each with low, medium and high."""
    if p is None:
        return None
    table: dict[str, dict[str, str]] = {}
    for credit in CREDIT_CLASSES:
        row = p.nested(credit)
        table[credit] = {g: row.ratio(g) for g in RISK_GRADES} if row is not None else {}
    return table


def read_directed(p: Params | None) -> dict[str, Any] | None:
    """Directed checks (定向抽查, R5.3): penalised in N years or with verified complaints."""
    if p is None:
        return None
    directed = {
        "ratio": p.ratio("ratio"),
        "penalty_years": p.integer("penalty_years", minimum=1, maximum=10),
        "min_complaints": p.integer("min_complaints", minimum=1, maximum=1000),
    }
    # Recorded only when asked for: directed checks without it read as they always did.
    if p.boolean("industries"):
        directed["industries"] = True
    return directed


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


def ratios(*, required: bool = True) -> Any:
    """The ``ratios`` field: a sampling ratio per credit class (R5.2)."""
    return nested(
        read_ratios,
        required=required,
        description="Sampling ratio per credit-risk class A-D, decimal text (R5.2)."
        + ("" if required else " Or ratio_table."),
        shape={c: ratio().metadata["spec"] for c in CREDIT_CLASSES},
    )


def ratio_table() -> Any:
    """The ``ratio_table`` field: a ratio per credit class and item risk grade (R5.2)."""
    row = shape_of(**{g: ratio() for g in RISK_GRADES})
    return nested(
        read_ratio_table,
        required=False,
        description="Sampling ratio per credit class A-D (rows) and item risk grade low, "
        "medium, high (columns), decimal text (R5.2, 信用等级×事项风险等级). An object's "
        "grade is the highest of the task's items for its kind. Instead of ratios.",
        shape={c: nested(read_ratio_table, shape=row).metadata["spec"] for c in CREDIT_CLASSES},
    )


def check_ratios(ratios: dict[str, str], table: dict[str, dict[str, str]] | None) -> None:
    """A task draws with ``ratios`` per credit class or a ``ratio_table`` (R5.2): one of
    the two, never both."""
    if bool(ratios) == bool(table):
        raise ValidationError(
            _(
                "give the sampling ratios per credit class (ratios) or per credit class "
                "and risk grade (ratio_table), one of the two"
            ),
            {"ratios": [_("one of ratios and ratio_table")]},
        )


def check_directed_ratio(
    ratios: dict[str, str],
    table: dict[str, dict[str, str]] | None,
    directed: dict[str, Any] | None,
) -> None:
    """R5.3 (定向抽查，增加抽查频次，加大抽查比例): the directed stratum takes objects out of
    their classes, so its ratio is above the highest ratio it overrides -- never below it,
    and equal only at 1 (everyone is drawn). Otherwise a penalised object would be
    less likely to be drawn than an ordinary D-class one (e.g. 1 of 53 directed against
    5 of 93 D-class)."""
    if directed is None:
        return
    used = [(f"ratios.{c}", Decimal(r)) for c, r in ratios.items()]
    used += [
        (f"ratio_table.{c}.{g}", Decimal(r))
        for c, row in (table or {}).items()
        for g, r in row.items()
    ]
    if not used:
        return
    name, highest = max(used, key=lambda u: u[1])
    mine = Decimal(directed["ratio"])
    if mine < highest or (mine == highest and mine < 1):
        raise RuleViolationError(
            _(
                "the directed-check ratio {ratio} must be above the highest ratio it "
                "overrides ({name} = {highest}): directed checks mean a higher ratio",
                ratio=directed["ratio"],
                name=name,
                highest=highest,
            ),
            rule="R5.3",
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
            industries=boolean(
                description="Also the objects of industries whose violations are "
                "concentrated by the office's threshold (违法违规行为相对集中的行业, "
                "credit.policy)."
            ),
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


def planned_ratios(
    ctx: Context, lead: str, year: int
) -> tuple[dict[str, str], dict[str, dict[str, str]] | None]:
    """The ratios of the lead's published annual plan for ``year`` (R5.2, R6.4): per
    credit class, and the ratio table when the plan entry has one; empty when there is
    no published plan (the task must then give its own)."""
    found = ctx.ledger.find(plan_id(lead, year))
    if not isinstance(found, AnnualPlan) or not found.published:
        return {}, None
    plan = found.versions[found.published]["plan"]
    return dict(plan.get("ratios") or {}), plan.get("ratio_table") or None
