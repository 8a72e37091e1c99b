"""Published item lists and annual plans: public to society (向社会公开, R3.4, R6.5).

The source has every published version of a list or plan published to society through
the provincial platform and the department's website, with no login; the ``documents``
table marks each published version ``public`` (drafts never are). The public pages read
them here; so does the API's unsigned ``GET /api/v1/public/documents``.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from projections.read.sql import decoded, rows

KINDS = ("item_list", "plan")
KIND_NAMES = {"item_list": "随机抽查事项清单", "plan": "年度抽查检查工作计划"}


def public_documents(
    db: sqlite_utils.Database, *, kind: str | None = None, owner: str | None = None
) -> list[dict[str, Any]]:
    """Every published version of a list (``item_list``) or plan (``plan``), in the order
    published, with the owner's name; never a draft."""
    where, params = ["d.public = 1"], []
    for name, value in (("d.kind", kind), ("d.owner", owner)):
        if value:
            where.append(f"{name} = ?")
            params.append(value)
    found = rows(
        db,
        "SELECT d.kind, d.owner, p.name AS owner_name, d.year, d.version, d.reason, d.content, "
        "d.published_on, d.public, d.position FROM documents d "
        "LEFT JOIN departments p ON p.code = d.owner WHERE "
        + " AND ".join(where)
        + " ORDER BY d.position",
        params,
    )
    return [
        {**decoded(r, "content"), "kind_name": KIND_NAMES[r["kind"]], "public": True} for r in found
    ]
