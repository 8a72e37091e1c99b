"""``items.*``: item lists (抽查事项清单) and the joint list (R3)."""

from __future__ import annotations

from typing import Any

from ledger.areas.departments.rules import load_department, require_operator
from ledger.areas.items.events import (
    CATEGORIES,
    JOINT,
    METHODS,
    OBJECT_TYPES,
    REASONS,
    RISK_GRADES,
    ItemList,
)
from ledger.areas.items.rules import load_list, published_items
from ledger.commanding import Context, Outcome, Params, command
from ledger.errors import ConflictError, NotFoundError, RuleViolation, ValidationError

ITEM_CODE = r"[A-Za-z0-9._-]{1,40}"


def read_item(p: Params, department: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "code": p.text("code", max_length=40, pattern=ITEM_CODE),
        "name": p.text("name", max_length=200),
        "legal_basis": p.text("legal_basis", max_length=1000),
        "subject": department,
        "object_type": p.choice("object_type", OBJECT_TYPES),
        "content": p.text("content", max_length=2000),
        "method": p.choice("method", METHODS),
        "category": p.choice("category", CATEGORIES),
        "risk_grade": p.choice("risk_grade", RISK_GRADES),
    }
    cap = p.raw.get("ratio_cap")
    if item["category"] == "general":
        if cap is None:
            p.fail("ratio_cap", "a general item needs a sampling-ratio cap (R3.2)")
        item["ratio_cap"] = p.ratio("ratio_cap", required=False)
    else:
        if cap is not None:
            p.fail("ratio_cap", "a key item has no cap (R3.2)")
        item["ratio_cap"] = None
    return item


def _draft(
    ctx: Context, owner: str, items: list[dict[str, Any]], reason: str, note: str
) -> Outcome:
    codes = [i["code"] for i in items]
    if len(set(codes)) != len(codes):
        raise ValidationError("item codes must be unique", {"items": ["duplicate codes"]})
    item_list = load_list(ctx, owner) or ItemList(department=owner)
    version = item_list.next_version()
    if version > 1 and reason == "enact":
        raise RuleViolation(
            "a later version says why the list changed: amend, repeal or interpret (立改废释)",
            rule="R3.4",
        )
    item_list.draft_version(version=version, reason=reason, note=note, items=tuple(items))
    return Outcome([item_list], {"department": owner, "version": version, "items": len(items)})


@command("items.draft", "Draft the next version of the department's item list.")
def draft(ctx: Context) -> Outcome:
    department = require_operator(ctx)
    p = ctx.params
    reason = p.choice("reason", REASONS)
    note = p.text("note", required=False, max_length=1000)
    items = [read_item(child, department) for child in p.items("items", max_items=5000)]
    if not items and not p.errors:
        p.fail("items", "a list has at least one item")
    p.done()
    return _draft(ctx, department, items, reason, note)


def _publish(ctx: Context, owner: str, version: int) -> Outcome:
    item_list = load_list(ctx, owner)
    if item_list is None or item_list.draft != version:
        raise ConflictError(f"{owner} has no draft version {version} to publish", rule="R3.4")
    item_list.publish(version=version, published_on=ctx.today.isoformat())
    return Outcome([item_list], {"department": owner, "version": version, "published": True})


@command("items.publish", "Publish the drafted version; it never changes afterwards.")
def publish(ctx: Context) -> Outcome:
    department = require_operator(ctx)
    version = ctx.params.integer("version", minimum=1)
    ctx.params.done()
    return _publish(ctx, department, version)


@command("items.draft_joint", "Draft the county's joint item list from published items (R3.5).")
def draft_joint(ctx: Context) -> Outcome:
    ctx.require_role("office", rule="R3.5")
    p = ctx.params
    reason = p.choice("reason", REASONS)
    note = p.text("note", required=False, max_length=1000)
    entries = p.items("entries", max_items=5000)
    refs = [(e.text("department", max_length=20), e.text("code", max_length=40)) for e in entries]
    p.done()
    items = []
    for department, code in refs:
        load_department(ctx, department)
        item = published_items(ctx, department).get(code)
        if item is None:
            raise NotFoundError(f"{department} has no published item {code}", rule="R3.5")
        items.append(
            {**item, "code": f"{department}:{code}", "department": department, "item": code}
        )
    if not items:
        raise ValidationError("the joint list needs entries", {"entries": ["is empty"]})
    return _draft(ctx, JOINT, items, reason, note)


@command("items.publish_joint", "Publish the joint item list's draft.")
def publish_joint(ctx: Context) -> Outcome:
    ctx.require_role("office", rule="R3.5")
    version = ctx.params.integer("version", minimum=1)
    ctx.params.done()
    return _publish(ctx, JOINT, version)
