"""Chained application recorders for SQLite and PostgreSQL.

Selected with the library's ``APPLICATION_RECORDER_TOPIC`` (see
:meth:`ledger.config.Settings.eventsourcing_env`). For each stored event they write,
in the same transaction, a chain row (:mod:`ledger.storage.chain`) and the Merkle tree nodes
the new entries complete (:mod:`ledger.storage.merkle`). Invariants:

* positions are gapless 1..N and follow commit order: the head is read only once
  the transaction holds the write lock (SQLite: after its first INSERT; PostgreSQL:
  after the library's ``LOCK TABLE ... IN EXCLUSIVE MODE``), so two writers can
  never read the same head;
* an event is never stored without its chain row and tree nodes, nor the reverse:
  all are written, or none (a failed insert rolls everything back);
* the actor's key and the ledger's key are checked, inside the transaction, to be
  registered and neither revoked nor rotated, so a concurrent revocation cannot slip
  a command in after it; a (key, nonce) pair is refused the second time;
* UPDATE and DELETE (and on PostgreSQL, TRUNCATE) on the event, chain, tree,
  checkpoint and cosignature tables are refused by triggers, so the append-only
  rule does not depend on this code alone.

Reading (chain rows, tree nodes, checkpoints) is shared: each backend supplies a
small SQL adapter (:meth:`ChainWriter.query`, :meth:`ChainWriter.execute`) and the
table names, and :class:`ChainWriter` does the rest once.

(Just over 400 lines: the two backends side by side, so a change to one is seen
beside the other; what they share is in ``writer.py``.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType, retry, strtobool
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier

from ledger.audit.hashing import ZERO_HASH, MerkleFrontier
from ledger.errors import (
    ConfigurationError,
    LedgerError,
)
from ledger.i18n import _
from ledger.ids import key_stream_id
from ledger.storage.chain import ChainHead, SealedRow, seal
from ledger.storage.merkle import load_frontier
from ledger.storage.sequencer import Request
from ledger.storage.writer import (
    ADVISORY_LOCK_ID,
    APPEND_ONLY_TABLES,
    CHAIN_TABLE,
    CHECKPOINTS_TABLE,
    COSIGNATURES_TABLE,
    HEX32,
    STATE_TABLES,
    TREE_TABLE,
    ChainWriter,
    CursorNodes,
    schema_statements,
)


class _StateMoved(Exception):
    """Another writer moved the stored state map first (the transaction rolls back)."""


class ChainedSQLiteRecorder(SQLiteApplicationRecorder, ChainWriter):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        self._init_chain()
        self.names = {
            "chain": CHAIN_TABLE,
            "tree": TREE_TABLE,
            "checkpoints": CHECKPOINTS_TABLE,
            "cosignatures": COSIGNATURES_TABLE,
            **STATE_TABLES,
            "events": events_table_name,
            "event_id": "rowid",
        }

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        names = {
            "chain": CHAIN_TABLE,
            "tree": TREE_TABLE,
            "checkpoints": CHECKPOINTS_TABLE,
            "cosignatures": COSIGNATURES_TABLE,
            **STATE_TABLES,
        }
        keyed = " WITHOUT ROWID"
        statements += [s.format(**names) for s in schema_statements("BLOB", "INTEGER", keyed)]
        # The events by topic (the rowid is the index's last key): issue 15.4.
        statements.append(
            f"CREATE INDEX IF NOT EXISTS {self.events_table_name}_topic "
            f"ON {self.events_table_name} (topic)"
        )
        for table in (self.events_table_name, *APPEND_ONLY_TABLES):
            for op in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} "
                    f"BEFORE {op} ON {table} BEGIN SELECT RAISE(ABORT, "
                    f"'append-only ledger: {op} on {table} refused'); END"
                )
        return statements

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql.format(**self.names), params)
            return [tuple(r) for r in c.fetchall()]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(sql.format(**self.names), params)

    def write_state(
        self,
        before: int,
        after: int,
        leaves: Sequence[tuple[int, str, str]],
        hashes: Sequence[tuple[int, bytes]],
        links: Sequence[tuple[str, str, int]],
    ) -> bool:
        self.execute(self.STATE_START)
        try:
            with self.datastore.transaction(commit=True) as c:
                c.execute(self.STATE_GUARD.format(**self.names), (after, before))
                c.execute("SELECT changes()")
                if c.fetchone()[0] != 1:
                    raise _StateMoved
                for sql, rows in zip(self.STATE_WRITES, (leaves, hashes, links), strict=True):
                    if rows:
                        c.executemany(sql.format(**self.names), rows)
        except _StateMoved:
            return False
        return True

    def stream_param(self, stream: UUID) -> Any:
        return stream.hex

    #: A stream id stored as it is written -- TEXT of 32 lower-case hex digits -- as
    #: text with its hyphens (what ``str(UUID(hex=...))`` gives); anything else (a BLOB,
    #: whose bytes ``GLOB`` and ``substr`` would read as text, other digits) is left to
    #: :meth:`_stream`, so every reader reads a row alike.
    stream_text = (
        "CASE WHEN typeof(e.originator_id) = 'text' AND length(e.originator_id) = 32 "
        "AND e.originator_id NOT GLOB '*[^0-9a-f]*' "
        "THEN substr(e.originator_id, 1, 8) || '-' || substr(e.originator_id, 9, 4) || '-' || "
        "substr(e.originator_id, 13, 4) || '-' || substr(e.originator_id, 17, 4) || '-' || "
        "substr(e.originator_id, 21) END"
    )

    def _entry_rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self.datastore.transaction(commit=False) as c:
            c.sqlite_cursor.row_factory = None  # plain tuples, not sqlite3.Row
            c.execute(sql.format(**self.names), params)
            rows: list[tuple[Any, ...]] = c.fetchall()
            return rows

    def _stream(self, value: Any) -> str:
        """A stored stream id as text, exactly: the recorder writes ``UUID.hex``, so
        only TEXT of 32 lower-case hex digits is a stream id (given with its hyphens).
        Anything else -- upper case, hyphens, a BLOB -- is read as SQLite's literal of
        what is stored, which is no id's text, never as the id ``UUID`` would parse it
        as: the ledger's own lookups (by the stored text) miss such a row, so the chain
        check must not match it to its entry either."""
        if type(value) is str:
            if HEX32.fullmatch(value):
                return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
            return "'" + value.replace("'", "''") + "'"
        if isinstance(value, bytes | bytearray | memoryview):
            return f"X'{bytes(value).hex()}'"
        return str(value)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Record one command's events with its chain rows, in a batch of the commands
        this process records at the same time (:mod:`ledger.storage.sequencer`)."""
        return self._sequenced(stored_events, kwargs)  # type: ignore[no-any-return]

    def _write_batch(self, batch: list[Request]) -> None:
        with self.datastore.transaction(commit=True) as c:
            if len(batch) == 1:
                self._record(c, batch[0])  # its error is the transaction's
                return
            for request in batch:
                c.execute("SAVEPOINT command")
                try:
                    self._record(c, request)
                except Exception as exc:
                    c.execute("ROLLBACK TO command")
                    request.refused(_sqlite_error(exc))
                c.execute("RELEASE command")

    def _record(self, c: SQLiteCursor, request: Request) -> None:
        stored_events, kwargs = request.stored_events, request.kwargs
        authorisation, metas, signer = self._batch(stored_events, kwargs)
        ids = self._insert_stored(c, stored_events)
        streams = {key_stream_id(k).hex: k for k in (authorisation.key_id, signer.key_id)}
        marks = ",".join("?" * len(streams))
        # One round trip: the head, whether the nonce was used, the keys' history.
        c.execute(
            f"SELECT (SELECT position FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1), "
            f"(SELECT entry_hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1), "
            f"EXISTS (SELECT 1 FROM {CHAIN_TABLE} WHERE actor_key=? AND nonce=? "
            "AND command IS NOT NULL), "
            f"(SELECT group_concat(originator_id || ' ' || topic, '|') FROM "
            f"{self.events_table_name} WHERE originator_id IN ({marks}) AND rowid < ?)",
            (authorisation.key_id, authorisation.nonce, *streams, ids[0]),
        )
        position, entry_hash, replay, history = c.fetchone()
        head = ChainHead(position, entry_hash) if position else ChainHead(0, ZERO_HASH)
        if replay:
            self._refuse_replay(authorisation)
        if not head.position:
            # Genesis: its keys are registered by the command itself.
            c.execute(
                f"SELECT group_concat(originator_id || ' ' || topic, '|') FROM "
                f"{self.events_table_name} WHERE originator_id IN ({marks})",
                tuple(streams),
            )
            history = c.fetchone()[0]
        self._judge_keys(_history(history, streams), authorisation, signer)
        if kwargs.get("created_of") is not None:
            c.execute(
                "SELECT position, entry_hash, CASE WHEN position = ? AND entry_hash = ? "
                f"THEN NULL ELSE command END, actor_key, nonce FROM {CHAIN_TABLE} "
                "WHERE command IS NOT NULL ORDER BY position DESC LIMIT 1",
                self._last_command_key(),
            )
            self._judge_time(authorisation, kwargs, c.fetchone())
        rows = seal(head, stored_events, ids, metas, authorisation, signer)
        self._remember_command(rows, authorisation)
        c.executemany(
            f"INSERT INTO {CHAIN_TABLE} VALUES (?,?,?,?,?,?,?,?,?)", [r.as_tuple() for r in rows]
        )
        frontier = self._cached_frontier(head) or load_frontier(
            head.position, CursorNodes(self._cursor_query(c))
        )
        nodes = self._grow_tree(rows, frontier)
        if nodes:
            c.executemany(f"INSERT INTO {TREE_TABLE} VALUES (?,?,?)", nodes)
        self._landed(request, ids, rows)

    def _cursor_query(self, c: SQLiteCursor) -> Any:
        def query(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
            c.execute(sql.format(**self.names), params)
            return [tuple(r) for r in c.fetchall()]

        return query

    def _insert_stored(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent]) -> list[int]:
        """Insert the events; return their rowids (= notification ids).

        The first INSERT takes SQLite's write lock, and only then is the chain head
        stable. While the lock is held, each new rowid is max(rowid) + 1 (the table
        has no AUTOINCREMENT and nothing else can write), so a batch's rowids are
        consecutive and one ``executemany`` replaces a round trip per event.
        """
        params = [
            (
                s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                s.originator_version,
                s.topic,
                s.state,
            )
            for s in stored_events
        ]
        c.execute(self.insert_events_statement, params[0])
        first = int(c.lastrowid)
        if len(params) > 1:
            c.executemany(self.insert_events_statement, params[1:])
            c.execute(f"SELECT MAX(rowid) FROM {self.events_table_name}")
            if c.fetchone()[0] != first + len(params) - 1:
                raise LedgerError(_("internal: event rowids are not consecutive"))
        return list(range(first, first + len(params)))


def _sqlite_error(exc: Exception) -> Exception:
    """A command's own database error as the library's transaction would raise it."""
    if isinstance(exc, sqlite3.IntegrityError):
        return IntegrityError(exc)
    if isinstance(exc, sqlite3.OperationalError):
        return OperationalError(exc)
    if isinstance(exc, sqlite3.Error):
        return PersistenceError(exc)
    return exc


def _postgres_error(exc: Exception) -> Exception:
    """A command's own database error as the library's connection would raise it."""
    if isinstance(exc, psycopg.IntegrityError):
        return IntegrityError(str(exc))
    if isinstance(exc, psycopg.OperationalError):
        return OperationalError(str(exc))
    if isinstance(exc, psycopg.Error):
        return PersistenceError(str(exc))
    return exc


def _history(text: str | None, streams: dict[str, str]) -> dict[str, set[str]]:
    """``"stream topic|stream topic"`` -> {key id: {topics}}."""
    topics: dict[str, set[str]] = {}
    for item in (text or "").split("|"):
        stream, __, topic = item.partition(" ")
        if stream in streams:
            topics.setdefault(streams[stream], set()).add(topic)
    return topics


class ChainedPostgresRecorder(PostgresApplicationRecorder, ChainWriter):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        if datastore.enable_db_functions:
            raise ConfigurationError(
                _("POSTGRES_ENABLE_DB_FUNCTIONS bypasses the chain; it must stay off")
            )
        super().__init__(datastore, events_table_name=events_table_name)
        self._init_chain()
        schema = self.datastore.schema

        def qualified(table: str) -> str:
            return f'"{schema}"."{table}"'

        self.names = {
            "chain": qualified(CHAIN_TABLE),
            "tree": qualified(TREE_TABLE),
            "checkpoints": qualified(CHECKPOINTS_TABLE),
            "cosignatures": qualified(COSIGNATURES_TABLE),
            **{name: qualified(table) for name, table in STATE_TABLES.items()},
            "events": qualified(events_table_name),
            "event_id": "notification_id",
        }
        refuse = f'"{schema}"."{events_table_name}_append_only"'
        self.chain_statements = [
            f'CREATE SCHEMA IF NOT EXISTS "{schema}"',
            *[s.format(**self.names) for s in schema_statements("bytea", "bigint")],
            # The events by topic, in notification order: issue 15.4.
            f'CREATE INDEX IF NOT EXISTS "{events_table_name}_topic" '
            f"ON {qualified(events_table_name)} (topic, notification_id)",
            f"CREATE OR REPLACE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'append-only ledger: % on % refused', "
            "TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; END $$",
        ]
        for table in (events_table_name, *APPEND_ONLY_TABLES):
            self.chain_statements += [
                f'CREATE OR REPLACE TRIGGER "{table}_no_change" BEFORE UPDATE OR DELETE ON '
                f"{qualified(table)} FOR EACH ROW EXECUTE FUNCTION {refuse}()",
                f'CREATE OR REPLACE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON '
                f"{qualified(table)} FOR EACH STATEMENT EXECUTE FUNCTION {refuse}()",
            ]
        self._state_query = SQL(
            "SELECT h.position, h.entry_hash, "
            "EXISTS (SELECT 1 FROM {chain} WHERE actor_key = %s AND nonce = %s "
            "AND command IS NOT NULL) AS replay, "
            # Two equality lookups on the primary key's first column: an ``= ANY(array)``
            # here was planned as a sequential scan of the whole event table.
            "ARRAY(SELECT originator_id::text || ' ' || originator_version || ' ' || topic "
            "FROM {events} WHERE originator_id = %s UNION ALL "
            "SELECT originator_id::text || ' ' || originator_version || ' ' || topic "
            "FROM {events} WHERE originator_id = %s) AS keys, "
            # The tree's frontier at the head: for each set bit b of the size n, the
            # node (b, (n >> b) - 1); level 0 is the head's own entry hash.
            "ARRAY(SELECT g.level::text || ':' || encode(t.hash, 'hex') "
            "FROM generate_series(1, 62) AS g(level) JOIN {tree} t "
            "ON t.level = g.level AND t.idx = (h.position >> g.level) - 1 "
            "WHERE (h.position >> g.level) & 1 = 1 ORDER BY g.level DESC) AS frontier, "
            # The last command, for the time-order check (its stored command only if it
            # is not the one read before).
            "lc.position AS lc_position, lc.entry_hash AS lc_hash, "
            "CASE WHEN lc.position = %s AND lc.entry_hash = %s THEN NULL ELSE lc.command "
            "END AS lc_command, lc.actor_key AS lc_key, lc.nonce AS lc_nonce "
            "FROM (SELECT 1) one LEFT JOIN "
            "(SELECT position, entry_hash FROM {chain} ORDER BY position DESC LIMIT 1) h ON true "
            "LEFT JOIN (SELECT position, entry_hash, command, actor_key, nonce FROM {chain} "
            "WHERE command IS NOT NULL ORDER BY position DESC LIMIT 1) lc ON true"
        ).format(
            chain=Identifier(schema, CHAIN_TABLE),
            events=Identifier(schema, events_table_name),
            tree=Identifier(schema, TREE_TABLE),
        )

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        # Plain tuples: the datastore's connections make dict rows, each then copied.
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(sql.format(**self.names).replace("?", "%s"), params)
            return curs.fetchall() if curs.description else []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(sql.format(**self.names).replace("?", "%s"), params)

    def _stream(self, value: Any) -> str:
        return str(value)

    def write_state(
        self,
        before: int,
        after: int,
        leaves: Sequence[tuple[int, str, str]],
        hashes: Sequence[tuple[int, bytes]],
        links: Sequence[tuple[str, str, int]],
    ) -> bool:
        self.execute(self.STATE_START)
        try:
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(
                    self.STATE_GUARD.format(**self.names).replace("?", "%s"), (after, before)
                )
                if curs.rowcount != 1:
                    raise _StateMoved
                for sql, rows in zip(self.STATE_WRITES, (leaves, hashes, links), strict=True):
                    if rows:
                        curs.executemany(sql.format(**self.names).replace("?", "%s"), rows)
        except _StateMoved:
            return False
        return True

    stream_text = "e.originator_id::text"

    def create_table(self) -> None:
        """Create everything once, under an advisory lock (concurrent start-ups)."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_ID,))
            curs.execute(self.chain_statements[0])
            for statement in self.sql_create_statements:
                if "CREATE TYPE" in statement.as_string():
                    curs.execute(
                        "SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                        "WHERE n.nspname = %s AND t.typname = %s",
                        (self.datastore.schema, self.stored_event_type_name),
                    )
                    if curs.fetchone():
                        continue
                curs.execute(statement, prepare=False)
            for text in self.chain_statements[1:]:
                curs.execute(text.encode(), prepare=False)
        self.datastore.register_type_adapters()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Record one command's events with its chain rows, in a batch of the commands
        this process records at the same time (:mod:`ledger.storage.sequencer`)."""
        return self._sequenced(stored_events, kwargs)  # type: ignore[no-any-return]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _write_batch(self, batch: list[Request]) -> None:
        """The library's insert (the DB-function path is refused in ``__init__``) for a
        batch of commands in one transaction, each in a savepoint of its own when there
        are several; a refusal raised by the chain's checks rolls back (its savepoint).

        The library keeps any exception raised after its insert until the pipeline has
        exited -- and its ``conn.transaction()`` block has committed: a key found no
        longer valid, or a nonce found used, under the lock would leave the events
        stored without their chain rows. Here the exception leaves the transaction
        block (which rolls back) and is raised once the pipeline has exited.
        """
        failure: Exception | None = None
        several = len(batch) > 1
        with self.datastore.get_connection() as conn:
            with conn.pipeline() as pipeline:
                try:
                    with conn.transaction():
                        if several:
                            # Taken once for the batch, so no savepoint's rollback drops it.
                            with conn.cursor() as curs:
                                self._lock_table(curs)
                        for request in batch:
                            try:
                                with conn.transaction() if several else nullcontext():
                                    self._record(conn, pipeline, request)
                            except Exception as exc:
                                if not several:
                                    raise
                                request.refused(_postgres_error(exc))
                except Exception as exc:
                    failure = exc
            if failure is not None:
                raise failure

    def _record(self, conn: Any, pipeline: Any, request: Request) -> None:
        stored_events, kwargs = request.stored_events, request.kwargs
        if not stored_events:
            raise LedgerError(_("internal: chain metadata missing for the events"))
        with conn.cursor() as curs:
            self._insert_stored_events(curs, stored_events, **kwargs)
            # Constraint violations surface here, as the library's.
            pipeline.sync()
            ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        assert ids is not None
        self._landed(request, ids, self._local.rows)

    def _insert_stored_events(
        self, curs: psycopg.Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # The library takes LOCK TABLE ... IN EXCLUSIVE MODE and inserts the events.
        super()._insert_stored_events(curs, stored_events, **kwargs)
        authorisation, __, signer = self._batch(stored_events, kwargs)
        streams = [key_stream_id(k) for k in (authorisation.key_id, signer.key_id)]
        # Queued in the same pipeline, so it costs no round trip of its own: the head
        # (which cannot move while we hold the lock), the nonce, the keys' history and
        # the tree's frontier.
        state = curs.connection.cursor()
        state.execute(
            self._state_query,
            (authorisation.key_id, authorisation.nonce, *streams, *self._last_command_key()),
            prepare=True,
        )
        self._local.state = state

    def _fetch_ids_after_insert_events(
        self, curs: psycopg.Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        authorisation, metas, signer = self._batch(stored_events, kwargs)
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        assert ids is not None
        state = self._local.state.fetchone()
        assert state is not None
        head = (
            ChainHead(state["position"], bytes(state["entry_hash"]))
            if state["position"]
            else ChainHead(0, ZERO_HASH)
        )
        if state["replay"]:
            self._refuse_replay(authorisation)
        streams = {key_stream_id(k): k for k in (authorisation.key_id, signer.key_id)}
        own = {(s.originator_id, s.originator_version) for s in stored_events}
        topics: dict[str, set[str]] = {}
        for item in state["keys"] or ():
            stream, version, topic = item.split(" ", 2)
            # Keys count if registered before this command -- or within it, for genesis only.
            if head.position and (UUID(stream), int(version)) in own:
                continue
            topics.setdefault(streams[UUID(stream)], set()).add(topic)
        self._judge_keys(topics, authorisation, signer)
        self._judge_time(
            authorisation,
            kwargs,
            None
            if state["lc_position"] is None
            else (
                state["lc_position"],
                state["lc_hash"],
                state["lc_command"],
                state["lc_key"],
                state["lc_nonce"],
            ),
        )
        rows: list[SealedRow] = seal(head, stored_events, ids, metas, authorisation, signer)
        self._remember_command(rows, authorisation)
        self._local.rows = rows
        curs.executemany(
            SQL("INSERT INTO {} VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)").format(
                Identifier(self.datastore.schema, CHAIN_TABLE)
            ),
            [r.as_tuple() for r in rows],
        )
        nodes = self._grow_tree(rows, self._frontier_from(head, state["frontier"] or []))
        if nodes:
            curs.executemany(
                SQL("INSERT INTO {} VALUES (%s,%s,%s)").format(
                    Identifier(self.datastore.schema, TREE_TABLE)
                ),
                nodes,
            )
        return ids

    @staticmethod
    def _frontier_from(head: ChainHead, items: Sequence[str]) -> MerkleFrontier:
        n = head.position
        nodes = []
        for item in items:
            level_text, __, hash_hex = item.partition(":")
            level = int(level_text)
            nodes.append((level, (n >> level) - 1, bytes.fromhex(hash_hex)))
        if n & 1:
            nodes.append((0, n - 1, head.entry_hash))
        if len(nodes) != n.bit_count():
            raise LedgerError(_("internal: the Merkle tree is missing nodes at the head"))
        return MerkleFrontier(n, nodes)


class LedgerSQLiteConnectionPool(SQLiteConnectionPool):
    """The library's pool, with a real statement cache.

    The library connects with ``cached_statements=True``, which ``sqlite3`` reads as
    a cache of one statement; a chained commit runs several, so each would be parsed
    and planned again on every append.
    """

    @property
    def read_only(self) -> bool:
        return "mode=ro" in self.db_name

    def _create_connection(self) -> SQLiteConnection:
        try:
            c = sqlite3.connect(
                database=self.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,  # the library issues BEGIN itself
                cached_statements=256,
                timeout=self.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
            )
        except (sqlite3.Error, TypeError) as e:
            raise InterfaceError(e) from e
        if self.read_only:
            # ``mode=ro``: the journal mode is whatever the writer left (WAL); asking
            # to change it would be a write.
            c.execute("PRAGMA query_only = ON")
        elif not self.is_sqlite_memory_mode and not self.is_journal_mode_wal:
            mode = c.execute("PRAGMA journal_mode;").fetchone()[0]
            if mode.lower() != "wal":
                c.execute("PRAGMA journal_mode=WAL;")
                self.journal_mode_was_changed_to_wal = True
            self.is_journal_mode_wal = True
        c.row_factory = sqlite3.Row
        return SQLiteConnection(sqlite_conn=c, max_age=self.max_age)


class LedgerSQLiteFactory(SQLiteFactory):
    """``PERSISTENCE_MODULE`` for the ledger on SQLite: the library's factory with
    :class:`LedgerSQLiteConnectionPool`."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        library_pool = self.datastore.pool
        self.datastore.pool = LedgerSQLiteConnectionPool(
            db_name=library_pool.db_name, lock_timeout=library_pool.lock_timeout
        )
        library_pool.close()


ChainedRecorder = ChainedSQLiteRecorder | ChainedPostgresRecorder


class LedgerPostgresFactory(PostgresFactory):
    """``PERSISTENCE_MODULE`` for a read-only look at a PostgreSQL ledger
    (``shuangsui verify``): every connection starts with
    ``default_transaction_read_only = on``, so each statement runs in a read-only
    transaction and the server refuses any write, DDL included."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        if strtobool(self.env.get("LEDGER_READ_ONLY") or "no"):
            kwargs = self.datastore.pool.kwargs
            assert isinstance(kwargs, dict)
            kwargs["options"] = "-c default_transaction_read_only=on"


def postgres_grants(schema: str, role: str, events_table: str = "stored_events") -> list[str]:
    """What the owner grants the role the service connects as: read and append, nothing
    else -- no DDL, no TRUNCATE, no DELETE, and UPDATE only on the events table, which the
    library's ``LOCK TABLE ... IN EXCLUSIVE MODE`` needs (its append-only trigger still
    refuses every update). Not the owner, the role can drop no trigger (issue 11.7). The
    writer's stored state map (not evidence: :mod:`ledger.storage.statemaps`) it may
    also update, never delete."""
    s, r = f'"{schema}"', f'"{role}"'
    tables = ", ".join(f'{s}."{t}"' for t in (events_table, *APPEND_ONLY_TABLES))
    state = ", ".join(f'{s}."{t}"' for t in STATE_TABLES.values())
    return [
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"GRANT SELECT, INSERT ON {tables} TO {r}",
        f'GRANT UPDATE ON {s}."{events_table}" TO {r}',
        f"GRANT SELECT, INSERT, UPDATE ON {state} TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
    ]
