"""Trails (R10.4): every entry that touched a subject, in order, and who signed it.

A read model across areas: every projector touches the objects, tasks, people and
departments an entry concerns (the ``trail`` table); the deadlines an entry opened or
met are judged as of the day asked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlite_utils

from ledger.errors import ValidationError
from ledger.i18n import _
from projections.acts import act_label
from projections.read.calendar import work_calendar
from projections.read.deadlines import DEADLINE_LABELS, judged
from projections.read.sql import rows

SUBJECT_KINDS = ("object", "task", "person", "department")


@dataclass
class TrailEntry:
    """One entry of a trail. ``time`` is when the log recorded it (UTC); ``act_date`` is
    the act's own date in the domain (the day checked, the result formed, the draw run
    ...), with ``act_date_label`` saying which, where the event has one."""

    position: int
    time: str
    act_date: str | None
    act_date_label: str | None
    topic: str
    action: str
    actor: str
    signer: str | None
    deadlines: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def trail_positions(db: sqlite_utils.Database, kind: str, subject: str) -> list[int]:
    return [
        r["position"]
        for r in db.query(
            "SELECT position FROM trail WHERE kind = ? AND subject = ? ORDER BY position",
            (kind, subject),
        )
    ]


def trail(
    db: sqlite_utils.Database,
    kind: str,
    subject: str,
    today: dt.date,
    *,
    limit: int | None = None,
    after: int = 0,
) -> list[TrailEntry]:
    """Every entry that touched the subject, in order, who signed it, and the deadlines
    it opened or met (R10.4)."""
    if kind not in SUBJECT_KINDS:
        raise ValidationError(
            _("unknown trail kind {kind!r}", kind=kind), {"kind": list(SUBJECT_KINDS)}
        )
    sql = (
        "SELECT e.position, e.time, d.date, e.topic, e.action, e.actor, k.holder FROM trail t "
        "JOIN entries e ON e.position = t.position LEFT JOIN keys k ON k.key_id = e.actor "
        "LEFT JOIN entry_dates d ON d.position = t.position "
        "WHERE t.kind = ? AND t.subject = ? AND t.position > ? ORDER BY t.position"
    )
    params: list[Any] = [kind, subject, after]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    found = [
        TrailEntry(
            r["position"],
            r["time"],
            r["date"],
            act_label(r["topic"]) if r["date"] else None,
            r["topic"],
            r["action"],
            r["actor"],
            r["holder"],
        )
        for r in db.query(sql, params)
    ]
    if not found:
        return found
    at = {e.position: e for e in found}
    marks = ",".join("?" * len(at))
    calendar = work_calendar(db)
    for row in db.query(
        f"SELECT * FROM deadlines WHERE position IN ({marks}) OR done_position IN ({marks})",
        [*at, *at],
    ):
        d = judged(row, calendar, today)
        label = DEADLINE_LABELS.get(d.kind, d.kind)
        if row["position"] in at:
            at[row["position"]].deadlines.append(f"{label}: due {d.due or '—'} ({d.status})")
        if row["done_position"] in at:
            at[row["done_position"]].deadlines.append(
                f"{label}: done {d.done}, due {d.due or '—'} ({d.status})"
            )
    return found


def subject_exists(db: sqlite_utils.Database, kind: str, subject: str) -> bool:
    table = {
        "object": ("objects", "id"),
        "task": ("tasks", "task"),
        "person": ("inspectors", "person"),
        "department": ("departments", "code"),
    }[kind]
    found = rows(db, f"SELECT 1 FROM {table[0]} WHERE {table[1]} = ?", (subject,))
    return bool(found) or bool(trail_positions(db, kind, subject))
