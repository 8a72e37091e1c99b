"""Chained application recorders for SQLite and PostgreSQL.

Selected with the library's ``APPLICATION_RECORDER_TOPIC`` (see
:meth:`ledger.config.Settings.eventsourcing_env`). For each stored event they write,
in the same transaction, a chain row (:mod:`ledger.chain`). Invariants:

* positions are gapless 1..N and follow commit order: the head is read only once
  the transaction holds the write lock (SQLite: after its first INSERT; PostgreSQL:
  after the library's ``LOCK TABLE ... IN EXCLUSIVE MODE``), so two writers can
  never read the same head;
* an event is never stored without its chain row, nor a chain row without its
  event: both are written, or neither (a failed insert rolls back both);
* the actor's key and the ledger's key are checked, inside the transaction, to be
  registered and neither revoked nor rotated, so a concurrent revocation cannot slip
  a command in after it; a (key, nonce) pair is refused the second time;
* UPDATE, DELETE (and on PostgreSQL, TRUNCATE) on the event and chain tables are
  refused by triggers, so the append-only rule does not depend on this code alone.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from ledger.authorisation import Authorisation
from ledger.chain import ChainHead, EventMeta, SealedRow, seal
from ledger.domain.ids import key_stream_id
from ledger.errors import (
    ConfigurationError,
    KeyNotValidError,
    LedgerError,
    ReplayError,
)
from ledger.keys import SigningKey
from ledger.verifier import (
    KEY_REGISTERED_TOPIC,
    KEY_REVOKED_TOPIC,
    KEY_ROTATED_TOPIC,
    ZERO_HASH,
    ChainRow,
    StoredEventRow,
)

CHAIN_TABLE = "ledger_chain"
_ADVISORY_LOCK_ID = 0x5348_5553_5549  # "SHUSUI": serialises table creation


class ChainWriter:
    """What both chained recorders share: the batch context and the checks."""

    signer: SigningKey | None = None
    _local = threading.local()

    def set_signer(self, signer: SigningKey) -> None:
        self.signer = signer

    def _batch(
        self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]
    ) -> tuple[Authorisation, Sequence[EventMeta], SigningKey]:
        authorisation = kwargs.get("authorisation")
        metas = kwargs.get("metas")
        if not isinstance(authorisation, Authorisation):
            raise LedgerError("refusing to record events without a command's authorisation")
        if metas is None or len(metas) != len(stored_events):
            raise LedgerError("internal: chain metadata missing for the events")
        if self.signer is None:
            raise LedgerError("this ledger was opened read-only (no ledger key)")
        return authorisation, metas, self.signer

    def _sealed(self, rows: Sequence[SealedRow]) -> None:
        """Remember, per thread, the positions the last command landed at."""
        self._local.positions = [r.position for r in rows]

    def last_positions(self) -> list[int]:
        return list(getattr(self._local, "positions", []))

    @staticmethod
    def _replay_message(authorisation: Authorisation) -> str:
        return f"nonce {authorisation.nonce} was already used by key {authorisation.key_id}"

    @staticmethod
    def _judge_keys(
        topics: dict[str, set[str]], authorisation: Authorisation, signer: SigningKey
    ) -> None:
        for role, key_id in (("actor", authorisation.key_id), ("ledger", signer.key_id)):
            seen = topics.get(key_id, set())
            if KEY_REGISTERED_TOPIC not in seen:
                raise KeyNotValidError(f"{role} key {key_id} is not registered in this ledger")
            if seen & {KEY_REVOKED_TOPIC, KEY_ROTATED_TOPIC}:
                raise KeyNotValidError(f"{role} key {key_id} was revoked or rotated")


class ChainedSQLiteRecorder(SQLiteApplicationRecorder, ChainWriter):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        self.chain_table = CHAIN_TABLE

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        chain = CHAIN_TABLE
        statements += [
            f"CREATE TABLE IF NOT EXISTS {chain} ("
            "position INTEGER PRIMARY KEY, "
            "notification_id INTEGER NOT NULL, "
            "entry BLOB NOT NULL, entry_hash BLOB NOT NULL, "
            "command BLOB, actor_key TEXT, nonce TEXT, "
            "signer TEXT, signature BLOB)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {chain}_nonce "
            f"ON {chain} (actor_key, nonce) WHERE command IS NOT NULL",
        ]
        for table in (self.events_table_name, chain):
            for op in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} "
                    f"BEFORE {op} ON {table} BEGIN SELECT RAISE(ABORT, "
                    f"'append-only ledger: {op} on {table} refused'); END"
                )
        return statements

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
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
            raise ReplayError(self._replay_message(authorisation))
        if not head.position:
            # Genesis: its keys are registered by the command itself.
            c.execute(
                f"SELECT group_concat(originator_id || ' ' || topic, '|') FROM "
                f"{self.events_table_name} WHERE originator_id IN ({marks})",
                tuple(streams),
            )
            history = c.fetchone()[0]
        self._judge_keys(_history(history, streams), authorisation, signer)
        rows = seal(head, stored_events, ids, metas, authorisation, signer)
        c.executemany(
            f"INSERT INTO {CHAIN_TABLE} VALUES (?,?,?,?,?,?,?,?,?)",
            [r.as_tuple() for r in rows],
        )
        self._sealed(rows)
        return ids

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
                raise LedgerError("internal: event rowids are not consecutive")
        return list(range(first, first + len(params)))

    # --- reading, for verification and proofs -------------------------------------

    def chain_head(self) -> ChainHead:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT position, entry_hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1"
            )
            row = c.fetchone()
        return ChainHead(row[0], bytes(row[1])) if row else ChainHead(0, ZERO_HASH)

    def select_chain(self, after: int, limit: int) -> list[ChainRow]:
        """Chain rows with positions > ``after``, each joined with its stored event."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT c.position, c.entry, c.entry_hash, c.command, c.actor_key, c.nonce, "
                "c.signer, c.signature, e.originator_id, e.originator_version, e.topic, e.state, "
                f"c.notification_id FROM {CHAIN_TABLE} c LEFT JOIN {self.events_table_name} e "
                "ON e.rowid = c.notification_id "
                "WHERE c.position > ? ORDER BY c.position LIMIT ?",
                (after, limit),
            )
            return [_chain_row(tuple(r), _sqlite_stream) for r in c.fetchall()]

    def first_unchained_event(self, chained: int) -> tuple[int, int] | None:
        """(notification id, chain position it would follow) of an event stored without
        a chain row. ``chained``: how many chain rows were verified to point at distinct
        stored events; if the event table holds no more than that, there is none."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) FROM {self.events_table_name}")
            if c.fetchone()[0] <= chained:
                return None
            c.execute(
                f"SELECT e.rowid FROM {self.events_table_name} e WHERE NOT EXISTS "
                f"(SELECT 1 FROM {CHAIN_TABLE} c WHERE c.notification_id = e.rowid) "
                "ORDER BY e.rowid LIMIT 1"
            )
            row = c.fetchone()
            if row is None:
                return None
            c.execute(f"SELECT COUNT(*) FROM {CHAIN_TABLE} WHERE notification_id < ?", (row[0],))
            return row[0], c.fetchone()[0]


def _history(text: str | None, streams: dict[str, str]) -> dict[str, set[str]]:
    """``"stream topic|stream topic"`` -> {key id: {topics}}."""
    topics: dict[str, set[str]] = {}
    for item in (text or "").split("|"):
        stream, _, topic = item.partition(" ")
        if stream in streams:
            topics.setdefault(streams[stream], set()).add(topic)
    return topics


def _sqlite_stream(value: Any) -> str:
    try:
        return str(UUID(hex=str(value)))
    except ValueError:
        return str(value)


def _pg_stream(value: Any) -> str:
    return str(value)


def _blob(value: Any) -> bytes:
    """Stored bytes, whatever type the column holds now (SQLite columns are untyped,
    and a hand-edited row may hold TEXT or a number): the hashes judge the content."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return str(value).encode("utf-8")


def _chain_row(r: tuple[Any, ...], stream: Any) -> ChainRow:
    event = (
        None if r[8] is None else StoredEventRow(stream(r[8]), _int(r[9]), str(r[10]), _blob(r[11]))
    )
    return ChainRow(
        position=_int(r[0]),
        entry=_blob(r[1]),
        entry_hash=_blob(r[2]),
        command=None if r[3] is None else _blob(r[3]),
        actor_key=None if r[4] is None else str(r[4]),
        nonce=None if r[5] is None else str(r[5]),
        signer=None if r[6] is None else str(r[6]),
        signature=None if r[7] is None else _blob(r[7]),
        event=event,
        notification_id=_int(r[12]),
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class ChainedPostgresRecorder(PostgresApplicationRecorder, ChainWriter):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        if datastore.enable_db_functions:
            raise ConfigurationError(
                "POSTGRES_ENABLE_DB_FUNCTIONS bypasses the chain; it must stay off"
            )
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        self.chain = SQL("{}.{}").format(schema, Identifier(CHAIN_TABLE))
        self.events = SQL("{}.{}").format(schema, Identifier(self.events_table_name))
        refuse = Identifier(f"{self.events_table_name}_append_only")
        self.chain_statements = [
            SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema),
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "position bigint PRIMARY KEY, "
                "notification_id bigint NOT NULL, "
                "entry bytea NOT NULL, entry_hash bytea NOT NULL, "
                "command bytea, actor_key text, nonce text, "
                "signer text, signature bytea)"
            ).format(self.chain),
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} (actor_key, nonce) "
                "WHERE command IS NOT NULL"
            ).format(Identifier(f"{CHAIN_TABLE}_nonce"), self.chain),
            SQL(
                "CREATE OR REPLACE FUNCTION {}.{}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION 'append-only ledger: % on % refused', "
                "TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; END $$"
            ).format(schema, refuse),
        ]
        for table in (self.events_table_name, CHAIN_TABLE):
            target = SQL("{}.{}").format(schema, Identifier(table))
            self.chain_statements += [
                SQL(
                    "CREATE OR REPLACE TRIGGER {} BEFORE UPDATE OR DELETE ON {} "
                    "FOR EACH ROW EXECUTE FUNCTION {}.{}()"
                ).format(Identifier(f"{table}_no_change"), target, schema, refuse),
                SQL(
                    "CREATE OR REPLACE TRIGGER {} BEFORE TRUNCATE ON {} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION {}.{}()"
                ).format(Identifier(f"{table}_no_truncate"), target, schema, refuse),
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
            "FROM {events} WHERE originator_id = %s) AS keys "
            "FROM (SELECT 1) one LEFT JOIN "
            "(SELECT position, entry_hash FROM {chain} ORDER BY position DESC LIMIT 1) h ON true"
        ).format(chain=self.chain, events=self.events)

    def create_table(self) -> None:
        """Create everything once, under an advisory lock (concurrent start-ups)."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_LOCK_ID,))
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
            for statement in self.chain_statements[1:]:
                curs.execute(statement, prepare=False)
        self.datastore.register_type_adapters()

    def _insert_stored_events(
        self, curs: psycopg.Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # The library takes LOCK TABLE ... IN EXCLUSIVE MODE and inserts the events.
        super()._insert_stored_events(curs, stored_events, **kwargs)
        authorisation, _, signer = self._batch(stored_events, kwargs)
        streams = [key_stream_id(k) for k in (authorisation.key_id, signer.key_id)]
        # Queued in the same pipeline, so it costs no round trip of its own: the head
        # (which cannot move while we hold the lock), the nonce, the keys' history.
        state = curs.connection.cursor()
        state.execute(
            self._state_query, (authorisation.key_id, authorisation.nonce, *streams), prepare=True
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
            raise ReplayError(self._replay_message(authorisation))
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
        rows: list[SealedRow] = seal(head, stored_events, ids, metas, authorisation, signer)
        curs.executemany(
            SQL("INSERT INTO {} VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)").format(self.chain),
            [r.as_tuple() for r in rows],
        )
        self._sealed(rows)
        return ids

    # --- reading -------------------------------------------------------------------------

    def chain_head(self) -> ChainHead:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL("SELECT position, entry_hash FROM {} ORDER BY position DESC LIMIT 1").format(
                    self.chain
                )
            )
            row = curs.fetchone()
        return (
            ChainHead(row["position"], bytes(row["entry_hash"])) if row else ChainHead(0, ZERO_HASH)
        )

    def select_chain(self, after: int, limit: int) -> list[ChainRow]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT c.position, c.entry, c.entry_hash, c.command, c.actor_key, c.nonce, "
                    "c.signer, c.signature, e.originator_id, e.originator_version, e.topic, "
                    "e.state, c.notification_id FROM {} c LEFT JOIN {} e "
                    "ON e.notification_id = c.notification_id "
                    "WHERE c.position > %s ORDER BY c.position LIMIT %s"
                ).format(self.chain, self.events),
                (after, limit),
            )
            return [_chain_row(tuple(r.values()), _pg_stream) for r in curs.fetchall()]

    def first_unchained_event(self, chained: int) -> tuple[int, int] | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(SQL("SELECT COUNT(*) AS n FROM {}").format(self.events))
            counted = curs.fetchone()
            assert counted is not None
            if counted["n"] <= chained:
                return None
            curs.execute(
                SQL(
                    "SELECT e.notification_id AS id FROM {} e WHERE NOT EXISTS "
                    "(SELECT 1 FROM {} c WHERE c.notification_id = e.notification_id) "
                    "ORDER BY e.notification_id LIMIT 1"
                ).format(self.events, self.chain)
            )
            row = curs.fetchone()
            if row is None:
                return None
            curs.execute(
                SQL("SELECT COUNT(*) AS n FROM {} WHERE notification_id < %s").format(self.chain),
                (row["id"],),
            )
            counted = curs.fetchone()
            assert counted is not None
            return row["id"], counted["n"]


ChainedRecorder = ChainedSQLiteRecorder | ChainedPostgresRecorder


class LedgerSQLiteConnectionPool(SQLiteConnectionPool):
    """The library's pool, with a real statement cache.

    The library connects with ``cached_statements=True``, which ``sqlite3`` reads as
    a cache of one statement; a chained commit runs four, so each would be parsed
    and planned again on every append.
    """

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
        if not self.is_sqlite_memory_mode and not self.is_journal_mode_wal:
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
