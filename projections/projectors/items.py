"""Item lists (抽查事项清单, R3): every version, and the current published items."""

from __future__ import annotations

import json
from typing import Any

from ledger.areas.items.events import ItemList
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


@on(ItemList.Created.TOPIC)
def item_list(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "item_list", s["department"])


@on(ItemList.VersionDrafted.TOPIC)
def item_draft(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    department, _ = b.ident(stream)
    b.execute(
        "INSERT OR REPLACE INTO item_versions VALUES (?,?,?,?,?,NULL,NULL)",
        (department, s["version"], s["reason"], s["note"], dumps(s["items"])),
    )
    b.execute(
        "INSERT OR REPLACE INTO documents VALUES ('item_list',?,0,?,?,?,NULL,0,?)",
        (
            department,
            s["version"],
            s["reason"],
            dumps({"note": s["note"], "items": s["items"]}),
            position,
        ),
    )
    b.touch("department", department, position)


@on(ItemList.VersionGrounded.TOPIC)
def item_grounded(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    """R3.5: the provincial joint list a joint-list version follows, and its standards
    and work rules, join the version's document (public once published)."""
    department, _ = b.ident(stream)
    (content,) = b.one(
        "SELECT content FROM documents WHERE kind = 'item_list' AND owner = ? AND year = 0 "
        "AND version = ?",
        (department, s["version"]),
    )
    grounded = {**json.loads(content), "follows": s["follows"], "standards": s["standards"]}
    b.execute(
        "UPDATE documents SET content = ? WHERE kind = 'item_list' AND owner = ? AND year = 0 "
        "AND version = ?",
        (dumps(grounded), department, s["version"]),
    )


@on(ItemList.VersionPublished.TOPIC)
def item_publish(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    department, _ = b.ident(stream)
    b.execute(
        "UPDATE item_versions SET published_on = ?, position = ? WHERE department = ? "
        "AND version = ?",
        (s["published_on"], position, department, s["version"]),
    )
    items = json.loads(
        b.one(
            "SELECT items FROM item_versions WHERE department = ? AND version = ?",
            (department, s["version"]),
        )[0]
    )
    b.execute(
        "UPDATE documents SET published_on = ?, public = 1, position = ? WHERE kind = "
        "'item_list' AND owner = ? AND year = 0 AND version = ?",
        (s["published_on"], position, department, s["version"]),
    )
    b.execute("DELETE FROM items WHERE department = ?", (department,))
    b.conn.executemany(
        "INSERT INTO items VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (
                department,
                i["code"],
                s["version"],
                i["name"],
                i["category"],
                i.get("ratio_cap"),
                i["object_type"],
                i.get("risk_grade"),
                s["published_on"],
            )
            for i in items
        ],
    )
    b.touch("department", department, position)
