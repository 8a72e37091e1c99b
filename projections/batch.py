"""The projectors' shared machinery: one batch of log entries applied in one transaction.

:class:`Batch` buffers the hot inserts (entries, trail, stream identities) and writes
them in bulk at :meth:`Batch.flush`; :func:`apply_rows` records each entry and hands its
event to the handler for its topic. Each area's projector
(:mod:`projections.projectors`) builds its own topic -> handler table with
:class:`Handlers`; :mod:`projections.projectors` merges them, so nothing registers by
importing a module.

Invariants: handlers read and write only the projection database, so applying entries
1..n in one run or in many runs gives the same tables; an entry's actor is its
command's signer, or (for an event the ledger derived) the actor of the entry before it;
every entry touches its signer's person and department on the trail.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ledger.audit.errors import EvidenceError
from ledger.audit.evidence import RouteTable, parse_evidence
from ledger.decoding import loads
from ledger.storage.writer import EntryRow
from projections.acts import ACT_DATES, act_date

TIME = re.compile(rb'"time":"([^"]*)"')
Handler = Callable[["Batch", int, str, dict[str, Any]], None]


class Handlers(dict[str, Handler]):
    """One area's topic -> handler table; :meth:`on` registers, refusing a topic twice."""

    def on(self, *topics: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for topic in topics:
                if topic in self:
                    raise ValueError(f"topic {topic} already has a handler: {self[topic]}")
                self[topic] = handler
            return handler

        return register


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Batch:
    """One transaction's worth of entries; hot inserts are buffered and written in bulk."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        #: Decoded ``extra`` of streams read this batch (:meth:`extra`).
        self.extras: dict[str, Any] = {}
        self.entries: list[tuple[Any, ...]] = []
        self.trail: list[tuple[str, str, int]] = []
        self.dates: list[tuple[int, str]] = []  # the act's own date, beside the log time
        self.known: dict[str, tuple[str, str]] = {}  # stream -> (ident, extra), this batch
        self.streams: list[tuple[str, str, str, str]] = []
        self.recent: dict[tuple[str, ...], tuple[str, str]] = {}  # results entered this batch
        # Who holds each key: every entry touches its signer's person and department.
        self.holders: dict[str, tuple[str | None, str | None]] = {
            k: (p, o) for k, p, o in conn.execute("SELECT key_id, person, organisation FROM keys")
        }

    # -- helpers ----------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(sql, params).fetchone()

    def remember(self, stream: str, kind: str, ident: str, extra: str = "") -> None:
        self.streams.append((stream, kind, ident, extra))  # written at flush
        self.known[stream] = (ident, extra)
        self.extras.pop(stream, None)

    def extra(self, stream: str) -> Any:
        """The stream's ``extra``, JSON-decoded (once per batch)."""
        found = self.extras.get(stream)
        if found is None:
            found = self.extras[stream] = loads(self.ident(stream)[1])
        return found

    def ident(self, stream: str) -> tuple[str, str]:
        found = self.known.get(stream)
        if found is None:
            row = self.one("SELECT ident, extra FROM streams WHERE stream = ?", (stream,))
            found = self.known[stream] = (row[0], row[1]) if row else ("", "")
        return found

    def touch(self, kind: str, subject: str | None, position: int) -> None:
        if subject:
            self.trail.append((kind, subject, position))

    def deadline(
        self,
        kind: str,
        subject: str,
        department: str,
        position: int,
        *,
        base: str | None = None,
        working_days: int = 0,
        due: str | None = None,
    ) -> None:
        self.execute(
            "INSERT INTO deadlines VALUES (?,?,?,?,?,?,NULL,?,NULL) ON CONFLICT(kind, subject) "
            "DO UPDATE SET base = excluded.base, due = excluded.due",
            (kind, subject, department, base, working_days, due, position),
        )

    def done(self, kind: str, subject: str, on: str, position: int) -> None:
        self.execute(
            "UPDATE deadlines SET done = ?, done_position = ? WHERE kind = ? "
            "AND subject = ? AND done IS NULL",
            (on, position, kind, subject),
        )

    def flush(self) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO streams VALUES (?,?,?,?)", self.streams)
        self.conn.executemany("INSERT OR REPLACE INTO entries VALUES (?,?,?,?,?,?)", self.entries)
        self.conn.executemany("INSERT OR IGNORE INTO trail VALUES (?,?,?)", self.trail)
        self.conn.executemany("INSERT OR REPLACE INTO entry_dates VALUES (?,?)", self.dates)
        self.entries, self.trail, self.streams, self.dates = [], [], [], []


def apply_rows(
    batch: Batch, rows: Sequence[EntryRow], handlers: Mapping[str, Handler], routes: RouteTable
) -> None:
    """Apply entries (as :meth:`~ledger.application.Ledger.select_entries` reads them) in
    position order, each event to the handler ``handlers`` names for its topic (none: the
    entry is recorded, nothing else); ``routes`` reads the actor and action of
    ``rfc9421`` evidence."""
    entries, holders, trail = batch.entries, batch.holders, batch.trail
    for position, entry, command, stream, topic, state in rows:
        if stream is None or topic is None or state is None:
            raise AssertionError(f"entry {position} has no stored event")
        # The entry is RFC 8785 JSON: its first '"time":"' is the time field (a string
        # value cannot hold an unescaped quote), read without decoding the whole entry.
        found = TIME.search(entry)
        time = found.group(1).decode() if found else json.loads(entry)["time"]
        if command is not None:
            try:
                evidence = parse_evidence(command, routes)
                actor, action = evidence.key, evidence.action
            except EvidenceError:
                actor, action = "?", "?"
        else:
            previous = (
                entries[-1]
                if entries
                else batch.one(
                    "SELECT position, stream, topic, actor, action FROM entries WHERE position = ?",
                    (position - 1,),
                )
            )
            actor, action = previous[3], previous[4]
        entries.append((position, stream, topic, actor, action, time))
        handler = handlers.get(topic)
        if handler is not None or topic in ACT_DATES:
            decoded = loads(state)
            if handler is not None:
                handler(batch, position, stream, decoded)
            on = act_date(topic, decoded)
            if on is not None:
                batch.dates.append((position, on))
        # Every entry touches its signer's person and department (Batch.touch, inline).
        person, organisation = holders.get(actor, (None, None))
        if person:
            trail.append(("person", person, position))
        if organisation:
            trail.append(("department", organisation, position))
