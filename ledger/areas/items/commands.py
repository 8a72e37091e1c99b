"""``items.*``: item lists (抽查事项清单) and the joint list (R3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger import formats
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
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, NotFoundError, ValidationError
from ledger.fields import choice, custom, integer, optional_text, ratio, shape_of, text, text_list
from ledger.i18n import _
from ledger.params import Params
from ledger.roles import DEPARTMENT, OFFICE

ITEM_CODE = r"[A-Za-z0-9._-]{1,40}"

#: One item of a list, as the API documents it (R3.1).
ITEM = shape_of(
    code=text(max_length=40, pattern=ITEM_CODE),
    name=text(max_length=200),
    legal_basis=text(max_length=1000),
    object_type=choice(OBJECT_TYPES),
    content=text(max_length=2000),
    method=choice(METHODS),
    category=choice(CATEGORIES),
    risk_grade=choice(RISK_GRADES),
    ratio_cap=ratio(required=False),
)


def read_item(p: Params) -> dict[str, Any]:
    """One item; its ``subject`` (the department) is filled in by the handler."""
    item: dict[str, Any] = {
        "code": p.text("code", max_length=40, pattern=ITEM_CODE),
        "name": p.text("name", max_length=200),
        "legal_basis": p.text("legal_basis", max_length=1000),
        "subject": None,
        "object_type": p.choice("object_type", OBJECT_TYPES),
        "content": p.text("content", max_length=2000),
        "method": p.choice("method", METHODS),
        "category": p.choice("category", CATEGORIES),
        "risk_grade": p.choice("risk_grade", RISK_GRADES),
    }
    cap = p.raw.get("ratio_cap")
    if item["category"] == "general":
        if cap is None:
            p.fail("ratio_cap", _("a general item needs a sampling-ratio cap (R3.2)"))
        item["ratio_cap"] = p.ratio("ratio_cap", required=False)
    else:
        if cap is not None:
            p.fail("ratio_cap", _("a key item has no cap (R3.2)"))
        item["ratio_cap"] = None
    return item


def read_items(p: Params, name: str) -> list[dict[str, Any]]:
    items = [read_item(child) for child in p.items(name, max_items=5000)]
    if not items and not p.errors:
        p.fail(name, _("a list has at least one item"))
    return items


def read_entries(p: Params, name: str) -> list[tuple[str, str]]:
    """The joint list's entries: (department, code) of items on published lists."""
    return [
        (e.text("department", max_length=20), e.text("code", max_length=40))
        for e in p.items(name, max_items=5000)
    ]


def _draft(
    ctx: Context,
    owner: str,
    items: list[dict[str, Any]],
    reason: str,
    note: str,
    follows: str | None = None,
    standards: tuple[str, ...] = (),
) -> Outcome:
    """The next version's draft; with ``follows`` (the joint list, R3.5) also the
    provincial list it follows and its standards and work rules."""
    codes = [i["code"] for i in items]
    if len(set(codes)) != len(codes):
        raise ValidationError(_("item codes must be unique"), {"items": [_("duplicate codes")]})
    item_list = load_list(ctx, owner) or ItemList(department=owner)
    # R3.4: any reason on any version (the source names the law's changes and the needs
    # of practical work, 工作实际情况, without tying a reason to a version).
    version = item_list.next_version()
    item_list.draft_version(version=version, reason=reason, note=note, items=tuple(items))
    result: dict[str, Any] = {"department": owner, "version": version, "items": len(items)}
    if follows is not None:
        item_list.ground(version=version, follows=follows, standards=standards)
        result["follows"] = follows
    return Outcome([item_list], result)


def _publish(ctx: Context, owner: str, version: int) -> Outcome:
    item_list = load_list(ctx, owner)
    if item_list is None or item_list.draft != version:
        raise ConflictError(
            _("{owner} has no draft version {version} to publish", owner=owner, version=version),
            rule="R3.4",
        )
    item_list.publish(version=version, published_on=ctx.today.isoformat())
    return Outcome([item_list], {"department": owner, "version": version, "published": True})


@dataclass(frozen=True)
class DraftItems(Command):
    """Draft the next version of the department's item list."""

    ACTION = "items.draft"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/item-lists/drafts")

    reason: str = choice(REASONS)
    note: str = text(required=False, max_length=1000)
    items: list[dict[str, Any]] = custom("objects", read_items, shape=ITEM)

    def handle(self, ctx: Context) -> Outcome:
        department = require_operator(ctx)
        items = [{**item, "subject": department} for item in self.items]
        return _draft(ctx, department, items, self.reason, self.note)


@dataclass(frozen=True)
class PublishItems(Command):
    """Publish the drafted version; it never changes afterwards."""

    ACTION = "items.publish"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/item-lists/publications")

    version: int = integer(minimum=1)

    def handle(self, ctx: Context) -> Outcome:
        return _publish(ctx, require_operator(ctx), self.version)


@dataclass(frozen=True)
class DraftJointItems(Command):
    """Draft the county's joint item list from published items, following the Sichuan
    provincial joint list, with its standards and work rules (R3.5)."""

    ACTION = "items.draft_joint"
    ROLES = frozenset({OFFICE})
    ROUTE = Route("POST", "/api/v1/joint-item-list/drafts")
    RULE = "R3.5"

    reason: str = choice(REASONS)
    note: str = text(required=False, max_length=1000)
    entries: list[tuple[str, str]] = custom(
        "objects",
        read_entries,
        shape=shape_of(department=text(max_length=20), code=text(max_length=40)),
    )
    follows: str | None = optional_text(
        max_length=300,
        description="所依据的四川省联合抽查事项清单 the provincial joint list this version "
        "follows (its title and document number); required from format 5 (R3.5)",
    )
    standards: tuple[str, ...] = text_list(
        required=False,
        description="标准和相关工作制度 the standards and work rules adopted with it (titles)",
    )

    def handle(self, ctx: Context) -> Outcome:
        if self.follows is None and formats.since(ctx.ledger, 5):
            raise ValidationError(
                _("invalid parameters"),
                {
                    "follows": [
                        _(
                            "is required: the county's joint list follows the Sichuan "
                            "provincial joint list (R3.5)"
                        )
                    ]
                },
            )
        if self.standards and self.follows is None:
            raise ValidationError(
                _("invalid parameters"),
                {"standards": [_("go with the provincial list the version follows (follows)")]},
            )
        items = []
        for department, code in self.entries:
            load_department(ctx, department)
            item = published_items(ctx, department).get(code)
            if item is None:
                raise NotFoundError(
                    _(
                        "{department} has no published item {code}",
                        department=department,
                        code=code,
                    ),
                    rule="R3.5",
                )
            items.append(
                {**item, "code": f"{department}:{code}", "department": department, "item": code}
            )
        if not items:
            raise ValidationError(_("the joint list needs entries"), {"entries": [_("is empty")]})
        return _draft(ctx, JOINT, items, self.reason, self.note, self.follows, self.standards)


@dataclass(frozen=True)
class PublishJointItems(Command):
    """Publish the joint item list's draft."""

    ACTION = "items.publish_joint"
    ROLES = frozenset({OFFICE})
    ROUTE = Route("POST", "/api/v1/joint-item-list/publications")
    RULE = "R3.5"

    version: int = integer(minimum=1)

    def handle(self, ctx: Context) -> Outcome:
        return _publish(ctx, JOINT, self.version)


COMMANDS = (DraftItems, PublishItems, DraftJointItems, PublishJointItems)
