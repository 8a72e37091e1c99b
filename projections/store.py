"""The projection database: read models in their own SQLite file (sqlite-utils).

Invariants: every table is derived from the log and nothing else; the position of the
last applied entry is written in the same transaction as the rows it produced, so a
crash between batches loses nothing and repeats nothing; dropping the file and
replaying gives the same tables. Projections never write to the log.

The schema stays one table list rather than one per area: several tables are written by
more than one area's projector (``deadlines`` by plans, draws, tasks and results;
``trail``, ``streams`` and ``entries`` by every entry) and read across areas (the board,
the trails, the review), so no area owns them. The projector of the area a table is
named after writes it (``projections/projectors/<area>.py``).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

#: Kept in the file's ``PRAGMA user_version`` (not in a table: the tables are the read
#: models). A file of an older version that has applied entries is rebuilt when opened.
#: 2: ``entry_dates``. 3: ``obligations``, ``task_items``, ``task_dates`` (R6.1).
#: 4: ``report_texts.media_type`` and ``.file`` (a report filed as a file, R10.6).
#: 5: ``body_records.delegation`` (the delegation a record is of, R8.2).
SCHEMA_VERSION = 5

SCHEMA: dict[str, tuple[dict[str, type], list[str] | str | None]] = {
    # table: (columns, primary key)
    "state": ({"name": str, "position": int}, "name"),
    "streams": ({"stream": str, "kind": str, "ident": str, "extra": str}, "stream"),
    "entries": (
        {"position": int, "stream": str, "topic": str, "actor": str, "action": str, "time": str},
        "position",
    ),
    # The act's own date (checked_on, formed_on, a draw's date ...) of an entry that has
    # one, shown beside its log time (projections/acts.py, issue 14 §3).
    "entry_dates": ({"position": int, "date": str}, "position"),
    "trail": ({"kind": str, "subject": str, "position": int}, ["kind", "subject", "position"]),
    "departments": ({"code": str, "name": str, "kind": str, "sections": str}, "code"),
    "keys": (
        {
            "key_id": str,
            "holder": str,
            "roles": str,
            "organisation": str,
            "person": str,
            "status": str,
        },
        "key_id",
    ),
    "items": (
        {
            "department": str,
            "code": str,
            "version": int,
            "name": str,
            "category": str,
            "ratio_cap": str,
            "object_type": str,
            "risk_grade": str,
            "published_on": str,
        },
        ["department", "code"],
    ),
    "item_versions": (
        {
            "department": str,
            "version": int,
            "reason": str,
            "note": str,
            "items": str,
            "published_on": str,
            "position": int,
        },
        ["department", "version"],
    ),
    "import_rows": (
        {"import_id": str, "seq": int, "columns": str, "rows": str},
        ["import_id", "seq"],
    ),
    "objects": (
        {
            "id": str,
            "name": str,
            "kind": str,
            "region": str,
            "industry": str,
            "supervisors": str,
            "credit_class": str,
            "penalties": str,
            "complaints": int,
            "status": str,
            "position": int,
        },
        "id",
    ),
    "inspectors": (
        {
            "person": str,
            "name": str,
            "unit": str,
            "section": str,
            "kind": str,
            "certificate": str,
            "certificate_until": str,
            "active": int,
            "record": str,
        },
        "person",
    ),
    "inspector_proposals": (
        {
            "proposal": str,
            "person": str,
            "department": str,
            "action": str,
            "fields": str,
            "decision": str,
            "position": int,
        },
        "proposal",
    ),
    "plans": (
        {
            "department": str,
            "year": int,
            "version": int,
            "name": str,
            "published_on": str,
            "late": int,
        },
        ["department", "year"],
    ),
    "tasks": (
        {
            "task": str,
            "lead": str,
            "name": str,
            "year": int,
            "participants": str,
            "items": str,
            "inspectors": str,
            "organised_on": str,
            "draw": int,
            "organised_position": int,
        },
        "task",
    ),
    "draws": (
        {
            "task": str,
            "draw": int,
            "commitment_hash": str,
            "as_of_position": int,
            "eligible": int,
            "organise_from": str,
            "seed": str,
            "drawn": int,
            "position": int,
            "performed_position": int,
        },
        ["task", "draw"],
    ),
    "assignments": (
        {"task": str, "draw": int, "object": str, "stratum": str, "team": str, "order": int},
        ["task", "draw", "object"],
    ),
    "recusals": (
        {
            "task": str,
            "draw": int,
            "object": str,
            "person": str,
            "reason": str,
            "replacement": str,
            "position": int,
        },
        ["task", "draw", "object", "person"],
    ),
    # v2 (R7.4): the lead's recusal requests and what became of each -- pending until
    # the inspector declares, the office approves or rejects, or the object is checked
    # (lapsed); the review counts them per lead, whatever became of them.
    "recusal_requests": (
        {
            "task": str,
            "draw": int,
            "object": str,
            "person": str,
            "reason": str,
            "requested_by": str,
            "position": int,
            "status": str,
            "decided_position": int,
        },
        ["task", "draw", "position"],
    ),
    # R6.1, R6.6: each drawn object's checklist, one obligation per item (projections/read/
    # inspections.py); the task's items and dates they are judged by.
    "obligations": (
        {
            "task": str,
            "draw": int,
            "object": str,
            "item": str,
            "department": str,
            "rank": int,
            "due": str,
            "checked_on": str,
            "check_position": int,
            "excused_on": str,
            "reason": str,
            "excuse_position": int,
            "position": int,
        },
        ["task", "draw", "object", "item"],
    ),
    "task_items": (
        {
            "task": str,
            "item": str,
            "department": str,
            "code": str,
            "name": str,
            "object_type": str,
            "rank": int,
        },
        ["task", "item"],
    ),
    "task_dates": (
        {"task": str, "planned_start": str, "planned_end": str},
        "task",
    ),
    "inspections": (
        {
            "object": str,
            "basis": str,
            "reference": str,
            "department": str,
            "item": str,
            "method": str,
            "inspectors": str,
            "checked_on": str,
            "delegated": str,
            "position": int,
        },
        ["object", "basis", "reference", "item"],
    ),
    "results": (
        {
            "object": str,
            "basis": str,
            "reference": str,
            "item": str,
            "department": str,
            "result": str,
            "details": str,
            "formed_on": str,
            "entered_by": str,
            "published_on": str,
            "withheld_on": str,
            "legal_basis": str,
            "followed_up": str,
            "position": int,
            "decided_position": int,
            "followed_position": int,
        },
        ["object", "basis", "reference", "item"],
    ),
    # R5.1, R5.4: what the log records under an object's name (记于市场主体名下): verified
    # violations, penalty cases and judicial referrals (``ledger.draw.world.CreditRecord``).
    "credit_record": (
        {
            "object": str,
            "kind": str,
            "day": str,
            "department": str,
            "item": str,
            "basis": str,
            "reference": str,
            "position": int,
        },
        "position",
    ),
    "publications": (
        {
            "position": int,
            "object": str,
            "name": str,
            "department": str,
            "item": str,
            "result": str,
            "formed_on": str,
            "published_on": str,
        },
        "position",
    ),
    "deadlines": (
        {
            "kind": str,
            "subject": str,
            "department": str,
            "base": str,
            "working_days": int,
            "due": str,
            "done": str,
            "position": int,
            "done_position": int,
        },
        ["kind", "subject"],
    ),
    "inspector_versions": ({"person": str, "position": int, "record": str}, ["person", "position"]),
    "calendar_days": ({"day": str, "working": int}, "day"),
    "calendar_years": ({"year": int}, "year"),
    "reports": (
        {
            "department": str,
            "kind": str,
            "period": str,
            "submitted_on": str,
            "summary_sha256": str,
            "position": int,
        },
        ["department", "kind", "period"],
    ),
    # R10.6: the reports' own text, or their file (its media type and its bytes in
    # base64, as the log holds them); reports of format 1 carry only a digest.
    "report_texts": (
        {
            "department": str,
            "kind": str,
            "period": str,
            "text": str,
            "media_type": str,
            "file": str,
        },
        ["department", "kind", "period"],
    ),
    # R3.4, R6.5: every version of a list or plan; published ones are public (向社会公开).
    "documents": (
        {
            "kind": str,
            "owner": str,
            "year": int,
            "version": int,
            "reason": str,
            "content": str,
            "published_on": str,
            "public": int,
            "position": int,
        },
        ["kind", "owner", "year", "version"],
    ),
    # R10.2: the office's appraisal input for the government's performance appraisal.
    "appraisals": (
        {
            "year": int,
            "recipient": str,
            "sent_on": str,
            "content": str,
            "content_sha256": str,
            "position": int,
        },
        "year",
    ),
    # R10.6: the office's collations for the level above, as sent.
    "collations": (
        {
            "period": str,
            "recipient": str,
            "sent_on": str,
            "content": str,
            "content_sha256": str,
            "position": int,
        },
        "period",
    ),
    # R8.1, R8.2: qualified third-party bodies and the delegating departments' records.
    "bodies": (
        {
            "body": str,
            "name": str,
            "qualification": str,
            "services": str,
            "scope": str,
            "valid_from": str,
            "valid_until": str,
            "registered_by": str,
            "position": int,
        },
        "body",
    ),
    "body_records": (
        {
            "position": int,
            "body": str,
            "department": str,
            "kind": str,
            "held_on": str,
            "finding": str,
            "rating": str,
            # R8.2: the delegated check supervised or evaluated (JSON), or NULL.
            "delegation": str,
        },
        "position",
    ),
    # R10.2: notices naming a unit (通报批评) and their rectification (整改).
    "notices": (
        {
            "notice": str,
            "department": str,
            "finding": str,
            "rectification": str,
            "rule": str,
            "issued_on": str,
            "due": str,
            "done_on": str,
            "account": str,
            "position": int,
            "done_position": int,
        },
        "notice",
    ),
    # R10.3: the task ledger's own entries, beyond the draw's assignments.
    "work_entries": (
        {
            "department": str,
            "entry": str,
            "title": str,
            "section": str,
            "person": str,
            "source": str,
            "assigned_on": str,
            "due": str,
            "done_on": str,
            "note": str,
            "position": int,
            "done_position": int,
        },
        ["department", "entry"],
    ),
    "reviews": (
        {
            "subject_kind": str,
            "subject": str,
            "party": str,
            "verdict": str,
            "reasoning": str,
            "evidence": str,
            "position": int,
        },
        ["subject_kind", "subject", "party"],
    ),
    # R10.4: the departments' assessments of the four factors, their detailed rules,
    # and the problems market entities turned out to have.
    "assessments": (
        {
            "subject_kind": str,
            "subject": str,
            "party": str,
            "department": str,
            "factors": str,
            "rules_version": int,
            "rules_sha256": str,
            "position": int,
        },
        ["subject_kind", "subject", "party"],
    ),
    "duty_rules": (
        {
            "department": str,
            "version": int,
            "title": str,
            "text": str,
            "sha256": str,
            "effective_from": str,
            "position": int,
        },
        ["department", "version"],
    ),
    "problems": (
        {
            "object": str,
            "kind": str,
            "occurred_on": str,
            "department": str,
            "item": str,
            "reference": str,
            "description": str,
            "position": int,
        },
        "position",
    ),
}
#: Tables kept in their primary key's own B-tree (``WITHOUT ROWID``): a rowid table
#: with a composite key writes every row twice, into the table and into its key's index.
WITHOUT_ROWID = frozenset({"trail"})

INDEXES = [
    ("results", ["department"]),
    ("deadlines", ["position"]),
    ("deadlines", ["done_position"]),
    ("assignments", ["object"]),
    ("deadlines", ["department"]),
    ("publications", ["object"]),
    ("credit_record", ["object"]),
    ("publications", ["department"]),
    ("obligations", ["object"]),
    ("obligations", ["department"]),
]


#: The name search of the public feed (一公开, R9.1): an FTS5 trigram index over
#: ``publications.name``, kept by a trigger in the same transaction as the row. A substring
#: of three or more characters is found through it in milliseconds at 1M results instead of
#: a full scan; shorter queries fall back to LIKE (projections/read/public.py). It is an
#: index, not a table of its own: ``projections verify`` checks it with FTS5's
#: ``integrity-check`` against the rows it indexes, not byte by byte (its segments depend
#: on how the rows were batched).
SEARCH = "publications_names"
SEARCH_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH} USING fts5("
    "name, content='publications', content_rowid='position', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {SEARCH}_insert AFTER INSERT ON publications BEGIN "
    f"INSERT INTO {SEARCH}(rowid, name) VALUES (new.position, new.name); END",
    f"CREATE TRIGGER IF NOT EXISTS {SEARCH}_delete AFTER DELETE ON publications BEGIN "
    f"INSERT INTO {SEARCH}({SEARCH}, rowid, name) VALUES ('delete', old.position, old.name); END",
    f"CREATE TRIGGER IF NOT EXISTS {SEARCH}_update AFTER UPDATE OF name ON publications BEGIN "
    f"INSERT INTO {SEARCH}({SEARCH}, rowid, name) VALUES ('delete', old.position, old.name); "
    f"INSERT INTO {SEARCH}(rowid, name) VALUES (new.position, new.name); END",
)


def is_search_table(name: str) -> bool:
    """The FTS5 index and its shadow tables (``publications_names_data`` ...)."""
    return name == SEARCH or name.startswith(f"{SEARCH}_")


def _write_ahead(conn: sqlite3.Connection, wait: float = 30.0) -> None:
    """Put the file in WAL mode. Two connections opening a new file at once both try,
    and the loser's "database is locked" comes at once (SQLite's busy timeout does not
    cover a change of journal mode): it tries again until ``wait`` seconds have gone."""
    deadline = time.monotonic() + wait
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class Store:
    """The projection file, opened with sqlite-utils; one writer at a time."""

    def __init__(self, path: Path, *, scratch: bool = False) -> None:
        """Open (or create) the projection file at ``path``.

        ``scratch``: a file being built by a rebuild, which replaces the real one only
        once complete (:meth:`replace`): written with no journal and no syncs (a crash
        loses only the scratch file, never the projections in use), and without the
        secondary indexes, which the rebuild makes at the end (:meth:`ensure`)."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self._connect(path, scratch=scratch))
        self.ensure(indexes=not scratch)

    @staticmethod
    def _connect(path: Path, *, scratch: bool = False) -> sqlite3.Connection:
        # One user at a time, possibly from different threads in turn (the API lends a
        # connection to one request at a time): not tied to the thread that opened it.
        conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        if scratch:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
        else:
            _write_ahead(conn)
            conn.execute("PRAGMA synchronous=NORMAL")  # a rebuild replays whatever is lost
        return conn

    def ensure(self, *, indexes: bool = True) -> None:
        """Create what is missing: the tables, and (unless ``indexes`` is false) the
        secondary indexes and the names' search index.

        One transaction, taken before looking: two connections opening a new file at
        once (a request and the server's update thread, or two processes) each find the
        tables missing otherwise, and the second's CREATE fails."""
        with self.transaction():
            self._ensure(indexes=indexes)

    def _ensure(self, *, indexes: bool) -> None:
        missing = [name for name in SCHEMA if not self.db.table(name).exists()]
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION and "state" not in missing and self.position() > 0:
            # Built before a read model was added: the new one would lack every entry
            # already applied, so replay the whole log into all of them (next update).
            for name in SCHEMA:
                self.db.table(name).drop(ignore=True)
            missing = list(SCHEMA)
        for name in missing:
            columns, pk = SCHEMA[name]
            if name in WITHOUT_ROWID:
                keys = [pk] if isinstance(pk, str) else list(pk or ())
                kinds = {str: "TEXT", int: "INTEGER"}
                spec = ", ".join(f"[{c}] {kinds[t]}" for c, t in columns.items())
                self.db.execute(
                    f"CREATE TABLE [{name}] ({spec}, PRIMARY KEY ({', '.join(keys)})) WITHOUT ROWID"
                )
            else:
                # Database.create_table: Table.create would commit the transaction.
                self.db.create_table(name, columns, pk=pk)
        if version != SCHEMA_VERSION:
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        if not indexes:
            return
        for name, index in INDEXES:
            self.db.table(name).create_index(index, if_not_exists=True)  # type: ignore[union-attr]
        fresh = SEARCH not in self.db.table_names()
        for statement in SEARCH_DDL:
            self.db.conn.execute(statement)
        if fresh:  # a file made before the index (or a rebuild): index what it holds
            self.db.conn.execute(f"INSERT INTO {SEARCH}({SEARCH}) VALUES ('rebuild')")

    def drop(self, *, indexes: bool = True) -> None:
        """Drop every table and make them again, empty. ``indexes=False``: without the
        secondary indexes, for a rebuild that fills the tables first
        (:func:`projections.runner.rebuild`, then :meth:`ensure`)."""
        self.db.conn.execute(f"DROP TABLE IF EXISTS {SEARCH}")
        for name in SCHEMA:
            self.db.table(name).drop(ignore=True)
        self.ensure(indexes=indexes)

    def position(self, name: str = "log") -> int:
        rows = list(self.db.query("SELECT position FROM state WHERE name = ?", [name]))
        return int(rows[0]["position"]) if rows else 0

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def replace(self, built: Store) -> None:
        """Put the complete file ``built`` (a :meth:`scratch <__init__>` store, closed
        here) in place of this one, atomically: a reader sees the old tables or the new
        ones, never a mix, and a crash at any point leaves one of the two, whole.

        ``built`` is synced to disk first. If this is the only connection to the file,
        the file is renamed over it: leaving WAL mode needs that (SQLite refuses while
        any other connection has the file open) and takes the ``-wal`` and ``-shm``
        files away, so no stale WAL is ever read with the new file; the exclusive lock
        held across the rename makes a process that opened the old file meanwhile fail
        its first write (SQLite refuses writes to a file renamed over) rather than
        write to it. Otherwise (a server holds connections) the pages are copied into
        this file in one transaction through SQLite's backup API."""
        scratch = built.path
        built.close()
        with scratch.open("rb+") as f:
            os.fsync(f.fileno())
        conn = self.db.conn
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("PRAGMA journal_mode=DELETE")
            alone = conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        except sqlite3.OperationalError:  # database is locked: others have it open
            alone = False
        conn.execute("PRAGMA busy_timeout = 30000")
        if alone:
            conn.execute("BEGIN EXCLUSIVE")
            os.replace(scratch, self.path)
            sync_directory(self.path.parent)
            conn.execute("ROLLBACK")
            conn.close()
        else:
            source = sqlite3.connect(scratch)
            try:
                source.backup(conn)
            finally:
                source.close()
            scratch.unlink()
            conn.close()
        self.db = sqlite_utils.Database(self._connect(self.path))
        self.ensure()

    def close(self) -> None:
        self.db.conn.close()


def sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
