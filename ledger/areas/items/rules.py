"""Published items and the general items' ratio caps (R3.2, R3.4)."""

from __future__ import annotations

from typing import Any

from ledger.areas.items.events import JOINT, ItemList
from ledger.commanding import Context
from ledger.errors import RuleViolationError
from ledger.i18n import _
from ledger.ids import item_list_id


def load_list(ctx: Context, department: str) -> ItemList | None:
    found = ctx.ledger.find(item_list_id(department))
    assert found is None or isinstance(found, ItemList)
    return found


def published_items(ctx: Context, department: str) -> dict[str, dict[str, Any]]:
    found = load_list(ctx, department)
    return {} if found is None else found.current_items()


def items_of(
    ctx: Context, department: str, codes: tuple[str, ...], *, rule: str, risk: bool = False
) -> list[dict[str, Any]]:
    """The department's published items with these codes; refuse any it does not have.
    ``risk``: each carries its ``risk_grade`` too (a task whose ratios follow the items'
    risk grades, R5.2; other tasks' items are recorded as they always were)."""
    published = published_items(ctx, department)
    missing = [c for c in codes if c not in published]
    if missing:
        raise RuleViolationError(
            _(
                "{department} has no published item {missing}; only items on a "
                "published list may be checked",
                department=department,
                missing=", ".join(missing),
            ),
            rule=rule,
        )
    return [
        {
            "department": department,
            "code": c,
            "name": published[c]["name"],
            "category": published[c]["category"],
            "ratio_cap": published[c]["ratio_cap"],
            "object_type": published[c]["object_type"],
            **({"risk_grade": published[c]["risk_grade"]} if risk else {}),
        }
        for c in codes
    ]


def check_caps(
    items: list[dict[str, Any]],
    ratios: dict[str, str],
    directed: dict[str, Any] | None,
    table: dict[str, dict[str, str]] | None = None,
) -> None:
    """A general item's sampling ratio may not exceed its published cap (R3.2): every
    ratio the task may draw with (per class, per cell of its ratio table, directed)."""
    from decimal import Decimal

    used = [(f"ratios.{c}", Decimal(r)) for c, r in ratios.items()]
    used += [
        (f"ratio_table.{c}.{g}", Decimal(r))
        for c, row in sorted((table or {}).items())
        for g, r in row.items()
    ]
    if directed is not None:
        used.append(("directed.ratio", Decimal(directed["ratio"])))
    for item in items:
        if item["category"] != "general":
            continue
        cap = Decimal(item["ratio_cap"])
        over = [name for name, ratio in used if ratio > cap]
        if over:
            raise RuleViolationError(
                _(
                    "{over} exceed the cap {ratio_cap} of general item {department}:{code}",
                    over=", ".join(over),
                    ratio_cap=item["ratio_cap"],
                    department=item["department"],
                    code=item["code"],
                ),
                rule="R3.2",
            )


def require_joint_listed(ctx: Context, items: list[dict[str, Any]]) -> None:
    """R3.6 (按照四川省联合抽查事项清单): once the office has published the county's joint
    item list, a joint task's items come from it; before that, from the departments'
    published lists alone."""
    joint = published_items(ctx, JOINT)
    if not joint:
        return
    missing = [
        f"{i['department']}:{i['code']}"
        for i in items
        if f"{i['department']}:{i['code']}" not in joint
    ]
    if missing:
        raise RuleViolationError(
            _(
                "{missing} not on the published joint item list; a joint task's items come from it",
                missing=", ".join(missing),
            ),
            rule="R3.6",
        )
