"""Item lists (抽查事项清单, R3) and the county's joint item list (R3.5).

A list belongs to one department and is versioned: a version is drafted (and may be
re-drafted while unpublished), then published; a published version never changes.
Each version states its reason: the law's changes (立改废释: enact, amend, repeal,
interpret) or the needs of practical work (工作实际情况: practice), R3.4 as the source
words it -- any reason on any version.
Invariants: version numbers run 1, 2, ... without gaps; at most one unpublished
draft exists; only a draft can be published.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import item_list_id

OBJECT_TYPES = ("enterprise", "individual", "cooperative", "product", "project", "behaviour")
METHODS = ("on_site", "written", "online_monitoring", "delegated_testing")
CATEGORIES = ("general", "key")  # 一般 / 重点
RISK_GRADES = ("low", "medium", "high")
#: 立、改、废、释, and 工作实际情况 (R3.4: lists follow the law *and* practical work).
REASONS = ("enact", "amend", "repeal", "interpret", "practice")
REASON_NAMES = {
    "enact": "立",
    "amend": "改",
    "repeal": "废",
    "interpret": "释",
    "practice": "工作实际情况",
}
JOINT = "JOINT"  # the joint list's owner code (联合抽查事项清单)


class ItemList(Aggregate):
    TOPIC = "shuangsui.item_list"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.item_list.created"
        department: str

    class VersionDrafted(Aggregate.Event):
        TOPIC = "shuangsui.item_list.drafted"
        version: int
        reason: str
        note: str
        items: tuple[dict[str, Any], ...]

    class VersionGrounded(Aggregate.Event):
        """R3.5: the Sichuan provincial joint list a version of the county's joint list
        follows (按照四川省联合抽查事项清单), and its standards and work rules
        (标准和相关工作制度); recorded right after the version's draft."""

        TOPIC = "shuangsui.item_list.grounded"
        version: int
        follows: str
        standards: tuple[str, ...]

    class VersionPublished(Aggregate.Event):
        TOPIC = "shuangsui.item_list.published"
        version: int
        published_on: str

    @event(Created)
    def __init__(self, department: str) -> None:
        self.department = department
        self.versions: dict[int, dict[str, Any]] = {}
        self.draft: int | None = None
        self.published: int | None = None

    @staticmethod
    def create_id(department: str, **_: Any) -> UUID:
        return item_list_id(department)

    @event(VersionDrafted)
    def draft_version(
        self, version: int, reason: str, note: str, items: tuple[dict[str, Any], ...]
    ) -> None:
        self.versions[version] = {
            "version": version,
            "reason": reason,
            "note": note,
            "items": [dict(i) for i in items],
            "published_on": None,
        }
        self.draft = version

    @event(VersionGrounded)
    def ground(self, version: int, follows: str, standards: tuple[str, ...]) -> None:
        self.versions[version]["follows"] = follows
        self.versions[version]["standards"] = list(standards)

    @event(VersionPublished)
    def publish(self, version: int, published_on: str) -> None:
        self.versions[version]["published_on"] = published_on
        self.published = version
        self.draft = None

    def next_version(self) -> int:
        if self.draft is not None:
            return self.draft
        return (self.published or 0) + 1

    def current_items(self) -> dict[str, dict[str, Any]]:
        """The items of the latest published version, by code."""
        if self.published is None:
            return {}
        return {i["code"]: i for i in self.versions[self.published]["items"]}

    def as_dict(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "published": self.published,
            "draft": self.draft,
            "versions": [self.versions[v] for v in sorted(self.versions)],
        }
