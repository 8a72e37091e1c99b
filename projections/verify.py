"""``shuangsui projections verify``: is the projection file what the log gives?

The read models are derived from the log and nothing else, so a file anyone tampered
with (a withheld result deleted from ``results``, a row edited) is found by replaying the
log into a scratch file up to the same position and comparing table by table, row by
row (issue 11, part 7). The first difference is named: the table, the row's key, what
the file holds and what the log gives.

Invariants: the file checked is not brought up to date first (that would hide nothing,
but it would check a different file); the scratch file is the caller's and is removed by
it; rows are compared in primary-key order, streamed, never all in memory.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, Any

from projections.runner import update
from projections.store import SCHEMA, SEARCH, Store, is_search_table

if TYPE_CHECKING:
    from ledger.application import Ledger


@dataclass(frozen=True)
class Difference:
    """The first place the projection file and the log's replay disagree."""

    table: str
    key: dict[str, Any] | None
    stored: dict[str, Any] | None
    rebuilt: dict[str, Any] | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "key": self.key,
            "stored": self.stored,
            "rebuilt": self.rebuilt,
            "reason": self.reason,
        }

    def describe(self) -> str:
        key = json.dumps(self.key, ensure_ascii=False, sort_keys=True) if self.key else "-"
        return (
            f"表 {self.table} 行 {key}：{self.reason} / table {self.table} row {key}: "
            f"{self.reason}; file: {_show(self.stored)}; log gives: {_show(self.rebuilt)}"
        )


def _show(row: dict[str, Any] | None) -> str:
    return "(none)" if row is None else json.dumps(row, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class ProjectionCheck:
    """What ``projections verify`` found."""

    position: int
    head: int
    tables: int
    rows: int
    difference: Difference | None

    def __bool__(self) -> bool:
        return self.difference is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.difference is None,
            "position": self.position,
            "head": self.head,
            "tables": self.tables,
            "rows": self.rows,
            "difference": None if self.difference is None else self.difference.as_dict(),
        }


def _tables(store: Store) -> list[str]:
    return sorted(t for t in store.db.table_names() if not is_search_table(t))


def _columns(store: Store, table: str) -> list[str]:
    return [c.name for c in store.db.table(table).columns]


def _order(table: str, columns: list[str]) -> list[str]:
    pk = SCHEMA.get(table, (None, None))[1]
    keys = [pk] if isinstance(pk, str) else list(pk or [])
    return [k for k in keys if k in columns] or columns


def _rows(store: Store, table: str, columns: list[str], order: list[str]) -> Iterator[Any]:
    names = ", ".join(f'"{c}"' for c in columns)
    by = ", ".join(f'"{c}"' for c in order)
    cursor = store.db.conn.execute(f'SELECT {names} FROM "{table}" ORDER BY {by}')
    yield from cursor


def compare(stored: Store, rebuilt: Store) -> tuple[Difference | None, int, int]:
    """The first difference table by table (in name order), and the tables and rows
    compared."""
    tables = rows = 0
    for table in sorted(set(_tables(stored)) | set(_tables(rebuilt))):
        if table not in _tables(stored) or table not in _tables(rebuilt):
            where = "the file" if table in _tables(stored) else "the log's replay"
            return Difference(table, None, None, None, f"only in {where}"), tables, rows
        columns = _columns(rebuilt, table)
        if _columns(stored, table) != columns:
            return (
                Difference(
                    table,
                    None,
                    {"columns": _columns(stored, table)},
                    {"columns": columns},
                    "columns differ",
                ),
                tables,
                rows,
            )
        order = _order(table, columns)
        tables += 1
        pairs = zip_longest(
            _rows(stored, table, columns, order), _rows(rebuilt, table, columns, order)
        )
        for mine, theirs in pairs:
            if mine == theirs:
                rows += 1
                continue
            a = None if mine is None else dict(zip(columns, mine, strict=True))
            b = None if theirs is None else dict(zip(columns, theirs, strict=True))
            key_of = a if b is None or (a is not None and _key(a, order) < _key(b, order)) else b
            key = {k: key_of[k] for k in order} if key_of is not None else None
            if a is not None and b is not None and _key(a, order) == _key(b, order):
                reason = "row differs (行内容不一致)"
            elif b is None or (a is not None and _key(a, order) < _key(b, order)):
                reason = "row not produced by the log (日志中无此行)"
                b = None
            else:
                reason = "row missing from the file (文件缺少此行)"
                a = None
            return Difference(table, key, a, b, reason), tables, rows
    if not search_index_sound(stored):
        reason = "search index does not match the rows it indexes (名称检索索引与数据不符)"
        return Difference(SEARCH, None, None, None, reason), tables, rows
    return None, tables, rows


def search_index_sound(store: Store) -> bool:
    """FTS5's own check of the name index against the ``publications`` rows (``rank`` 1:
    against the content table too), so a name hidden from the public search is found."""
    try:
        store.db.conn.execute(f"INSERT INTO {SEARCH}({SEARCH}, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError:
        return False
    return True


def _key(row: dict[str, Any], order: list[str]) -> tuple[tuple[int, Any], ...]:
    """SQLite's ORDER BY as a Python key: NULL < numbers < text < blobs."""

    def rank(value: Any) -> tuple[int, Any]:
        if value is None:
            return (0, 0)
        if isinstance(value, (int, float)):
            return (1, value)
        if isinstance(value, str):
            return (2, value.encode())
        return (3, bytes(value))

    return tuple(rank(row[k]) for k in order)


def verify_projections(ledger: Ledger, store: Store, scratch: Path) -> ProjectionCheck:
    """Replay the log into ``scratch`` up to the file's position and compare."""
    position, head = store.position(), ledger.head().position
    if position > head:
        beyond = Difference(
            "state",
            {"name": "log"},
            {"position": position},
            {"position": head},
            "the file claims entries the log does not hold (位置超出日志)",
        )
        return ProjectionCheck(position, head, 0, 0, beyond)
    fresh = Store(scratch)
    try:
        update(ledger, fresh, up_to=position)
        difference, tables, rows = compare(store, fresh)
    finally:
        fresh.close()
    return ProjectionCheck(position, head, tables, rows, difference)
