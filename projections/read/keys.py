"""Registered keys: holder, roles, organisation, person, status (R10.1)."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from projections.read.sql import decoded, rows


def keys(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every registered key, its holder, roles and status, by key id."""
    return [decoded(r, "roles") for r in rows(db, "SELECT * FROM keys ORDER BY key_id")]
