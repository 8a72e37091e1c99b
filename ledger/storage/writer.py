"""The chain writer the chained recorders share (:class:`ChainWriter`): the chain,
tree, checkpoint and cosignature tables, writing a command's chain rows and Merkle
tree nodes inside the recorder's transaction, and reading them back.

Each backend (:mod:`ledger.storage.recorders`) supplies a small SQL adapter
(:meth:`ChainWriter.query`, :meth:`ChainWriter.execute`) and its table names;
:class:`ChainWriter` does the rest once. Invariants: see the recorders' docstring.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.audit.hashing import ZERO_HASH, MerkleFrontier
from ledger.audit.keystate import KEY_REGISTERED_TOPIC, KEY_REVOKED_TOPIC, KEY_ROTATED_TOPIC
from ledger.audit.report import ChainRow, StoredEventRow
from ledger.audit.rows import Neighbour, expand_rows, is_compact
from ledger.audit.timing import TOLERANCE, iso
from ledger.authorisation import Authorisation
from ledger.errors import (
    ConflictError,
    KeyNotValidError,
    LedgerError,
    ReplayError,
    ValidationError,
)
from ledger.i18n import _
from ledger.keys import SigningKey
from ledger.storage.chain import ChainHead, EventMeta, SealedRow
from ledger.storage.merkle import Node
from ledger.storage.sequencer import Request, Sequencer

CHAIN_TABLE = "ledger_chain"

#: One entry as the projections read it (:meth:`ChainWriter.select_entries`).
EntryRow = tuple[int, bytes, bytes | None, str | None, str | None, bytes | None]


TREE_TABLE = "ledger_tree"


CHECKPOINTS_TABLE = "ledger_checkpoints"


COSIGNATURES_TABLE = "ledger_cosignatures"


APPEND_ONLY_TABLES = (CHAIN_TABLE, TREE_TABLE, CHECKPOINTS_TABLE, COSIGNATURES_TABLE)


#: The writer's stored copy of the state map (:mod:`ledger.storage.statemaps`): its size,
#: its non-empty buckets' hashes and leaves, and the (subject, stream) links of its trail
#: index with the position that made each. Not evidence and not append-only (a leaf's
#: value changes as its stream grows): the operator's cache, which no verifier reads.
STATE_SIZE_TABLE = "ledger_state_size"
STATE_BUCKETS_TABLE = "ledger_state_buckets"
STATE_LEAVES_TABLE = "ledger_state_leaves"
STATE_LINKS_TABLE = "ledger_state_links"
STATE_TABLES = {
    "state_size": STATE_SIZE_TABLE,
    "state_buckets": STATE_BUCKETS_TABLE,
    "state_leaves": STATE_LEAVES_TABLE,
    "state_links": STATE_LINKS_TABLE,
}
#: How many values one ``IN (...)`` list of the state readers holds.
STATE_CHUNK = 400


ADVISORY_LOCK_ID = 0x5348_5553_5549  # "SHUSUI": serialises table creation


CHAIN_COLUMNS = (
    "c.position, c.entry, c.entry_hash, c.command, c.actor_key, c.nonce, c.signer, "
    "c.signature, e.originator_id, e.originator_version, e.topic, e.state, c.notification_id"
)


def schema_statements(blob: str, integer: str, keyed: str = "") -> list[str]:
    """The ledger's own tables, in the dialect's type names. ``keyed``: what follows the
    definition of a table kept in its primary key's own B-tree (SQLite: ``WITHOUT
    ROWID``, so a tree node is one B-tree insert per commit, not a row and an index
    entry; a ledger made before keeps its table as it was)."""
    return [
        f"CREATE TABLE IF NOT EXISTS {{chain}} (position {integer} PRIMARY KEY, "
        f"notification_id {integer} NOT NULL, entry {blob} NOT NULL, "
        f"entry_hash {blob} NOT NULL, command {blob}, actor_key TEXT, nonce TEXT, "
        f"signer TEXT, signature {blob})",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {CHAIN_TABLE}_nonce ON {{chain}} (actor_key, nonce) "
        "WHERE command IS NOT NULL",
        # An event's chain row by its notification id: reading by topic starts from the
        # events (issue 15.4).
        f"CREATE INDEX IF NOT EXISTS {CHAIN_TABLE}_event ON {{chain}} (notification_id)",
        f"CREATE TABLE IF NOT EXISTS {{tree}} (level {integer} NOT NULL, idx {integer} NOT NULL, "
        f"hash {blob} NOT NULL, PRIMARY KEY (level, idx)){keyed}",
        f"CREATE TABLE IF NOT EXISTS {{checkpoints}} (size {integer} PRIMARY KEY, "
        f"root {blob} NOT NULL, note TEXT NOT NULL, created TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {{cosignatures}} (size {integer} NOT NULL, "
        f"witness TEXT NOT NULL, key_id {blob} NOT NULL, line TEXT NOT NULL, "
        "added TEXT NOT NULL, PRIMARY KEY (size, witness, key_id))",
        f"CREATE TABLE IF NOT EXISTS {{state_size}} (id {integer} PRIMARY KEY, "
        f"size {integer} NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {{state_buckets}} (bucket {integer} PRIMARY KEY, "
        f"hash {blob} NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {{state_leaves}} (bucket {integer} NOT NULL, "
        f"key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (bucket, key)){keyed}",
        f"CREATE TABLE IF NOT EXISTS {{state_links}} (subject TEXT NOT NULL, "
        f"stream TEXT NOT NULL, position {integer} NOT NULL, PRIMARY KEY (subject, stream))"
        f"{keyed}",
    ]


class ChainWriter:
    """What both chained recorders share: the batch context, the checks, the readers."""

    signer: SigningKey | None = None
    names: dict[str, str]
    events_table_name: str

    def _init_chain(self) -> None:
        self._local = threading.local()
        self._tree_cache: tuple[MerkleFrontier, bytes] | None = None
        #: Group commit: this process's concurrent commands share a transaction.
        self.sequencer = Sequencer(self._write_batch)
        #: (position, entry hash, signed ``created``) of the last command whose time
        #: :meth:`_judge_time` read, so its evidence is parsed once.
        self._last_command: tuple[int, bytes, int] | None = None

    def set_signer(self, signer: SigningKey) -> None:
        self.signer = signer

    # -- the backend's SQL adapter ------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read with ``?`` placeholders and ``{chain}``-style table names."""
        raise NotImplementedError

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one write in its own transaction."""
        raise NotImplementedError

    def _stream(self, value: Any) -> str:
        raise NotImplementedError

    # -- the write path ---------------------------------------------------------------------
    def _write_batch(self, batch: list[Request]) -> None:
        """Write a batch of commands in one transaction (:mod:`ledger.storage.sequencer`)."""
        raise NotImplementedError

    def _sequenced(self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> Any:
        """Record one command through the sequencer: its notification ids, or its error.
        The thread that sent it remembers where it landed (for its receipt)."""
        request = self.sequencer.submit(stored_events, kwargs)
        if request.error is not None:
            raise request.error
        self._local.positions = request.positions
        self._local.hashes = request.hashes
        return request.ids

    @staticmethod
    def _landed(request: Request, ids: Sequence[int], rows: Sequence[SealedRow]) -> None:
        request.recorded(ids, [r.position for r in rows], [r.entry_hash for r in rows])

    def _batch(
        self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]
    ) -> tuple[Authorisation, Sequence[EventMeta], SigningKey]:
        authorisation = kwargs.get("authorisation")
        metas = kwargs.get("metas")
        if not isinstance(authorisation, Authorisation):
            raise LedgerError(_("refusing to record events without a command's authorisation"))
        if metas is None or len(metas) != len(stored_events):
            raise LedgerError(_("internal: chain metadata missing for the events"))
        if self.signer is None:
            raise LedgerError(_("this ledger was opened read-only (no ledger key)"))
        return authorisation, metas, self.signer

    def _sealed(self, rows: Sequence[SealedRow], frontier: MerkleFrontier) -> None:
        """Cache the frontier after the command's rows (only a batch's writer calls it;
        a batch that fails leaves a frontier whose size no head matches)."""
        self._tree_cache = (frontier, rows[-1].entry_hash)

    def last_positions(self) -> list[int]:
        return list(getattr(self._local, "positions", []))

    def last_entry_hashes(self) -> list[bytes]:
        """The entry hashes of the last command this thread recorded (for its receipt)."""
        return list(getattr(self._local, "hashes", []))

    @staticmethod
    def _refuse_replay(authorisation: Authorisation) -> None:
        raise ReplayError(
            _(
                "nonce {nonce} was already used by key {key_id}",
                nonce=authorisation.nonce,
                key_id=authorisation.key_id,
            )
        )

    @staticmethod
    def _judge_keys(
        topics: dict[str, set[str]], authorisation: Authorisation, signer: SigningKey
    ) -> None:
        for role, key_id in (("actor", authorisation.key_id), ("ledger", signer.key_id)):
            seen = topics.get(key_id, set())
            if KEY_REGISTERED_TOPIC not in seen:
                raise KeyNotValidError(
                    _(
                        "{role} key {key_id} is not registered in this ledger",
                        role=role,
                        key_id=key_id,
                    )
                )
            if seen & {KEY_REVOKED_TOPIC, KEY_ROTATED_TOPIC}:
                raise KeyNotValidError(
                    _("{role} key {key_id} was revoked or rotated", role=role, key_id=key_id)
                )

    def _last_command_key(self) -> tuple[int, bytes]:
        """The parameters of the last-command look-up: the one already read, whose
        stored command the look-up then does not return again."""
        seen = self._last_command
        return (seen[0], seen[1]) if seen else (0, b"")

    def _judge_time(
        self,
        authorisation: Authorisation,
        kwargs: dict[str, Any],
        last: tuple[Any, ...] | None,
    ) -> None:
        """Refuse what the auditor would refuse (format 2, :mod:`ledger.audit.timing`): a
        command signed more than ``TOLERANCE`` seconds before the last one recorded.

        Judged inside the write transaction, against the last command as the
        transaction sees it -- one recorded a moment ago by another process, or earlier
        in the same batch -- so no two commands checked against the same past can land
        out of order. ``last``: (position, entry hash, stored command or None when it
        is the one read before, actor key, nonce) of the last command, None if there is
        none. ``kwargs["created_of"]`` (given by the ledger when the check applies)
        reads a stored command's signed ``created``."""
        created_of = kwargs.get("created_of")
        if created_of is None or last is None:
            return
        position, entry_hash, command, key, nonce = last
        entry_hash = bytes(entry_hash)
        seen = self._last_command
        if command is None and seen is not None and seen[:2] == (position, entry_hash):
            created = seen[2]
        else:
            created = created_of(bytes(command), key, nonce)
            self._last_command = (position, entry_hash, created)
        if authorisation.created < created - TOLERANCE:
            raise ValidationError(
                _(
                    "the command was signed at {signed}, more than {tolerance} s before the "
                    "command at position {position} ({created}); the log's times only move "
                    "forward",
                    signed=iso(authorisation.created),
                    tolerance=TOLERANCE,
                    position=position,
                    created=iso(created),
                ),
                {
                    "created": [
                        _(
                            "before {created} - {tolerance} s",
                            created=iso(created),
                            tolerance=TOLERANCE,
                        )
                    ]
                },
            )

    def _remember_command(self, rows: Sequence[SealedRow], authorisation: Authorisation) -> None:
        """This command is now the last one (its first row holds it): the next
        :meth:`_judge_time` need not parse it back. Keyed by entry hash as well, so a
        batch rolled back cannot leave a stale time for a position used again."""
        self._last_command = (rows[0].position, rows[0].entry_hash, authorisation.created)

    def _grow_tree(
        self, rows: Sequence[SealedRow], frontier: MerkleFrontier
    ) -> list[tuple[int, int, bytes]]:
        nodes = [node for r in rows for node in frontier.append(r.entry_hash)]
        self._sealed(rows, frontier)
        return nodes

    def _cached_frontier(self, head: ChainHead) -> MerkleFrontier | None:
        cached = self._tree_cache
        if cached and cached[0].size == head.position and cached[1] == head.entry_hash:
            return cached[0]
        return None

    # -- reading ----------------------------------------------------------------------------
    def chain_head(self) -> ChainHead:
        rows = self.query("SELECT position, entry_hash FROM {chain} ORDER BY position DESC LIMIT 1")
        return ChainHead(rows[0][0], bytes(rows[0][1])) if rows else ChainHead(0, ZERO_HASH)

    def nonce_used(self, key_id: str, nonce: str) -> bool:
        """Whether a command of ``key_id`` with ``nonce`` is recorded."""
        return bool(
            self.query(
                "SELECT 1 FROM {chain} WHERE actor_key = ? AND nonce = ? AND command IS NOT NULL",
                (key_id, nonce),
            )
        )

    def select_chain(self, after: int, limit: int, *, expand: bool = True) -> list[ChainRow]:
        """Chain rows with positions > ``after``, each joined with its stored event.
        ``expand=False``: compact rows (ledger format 4) as stored, not expanded into
        the entries and evidence they stand for (:meth:`expand_chain` does that)."""
        rows = self._stored_chain_rows(after, limit)
        return self.expand_chain(rows) if expand else rows

    def _stored_chain_rows(self, after: int, limit: int) -> list[ChainRow]:
        """:meth:`select_chain`'s rows unexpanded."""
        return self._read_chain_rows(
            f"SELECT {CHAIN_COLUMNS} FROM {{chain}} c LEFT JOIN {{events}} e "
            "ON e.{event_id} = c.notification_id WHERE c.position > ? "
            "ORDER BY c.position LIMIT ?",
            (after, limit),
        )

    def _read_chain_rows(self, sql: str, params: Sequence[Any]) -> list[ChainRow]:
        """The chain rows a read of ``CHAIN_COLUMNS`` gives, unexpanded, read as plain
        tuples. Whatever type a column holds now (SQLite columns are untyped, and a
        hand-edited row may hold TEXT or a number) is converted -- bytes by
        :func:`stored_bytes`, numbers by :func:`as_int`, a stream id by :meth:`_stream`
        -- and what already has the right type is taken as it is (a stream id stored as
        32 lowercase hex digits formatted as ``UUID`` prints it)."""
        out: list[ChainRow] = []
        for r in self._entry_rows(sql, params):
            position, entry, entry_hash, command, key, nonce, signer, signature = r[:8]
            raw, version, topic, state, notification = r[8:13]
            if raw is None:
                event = None
            else:
                event = StoredEventRow(
                    f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
                    if type(raw) is str and HEX32.fullmatch(raw)
                    else self._stream(raw),
                    version if type(version) is int else as_int(version),
                    topic if type(topic) is str else str(topic),
                    state if type(state) is bytes else stored_bytes(state),
                )
            out.append(
                ChainRow(
                    position if type(position) is int else as_int(position),
                    entry if type(entry) is bytes else stored_bytes(entry),
                    entry_hash if type(entry_hash) is bytes else stored_bytes(entry_hash),
                    command if command is None or type(command) is bytes else stored_bytes(command),
                    key if key is None or type(key) is str else str(key),
                    nonce if nonce is None or type(nonce) is str else str(nonce),
                    signer if signer is None or type(signer) is str else str(signer),
                    signature
                    if signature is None or type(signature) is bytes
                    else stored_bytes(signature),
                    event,
                    notification if type(notification) is int else as_int(notification),
                )
            )
        return out

    def select_entries(self, after: int, limit: int) -> list[EntryRow]:
        """What the projections read of the entries with positions > ``after``, as plain
        tuples: (position, entry, command evidence or None, stream id as text -- as
        :meth:`select_chain` gives it --, topic, event state). The stream and topic are
        None if the entry's event is gone. The signatures, hashes and key columns are
        not read, and no object is made per row."""
        out: list[EntryRow] = []
        compact: list[int] = []
        extra: list[tuple[bytes, str | None, str | None, int]] = []
        for position, entry, command, stream, topic, state, raw, *more in self._entry_rows(
            # Named: PostgreSQL's rows are dicts, and two columns would share a name.
            f"SELECT c.position, c.entry, c.command, {self.stream_text} AS stream_text, "
            "e.topic, e.state, e.originator_id AS raw_stream, c.entry_hash, c.actor_key, "
            "c.nonce, e.originator_version FROM {chain} c LEFT JOIN {events} e "
            "ON e.{event_id} = c.notification_id WHERE c.position > ? "
            "ORDER BY c.position LIMIT ?",
            (after, limit),
        ):
            if stream is None and raw is not None:
                stream = self._stream(raw)
            entry = entry if type(entry) is bytes else stored_bytes(entry)
            command = (
                command if command is None or type(command) is bytes else stored_bytes(command)
            )
            if is_compact(entry) or is_compact(command):
                compact.append(len(out))
            extra.append(
                (
                    stored_bytes(more[0]),
                    None if more[1] is None else str(more[1]),
                    None if more[2] is None else str(more[2]),
                    as_int(more[3]),
                )
            )
            out.append(
                (
                    position if type(position) is int else as_int(position),
                    entry,
                    command,
                    stream,
                    None if topic is None else str(topic),
                    state if state is None or type(state) is bytes else stored_bytes(state),
                )
            )
        if compact:
            # Compact rows (ledger format 4): the entries and evidence as they are hashed.
            expanded = expand_rows(
                [
                    (p, e, h, c, k, n, s, v, t or "", b or b"")
                    for (p, e, c, s, t, b), (h, k, n, v) in zip(out, extra, strict=True)
                ],
                self._neighbours,
            )
            out = [
                (p, entry, command, s, t, b)
                for (p, __, ___, s, t, b), (entry, command) in zip(out, expanded, strict=True)
            ]
        return out

    #: The events table's stream id as text, in SQL (None where it cannot be read there;
    #: :meth:`_stream` reads it then).
    stream_text = "e.originator_id"

    def _entry_rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Rows of a read as plain tuples (the backend may skip its row objects)."""
        return self.query(sql, params)

    def select_positions(self, positions: Sequence[int]) -> list[ChainRow]:
        if not positions:
            return []
        rows = self._read_chain_rows(
            f"SELECT {CHAIN_COLUMNS} FROM {{chain}} c LEFT JOIN {{events}} e "
            "ON e.{event_id} = c.notification_id WHERE c.position IN "
            f"({','.join('?' * len(positions))}) ORDER BY c.position",
            tuple(positions),
        )
        return self.expand_chain(rows)

    def stream_param(self, stream: UUID) -> Any:
        """A stream id as this backend's events table stores it (a UUID; SQLite: hex)."""
        return stream

    def positions_of_stream(self, stream: UUID) -> list[int]:
        """Chain positions of every event of one stream, in order."""
        sid = self.stream_param(stream)
        rows = self.query(
            "SELECT c.position FROM {events} e JOIN {chain} c ON c.notification_id = e.{event_id} "
            "WHERE e.originator_id = ? ORDER BY c.position",
            (sid,),
        )
        return [int(r[0]) for r in rows]

    def positions_of_topics(self, topics: Sequence[str]) -> list[int]:
        """Chain positions of every event with one of ``topics``, in order."""
        rows = self.query(
            "SELECT c.position FROM {events} e JOIN {chain} c ON c.notification_id = e.{event_id} "
            f"WHERE e.topic IN ({','.join('?' * len(topics))}) ORDER BY c.position",
            tuple(topics),
        )
        return [int(r[0]) for r in rows]

    def select_events_of_topic(
        self, topic: str, after_event: int, limit: int, up_to: int | None = None
    ) -> list[tuple[int, int, str, bytes]]:
        """(notification id, position, stream, stored state) of the events with this
        topic whose notification id follows ``after_event``, in notification order, which
        is chain order; no further than position ``up_to``. Reads through the topic
        index: the cost follows the topic's events, not the log's size (issue 15.4)."""
        bound = "AND c.position <= ? " if up_to is not None else ""
        rows = self.query(
            "SELECT e.{event_id}, c.position, e.originator_id, e.state FROM {events} e "
            "JOIN {chain} c ON c.notification_id = e.{event_id} "
            f"WHERE e.topic = ? AND e.{{event_id}} > ? {bound}"
            "ORDER BY e.{event_id} LIMIT ?",
            (topic, after_event, *(() if up_to is None else (up_to,)), limit),
        )
        return [(int(r[0]), int(r[1]), self._stream(r[2]), stored_bytes(r[3])) for r in rows]

    def select_topic_events(
        self, topics: Sequence[str], after: int, limit: int, up_to: int | None = None
    ) -> list[tuple[int, str, str, bytes]]:
        """(position, stream, topic, stored state) of events with these topics, in order."""
        bound = "AND c.position <= ? " if up_to is not None else ""
        rows = self.query(
            "SELECT c.position, e.originator_id, e.topic, e.state FROM {chain} c "
            "JOIN {events} e ON e.{event_id} = c.notification_id "
            f"WHERE e.topic IN ({','.join('?' * len(topics))}) AND c.position > ? {bound}"
            "ORDER BY c.position LIMIT ?",
            (*topics, after, *(() if up_to is None else (up_to,)), limit),
        )
        return [(int(r[0]), self._stream(r[1]), str(r[2]), stored_bytes(r[3])) for r in rows]

    def select_entry_meta(
        self, after: int, up_to: int, limit: int, budget: int | None = None
    ) -> list[tuple[int, bytes, str, int, str, bytes]]:
        """(position, entry hash, stream, version, topic, stored state) of the entries in
        (after, up_to]: what the state map (:mod:`ledger.audit.statemap`) is built from.
        ``budget``: fewer entries when their states add up to more than that many bytes
        (at least one): a page of 5,000 directory batches is a gigabyte, where a page of
        small entries costs a few megabytes."""
        if budget is not None:
            up_to = self._within_budget(after, up_to, limit, budget)
        rows = self.query(
            "SELECT c.position, c.entry_hash, e.originator_id, e.originator_version, e.topic, "
            "e.state "
            "FROM {chain} c JOIN {events} e ON e.{event_id} = c.notification_id "
            "WHERE c.position > ? AND c.position <= ? ORDER BY c.position LIMIT ?",
            (after, up_to, limit),
        )
        return [
            (int(r[0]), bytes(r[1]), self._stream(r[2]), int(r[3]), str(r[4]), stored_bytes(r[5]))
            for r in rows
        ]

    def _within_budget(self, after: int, up_to: int, limit: int, budget: int) -> int:
        """The last position of the entries in (after, up_to] -- at most ``limit`` of
        them, and at least one -- whose states add up to ``budget`` bytes or less."""
        sizes = self.query(
            "SELECT c.position, LENGTH(e.state) "
            "FROM {chain} c JOIN {events} e ON e.{event_id} = c.notification_id "
            "WHERE c.position > ? AND c.position <= ? ORDER BY c.position LIMIT ?",
            (after, up_to, limit),
        )
        last, total = after, 0
        for position, size in sizes:
            total += as_int(size)
            if total > budget and last > after:
                break
            last = int(position)
        return max(last, after + 1)

    # -- the writer's stored state map (ledger.storage.statemaps) ---------------------------
    def state_size(self) -> int:
        """The size the stored state map is at (0: none stored)."""
        rows = self.query("SELECT size FROM {state_size} WHERE id = 1")
        return int(rows[0][0]) if rows else 0

    def state_bucket_hashes(self) -> dict[int, bytes]:
        return {int(b): bytes(h) for b, h in self.query("SELECT bucket, hash FROM {state_buckets}")}

    def state_leaves(self, buckets: Iterable[int]) -> list[tuple[int, str, str]]:
        """(bucket, key, value) of every stored leaf of ``buckets``."""
        wanted, found = sorted(set(buckets)), []
        for i in range(0, len(wanted), STATE_CHUNK):
            chunk = wanted[i : i + STATE_CHUNK]
            found += self.query(
                "SELECT bucket, key, value FROM {state_leaves} WHERE bucket IN ("
                + ",".join("?" * len(chunk))
                + ")",
                chunk,
            )
        return [(int(b), str(k), str(v)) for b, k, v in found]

    def state_links(self, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of the (subject key, stream) ``pairs`` the stored trail index holds."""
        wanted, found = sorted(set(pairs)), set[tuple[str, str]]()
        for i in range(0, len(wanted), STATE_CHUNK):
            chunk = wanted[i : i + STATE_CHUNK]
            rows = self.query(
                "SELECT subject, stream FROM {state_links} WHERE (subject, stream) IN (VALUES "
                + ",".join(["(?,?)"] * len(chunk))
                + ")",
                [value for pair in chunk for value in pair],
            )
            found.update((str(a), str(b)) for a, b in rows)
        return found

    def state_subject_streams(self, subject: str, up_to: int) -> list[str]:
        """The streams that named ``subject`` (a subject key) within the first ``up_to``
        entries, in the order they first did (the exporter's trail)."""
        rows = self.query(
            "SELECT stream FROM {state_links} WHERE subject = ? AND position <= ? "
            "ORDER BY position",
            (subject, up_to),
        )
        return [str(r[0]) for r in rows]

    def write_state(
        self,
        before: int,
        after: int,
        leaves: Sequence[tuple[int, str, str]],
        hashes: Sequence[tuple[int, bytes]],
        links: Sequence[tuple[str, str, int]],
    ) -> bool:
        """Move the stored state map from ``before`` to ``after`` in one transaction;
        False (nothing written) if another writer moved it first."""
        raise NotImplementedError

    #: What :meth:`write_state` runs, in order, in one transaction (``?`` placeholders).
    STATE_WRITES = (
        "INSERT INTO {state_leaves} VALUES (?,?,?) ON CONFLICT (bucket, key) "
        "DO UPDATE SET value = excluded.value",
        "INSERT INTO {state_buckets} VALUES (?,?) ON CONFLICT (bucket) "
        "DO UPDATE SET hash = excluded.hash",
        "INSERT INTO {state_links} VALUES (?,?,?)",
    )
    STATE_GUARD = "UPDATE {state_size} SET size = ? WHERE id = 1 AND size = ?"
    STATE_START = "INSERT INTO {state_size} VALUES (1, 0) ON CONFLICT (id) DO NOTHING"

    def streams_of_topic(self, topic: str) -> list[UUID]:
        rows = self.query("SELECT DISTINCT originator_id FROM {events} WHERE topic = ?", (topic,))
        return [UUID(self._stream(r[0])) for r in rows]

    def expand_chain(self, rows: list[ChainRow]) -> list[ChainRow]:
        """Rows read with ``select_chain(..., expand=False)`` as :meth:`select_chain`
        gives them: compact entries and evidence expanded (rows outside ``rows`` that
        an entry needs are read from the chain)."""
        if not any(is_compact(r.entry) or is_compact(r.command) for r in rows):
            return rows
        expanded = expand_rows(
            [
                (
                    r.position,
                    r.entry,
                    r.entry_hash,
                    r.command,
                    r.actor_key,
                    r.nonce,
                    None if r.event is None else r.event.stream,
                    0 if r.event is None else r.event.version,
                    "" if r.event is None else r.event.topic,
                    b"" if r.event is None else r.event.state,
                )
                for r in rows
            ],
            self._neighbours,
        )
        return [
            ChainRow(
                r.position,
                entry,
                r.entry_hash,
                command,
                r.actor_key,
                r.nonce,
                r.signer,
                r.signature,
                r.event,
                r.notification_id,
            )
            for r, (entry, command) in zip(rows, expanded, strict=True)
        ]

    def _neighbours(self, positions: list[int]) -> dict[int, Neighbour]:
        """What :func:`~ledger.audit.rows.expand_rows` reads of rows outside a batch."""
        out: dict[int, Neighbour] = {}
        for start in range(0, len(positions), 500):
            chunk = positions[start : start + 500]
            for position, entry_hash, command, key, nonce in self.query(
                "SELECT position, entry_hash, command, actor_key, nonce FROM {chain} "
                f"WHERE position IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                out[as_int(position)] = (
                    stored_bytes(entry_hash),
                    None if command is None else stored_bytes(command),
                    None if key is None else str(key),
                    None if nonce is None else str(nonce),
                )
        return out

    def first_unchained_event(self, chained: int) -> tuple[int, int] | None:
        """(notification id, chain position it would follow) of an event stored without
        a chain row. ``chained``: how many chain rows were verified to point at distinct
        stored events; if the event table holds no more than that, there is none."""
        if self.query("SELECT COUNT(*) FROM {events}")[0][0] <= chained:
            return None
        rows = self.query(
            "SELECT e.{event_id} FROM {events} e LEFT JOIN {chain} c "
            "ON c.notification_id = e.{event_id} WHERE c.position IS NULL "
            "ORDER BY e.{event_id} LIMIT 1"
        )
        before = self.query(
            "SELECT COUNT(*) FROM {chain} WHERE notification_id < ?", (rows[0][0],)
        )[0][0]
        return int(rows[0][0]), int(before)

    def nodes(self, keys: Iterable[Node]) -> dict[Node, bytes]:
        """Perfect Merkle nodes (level 0 = entry hashes), for proofs."""
        return read_nodes(self.query, keys)

    # -- checkpoints and cosignatures --------------------------------------------------------
    def insert_checkpoint(self, size: int, root: bytes, note: str, created: str) -> str:
        """Store a signed checkpoint once per size; return the stored note."""
        self.execute(
            "INSERT INTO {checkpoints} VALUES (?,?,?,?) ON CONFLICT (size) DO NOTHING",
            (size, root, note, created),
        )
        stored = self.query("SELECT root, note FROM {checkpoints} WHERE size = ?", (size,))
        if bytes(stored[0][0]) != root:
            raise ConflictError(
                _("a checkpoint for size {size} with another root exists", size=size)
            )
        return str(stored[0][1])

    def checkpoint_note(self, size: int | None = None) -> tuple[int, str] | None:
        """(size, note) of the checkpoint of ``size``, or of the latest one."""
        if size is None:
            rows = self.query("SELECT size, note FROM {checkpoints} ORDER BY size DESC LIMIT 1")
        else:
            rows = self.query("SELECT size, note FROM {checkpoints} WHERE size = ?", (size,))
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    def latest_checkpoint_created(self) -> tuple[int, str] | None:
        """(size, created ISO time) of the latest checkpoint, for monitoring its age."""
        rows = self.query("SELECT size, created FROM {checkpoints} ORDER BY size DESC LIMIT 1")
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    def checkpoint_covering(self, size: int) -> tuple[int, str] | None:
        """The smallest stored checkpoint that covers the first ``size`` entries."""
        rows = self.query(
            "SELECT size, note FROM {checkpoints} WHERE size >= ? ORDER BY size LIMIT 1", (size,)
        )
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    def checkpoint_sizes(self) -> list[int]:
        return [int(r[0]) for r in self.query("SELECT size FROM {checkpoints} ORDER BY size")]

    def add_cosignature(
        self, size: int, witness: str, key_id: bytes, line: str, added: str
    ) -> bool:
        """Store a verified cosignature line; False if this witness already cosigned."""
        before = self.cosignature_lines(size)
        self.execute(
            "INSERT INTO {cosignatures} VALUES (?,?,?,?,?) "
            "ON CONFLICT (size, witness, key_id) DO NOTHING",
            (size, witness, key_id, line, added),
        )
        return len(self.cosignature_lines(size)) > len(before)

    def cosignature_lines(self, size: int) -> list[str]:
        rows = self.query(
            "SELECT line FROM {cosignatures} WHERE size = ? ORDER BY added, witness", (size,)
        )
        return [str(r[0]) for r in rows]


def read_nodes(query: Any, keys: Iterable[Node]) -> dict[Node, bytes]:
    keys = list(keys)
    found: dict[Node, bytes] = {}
    leaves = [idx + 1 for level, idx in keys if level == 0]
    if leaves:
        rows = query(
            "SELECT position, entry_hash FROM {chain} WHERE position IN "
            f"({','.join('?' * len(leaves))})",
            leaves,
        )
        found.update(((0, int(r[0]) - 1), bytes(r[1])) for r in rows)
    by_level: dict[int, list[int]] = {}
    for level, idx in keys:
        if level > 0:
            by_level.setdefault(level, []).append(idx)
    if by_level:
        # One indexed lookup per level: a row-value ``(level, idx) IN (VALUES ...)``
        # is planned as a scan of the whole tree table (SQLite), O(n) per proof.
        parts, params = [], []
        for level, indexes in sorted(by_level.items()):
            parts.append(
                "SELECT level, idx, hash FROM {tree} WHERE level = ? AND idx IN "
                f"({','.join('?' * len(indexes))})"
            )
            params += [level, *indexes]
        rows = query(" UNION ALL ".join(parts), params)
        found.update(((int(r[0]), int(r[1])), bytes(r[2])) for r in rows)
    return found


class CursorNodes:
    """A :class:`~ledger.storage.merkle.NodeSource` on the write transaction's own cursor."""

    def __init__(self, query: Any) -> None:
        self.query = query

    def nodes(self, keys: Iterable[Node]) -> dict[Node, bytes]:
        return read_nodes(self.query, keys)


#: A stream id as SQLite's events table stores it (``UUID.hex``); nothing else is one.
HEX32 = re.compile(r"[0-9a-f]{32}")


def stored_bytes(value: Any) -> bytes:
    """Stored bytes, whatever type the column holds now (SQLite columns are untyped,
    and a hand-edited row may hold TEXT or a number): the hashes judge the content."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return str(value).encode("utf-8")


def as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
