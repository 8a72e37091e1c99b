"""The two helpers every read uses: rows as dicts, and JSON columns decoded.

JSON columns are stored as text (``projections.batch.dumps``); a read names the
columns it decodes, and a NULL stays ``None``.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils


def rows(db: sqlite_utils.Database, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    return list(db.query(sql, params))


def decoded(row: dict[str, Any], *columns: str) -> dict[str, Any]:
    """``row`` with the named JSON text columns decoded, in the row's column order."""
    return {k: json.loads(v) if k in columns and isinstance(v, str) else v for k, v in row.items()}
