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

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
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
            "notification_id INTEGER NOT NULL UNIQUE, "
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
        # The first INSERT takes SQLite's write lock; only then is the head stable.
        ids = super()._insert_events(c, stored_events, **kwargs)
        assert ids is not None
        c.execute(f"SELECT position, entry_hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        head = ChainHead(row[0], row[1]) if row else ChainHead(0, ZERO_HASH)
        self._check_command(c, authorisation, signer, head, ids[0])
        rows = seal(head, stored_events, ids, metas, authorisation, signer)
        c.executemany(
            f"INSERT INTO {CHAIN_TABLE} VALUES (?,?,?,?,?,?,?,?,?)",
            [r.as_tuple() for r in rows],
        )
        return ids

    def _check_command(
        self,
        c: SQLiteCursor,
        authorisation: Authorisation,
        signer: SigningKey,
        head: ChainHead,
        first_id: int,
    ) -> None:
        c.execute(
            f"SELECT 1 FROM {CHAIN_TABLE} WHERE actor_key=? AND nonce=? AND command IS NOT NULL",
            (authorisation.key_id, authorisation.nonce),
        )
        if c.fetchone():
            raise ReplayError(f"nonce {authorisation.nonce} was already used by key {authorisation.key_id}")
        streams = {key_stream_id(k).hex: k for k in (authorisation.key_id, signer.key_id)}
        # Keys count if registered before this command -- or within it, for genesis only.
        before = "AND rowid < ?" if head.position else ""
        c.execute(
            f"SELECT originator_id, topic FROM {self.events_table_name} "
            f"WHERE originator_id IN ({','.join('?' * len(streams))}) {before}",
            (*streams, first_id) if head.position else tuple(streams),
        )
        topics: dict[str, set[str]] = {}
        for stream, topic in c.fetchall():
            topics.setdefault(streams[stream], set()).add(topic)
        self._judge_keys(topics, authorisation, signer)

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
                "c.signer, c.signature, e.originator_id, e.originator_version, e.topic, e.state "
                f"FROM {CHAIN_TABLE} c LEFT JOIN {self.events_table_name} e "
                "ON e.rowid = c.notification_id "
                "WHERE c.position > ? ORDER BY c.position LIMIT ?",
                (after, limit),
            )
            return [_chain_row(tuple(r), _sqlite_stream) for r in c.fetchall()]

    def nonce_position(self, key_id: str, nonce: str) -> int | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT position FROM {CHAIN_TABLE} WHERE actor_key=? AND nonce=? "
                "AND command IS NOT NULL",
                (key_id, nonce),
            )
            row = c.fetchone()
        return None if row is None else int(row[0])

    def positions_of(self, notification_ids: Sequence[int]) -> list[int]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT position FROM {CHAIN_TABLE} WHERE notification_id IN "
                f"({','.join('?' * len(notification_ids))}) ORDER BY position",
                tuple(notification_ids),
            )
            return [int(r[0]) for r in c.fetchall()]

    def first_unchained_event(self) -> tuple[int, int] | None:
        """(notification id, chain position it would follow) of an unchained event."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT e.rowid FROM {self.events_table_name} e WHERE NOT EXISTS "
                f"(SELECT 1 FROM {CHAIN_TABLE} c WHERE c.notification_id = e.rowid) "
                "ORDER BY e.rowid LIMIT 1"
            )
            row = c.fetchone()
            if row is None:
                return None
            c.execute(
                f"SELECT COUNT(*) FROM {CHAIN_TABLE} WHERE notification_id < ?", (row[0],)
            )
            return row[0], c.fetchone()[0]


def _sqlite_stream(value: Any) -> str:
    return str(UUID(hex=value))


def _pg_stream(value: Any) -> str:
    return str(value)


def _chain_row(r: tuple[Any, ...], stream: Any) -> ChainRow:
    event = (
        None
        if r[8] is None
        else StoredEventRow(stream(r[8]), r[9], r[10], bytes(r[11]))
    )
    return ChainRow(
        position=r[0],
        entry=bytes(r[1]),
        entry_hash=bytes(r[2]),
        command=None if r[3] is None else bytes(r[3]),
        actor_key=r[4],
        nonce=r[5],
        signer=r[6],
        signature=None if r[7] is None else bytes(r[7]),
        event=event,
    )


class ChainedPostgresRecorder(PostgresApplicationRecorder, ChainWriter):
    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ):
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
                "notification_id bigint NOT NULL UNIQUE, "
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

    def _fetch_ids_after_insert_events(
        self, curs: psycopg.Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        authorisation, metas, signer = self._batch(stored_events, kwargs)
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        assert ids is not None
        # Runs after LOCK TABLE ... IN EXCLUSIVE MODE: the head cannot move under us.
        curs.execute(
            SQL("SELECT position, entry_hash FROM {} ORDER BY position DESC LIMIT 1").format(
                self.chain
            ),
            prepare=True,
        )
        row = curs.fetchone()
        head = ChainHead(row["position"], bytes(row["entry_hash"])) if row else ChainHead(0, ZERO_HASH)
        curs.execute(
            SQL(
                "SELECT 1 AS used FROM {} WHERE actor_key = %s AND nonce = %s "
                "AND command IS NOT NULL"
            ).format(self.chain),
            (authorisation.key_id, authorisation.nonce),
            prepare=True,
        )
        if curs.fetchone():
            raise ReplayError(f"nonce {authorisation.nonce} was already used by key {authorisation.key_id}")
        streams = {key_stream_id(k): k for k in (authorisation.key_id, signer.key_id)}
        # Keys count if registered before this command -- or within it, for genesis only.
        curs.execute(
            SQL(
                "SELECT originator_id, topic FROM {} WHERE originator_id = ANY(%s) "
                "AND notification_id < %s"
            ).format(self.events),
            (list(streams), min(ids) if head.position else max(ids) + 1),
            prepare=True,
        )
        topics: dict[str, set[str]] = {}
        for r in curs.fetchall():
            topics.setdefault(streams[r["originator_id"]], set()).add(r["topic"])
        self._judge_keys(topics, authorisation, signer)
        rows: list[SealedRow] = seal(head, stored_events, ids, metas, authorisation, signer)
        curs.executemany(
            SQL("INSERT INTO {} VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)").format(self.chain),
            [r.as_tuple() for r in rows],
        )
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
        return ChainHead(row["position"], bytes(row["entry_hash"])) if row else ChainHead(0, ZERO_HASH)

    def select_chain(self, after: int, limit: int) -> list[ChainRow]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT c.position, c.entry, c.entry_hash, c.command, c.actor_key, c.nonce, "
                    "c.signer, c.signature, e.originator_id, e.originator_version, e.topic, "
                    "e.state FROM {} c LEFT JOIN {} e ON e.notification_id = c.notification_id "
                    "WHERE c.position > %s ORDER BY c.position LIMIT %s"
                ).format(self.chain, self.events),
                (after, limit),
            )
            return [_chain_row(tuple(r.values()), _pg_stream) for r in curs.fetchall()]

    def nonce_position(self, key_id: str, nonce: str) -> int | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT position FROM {} WHERE actor_key = %s AND nonce = %s "
                    "AND command IS NOT NULL"
                ).format(self.chain),
                (key_id, nonce),
            )
            row = curs.fetchone()
        return None if row is None else int(row["position"])

    def positions_of(self, notification_ids: Sequence[int]) -> list[int]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT position FROM {} WHERE notification_id = ANY(%s) ORDER BY position"
                ).format(self.chain),
                (list(notification_ids),),
            )
            return [int(r["position"]) for r in curs.fetchall()]

    def first_unchained_event(self) -> tuple[int, int] | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
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
