"""A canonical dump of a projection file, shared by the format-v1 fixture's generator
(``build_format_v1``, run at the old commit) and its test under the current code.

Every table but SQLite's own, each as its sorted column names and its rows as
column -> value objects, sorted by their canonical JSON; so two files dump alike
exactly when they hold the same tables, columns and rows, whatever their row order.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any


def dump_projections(path: Path) -> dict[str, Any]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        tables = {}
        # The name-search index is an index over ``publications`` (projections.store.SEARCH,
        # spelt out here: the generator runs at older commits), checked by FTS5's integrity
        # check, not a read model of its own.
        search = "publications_names"
        for name in (n for n in names if n != search and not n.startswith(f"{search}_")):
            cursor = connection.execute(f'SELECT * FROM "{name}"')
            columns = [d[0] for d in cursor.description]
            rows = [dict(zip(columns, values, strict=True)) for values in cursor]
            if any(isinstance(v, bytes) for row in rows for v in row.values()):
                raise ValueError(f"{name}: a BLOB value; this dump has no form for it")
            rows.sort(key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))
            tables[name] = {"columns": sorted(columns), "rows": rows}
        return tables
    finally:
        connection.close()
