"""The ledger application: the one place that turns signed commands into events.

:class:`Ledger` is an ``eventsourcing`` application whose recorder is chained
(:mod:`ledger.storage.recorders`). :meth:`Ledger.execute` takes an
:class:`~ledger.authorisation.Authorisation`, checks it (known action, fresh,
signed by a key that is valid now, nonce unused), runs the action's handler and
records the resulting events in one transaction, together with their chain rows
and the evidence. Either all of a command's events are recorded or none.

Configuration enters as :class:`~ledger.config.Settings`; the library's own
habit of merging ``os.environ`` into its settings is switched off, so a stray
``POSTGRES_*`` variable cannot reconfigure the log.
"""

from __future__ import annotations

import datetime as dt
import heapq
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    PersistenceError,
    Recording,
    Transcoder,
)
from eventsourcing.utils import Environment, EnvType

from ledger import formats
from ledger.areas.keys.events import KEY_STATES, Genesis, Key
from ledger.audit.evidence import RouteTable, parse_evidence
from ledger.audit.keystate import GENESIS_TOPIC, KEY_CHANGE_TOPICS, KEY_REGISTERED_TOPIC
from ledger.audit.report import ChainRow
from ledger.audit.rows import evidence_bytes
from ledger.authorisation import Authorisation, sign_command
from ledger.clock import CHINA
from ledger.commanding import Context, Registry, produce
from ledger.config import Settings
from ledger.decoding import loads
from ledger.errors import (
    ConflictError,
    KeyNotValidError,
    LedgerError,
    NotFoundError,
    ReplayError,
    StorageError,
    ValidationError,
)
from ledger.i18n import _
from ledger.ids import GENESIS_ID, draw_id, key_stream_id
from ledger.keys import SigningKey
from ledger.params import Params
from ledger.storage.chain import COMPACT_ROW, FULL_ROW, ChainHead, EventMeta
from ledger.storage.recorders import ChainedPostgresRecorder, ChainedRecorder, ChainedSQLiteRecorder
from ledger.storage.transcoder import PlainJSONTranscoder
from ledger.storage.writer import EntryRow

if TYPE_CHECKING:
    from ledger.transparency.log import Transparency

GENESIS_ACTION = "ledger.genesis"


def _china_date(created: int) -> dt.date:
    return dt.datetime.fromtimestamp(created, CHINA).date()


@dataclass(frozen=True)
class Recorded:
    """What :meth:`Ledger.execute` returns: where the command landed, and its result."""

    action: str
    first_position: int
    last_position: int
    result: dict[str, Any]
    #: The ledger's signed receipt (:mod:`ledger.audit.receipts`); None when the
    #: ledger was opened without its key.
    receipt: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "positions": [self.first_position, self.last_position],
            **self.result,
        }


#: About how many bytes of stored states :meth:`Ledger.topic_events` holds per query.
PAGE_BYTES = 8 << 20


class Ledger(Application[UUID]):
    name = "shuangsui"

    def __init__(
        self,
        settings: Settings,
        *,
        registry: Registry,
        signer: SigningKey | None = None,
        create_tables: bool = True,
        read_only: bool = False,
    ) -> None:
        self.settings = settings
        self.registry = registry
        #: The HTTP route table ``rfc9421`` evidence is read with: the API, the
        #: projections, the exporter and the database check all read it from here.
        self.routes: RouteTable = registry.route_table()
        self.signer = signer
        self._transparency: Transparency | None = None  # attached by ledger.bootstrap
        #: The genesis, once written: it is one event and never changes.
        self._genesis: Genesis | None = None
        #: Acting keys by id (:meth:`actor`), dropped when this process records an event
        #: of theirs, or when the write transaction finds one no longer valid.
        self._actors: dict[str, Key] = {}
        with storage_errors(settings):
            super().__init__(
                env=settings.eventsourcing_env(create_table=create_tables, read_only=read_only)
            )
        if signer is not None:
            self.chain.set_signer(signer)

    @property
    def starting_format(self) -> int:
        """The format a genesis written by this code records."""
        return formats.CURRENT

    # -- configuration: no os.environ --------------------------------------------------
    def construct_transcoder(self) -> Transcoder:
        """The library's JSON transcoder, plain states encoded sooner (the same bytes:
        :mod:`ledger.storage.transcoder`)."""
        transcoder = super().construct_transcoder()
        if type(transcoder) is not JSONTranscoder:
            return transcoder
        plain = PlainJSONTranscoder()
        self.register_transcodings(plain)
        return plain

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        return Environment(name, dict(env or {}))

    @property
    def chain(self) -> ChainedRecorder:
        recorder = self.recorder
        assert isinstance(recorder, (ChainedSQLiteRecorder, ChainedPostgresRecorder))
        return recorder

    # -- reading ------------------------------------------------------------------------------
    def head(self) -> ChainHead:
        with storage_errors(self.settings):
            return self.chain.chain_head()

    def select_chain(self, after: int, limit: int, *, expand: bool = True) -> list[ChainRow]:
        with storage_errors(self.settings):
            return self.chain.select_chain(after, limit, expand=expand)

    def expand_chain(self, rows: list[ChainRow]) -> list[ChainRow]:
        """Rows read with ``select_chain(..., expand=False)``, expanded as
        :meth:`select_chain` gives them."""
        with storage_errors(self.settings):
            return self.chain.expand_chain(rows)

    def select_entries(self, after: int, limit: int) -> list[EntryRow]:
        """The entries after ``after`` as the projections read them (plain tuples)."""
        with storage_errors(self.settings):
            return self.chain.select_entries(after, limit)

    def get(self, aggregate_id: UUID) -> Any:
        with storage_errors(self.settings):
            try:
                return self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                raise NotFoundError(
                    _("no stream {aggregate_id}", aggregate_id=aggregate_id)
                ) from None

    def find(self, aggregate_id: UUID) -> Any | None:
        try:
            return self.get(aggregate_id)
        except NotFoundError:
            return None

    def genesis(self) -> Genesis | None:
        """The genesis (None before it is written). It is one event that nothing
        changes, so once found it is kept: every format check reads it."""
        genesis = self._genesis
        if genesis is None:
            genesis = self._genesis = cast("Genesis | None", self.find(GENESIS_ID))
        return genesis

    def key(self, key_id: str) -> Key | None:
        return cast("Key | None", self.find(key_stream_id(key_id)))

    def keys_with_role(self, role: str) -> list[Key]:
        """Every registered key (any status) holding ``role``."""
        with storage_errors(self.settings):
            streams = self.chain.streams_of_topic(KEY_REGISTERED_TOPIC)
        keys = [self.get(stream) for stream in streams]
        return [k for k in keys if role in k.roles]

    def key_history_positions(self) -> list[int]:
        """Positions of the genesis and of every key change."""
        with storage_errors(self.settings):
            return self.chain.positions_of_topics((GENESIS_TOPIC, *KEY_CHANGE_TOPICS))

    @property
    def transparency(self) -> Transparency:
        """The log's checkpoints, proofs and bundles (:mod:`ledger.transparency.log`),
        attached by :func:`ledger.bootstrap.open_ledger`."""
        if self._transparency is None:
            raise LedgerError(_("internal: this ledger was opened without its transparency log"))
        return self._transparency

    def attach(self, transparency: Transparency) -> None:
        self._transparency = transparency

    def topic_events(
        self,
        topics: Sequence[str],
        up_to: int | None = None,
        page: int = 1000,
        *,
        streams: Collection[str] | None = None,
    ) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
        """Decoded (position, stream, topic, state) of events with these topics, in log
        order -- the same tuples :mod:`ledger.draw.world` folds from a bundle. Each topic
        is read through the topic index, at most ``page`` events and about
        :data:`PAGE_BYTES` of states at a time (a directory batch holds a thousand rows),
        and the topics are merged by position: the events of other topics are never read
        (issue 15.4). With ``streams``, only those streams' events: the others' states
        are not decoded (one draw's events, not every draw's results)."""
        readers = [self._events_of_topic(t, up_to, page) for t in dict.fromkeys(topics)]
        merged = readers[0] if len(readers) == 1 else heapq.merge(*readers)
        for position, stream, topic, state in merged:
            if streams is None or stream in streams:
                yield position, stream, topic, loads(state)

    def _events_of_topic(
        self, topic: str, up_to: int | None, page: int
    ) -> Iterator[tuple[int, str, str, bytes]]:
        # The first query is small; each next one sized from the bytes the last held.
        after, last, size = 0, 0, min(page, 10)
        while True:
            with storage_errors(self.settings):
                rows = self.chain.select_events_of_topic(topic, after, size, up_to)
            for _row, position, stream, state in rows:
                if position <= last:  # notification order is chain order (one writer)
                    raise StorageError(
                        _(
                            "the log's event order and chain order disagree at position {position}",
                            position=position,
                        )
                    )
                last = position
                yield position, stream, topic, state
            if len(rows) < size:
                return
            after = rows[-1][0]
            held = sum(len(row[3]) for row in rows)
            size = max(1, min(page, size * PAGE_BYTES // max(held, 1)))

    def find_draw_for(self, task: str) -> Any | None:
        """The first draw committed for a task, if any (a drawn task is frozen, R7.5)."""
        return self.find(draw_id(task, 1))

    def valid_key(self, key_id: str) -> Key:
        """The key, loaded now (a copy the caller may change), if registered and active."""
        key = self.key(key_id)
        if key is None:
            raise KeyNotValidError(
                _("key {key_id} is not registered in this ledger", key_id=key_id)
            )
        if not key.active:
            raise KeyNotValidError(
                _(
                    "key {key_id} was {status}",
                    key_id=key_id,
                    status=KEY_STATES.get(key.status, key.status),
                )
            )
        return key

    def actor(self, key_id: str) -> Key:
        """The key acting in a command, for its signature and its roles: as
        :meth:`valid_key`, but kept between commands and shared, so the caller only
        reads it (a handler that changes a key loads its own through
        :meth:`valid_key`, as the replay's ``actor`` does).

        A key's id, public key, roles, organisation and person never change; only its
        status does, by a key event. This process drops a key when it records an event
        of it (:meth:`save`); another process's revocation is caught by the write
        transaction, which re-checks both keys under the write lock, and the refusal
        drops the key too (:meth:`execute`). So the cache never lets a command of a
        revoked or rotated key be recorded. Reads are not re-checked by any
        transaction: they look the key up with :meth:`valid_key`.
        """
        key = self._actors.get(key_id)
        if key is None:
            key = self.valid_key(key_id)
            if len(self._actors) >= 10_000:
                self._actors.clear()
            self._actors[key_id] = key
        return key

    def _forget_keys(self, objs: Sequence[Any]) -> None:
        for obj in objs:
            if isinstance(obj, Key):
                self._actors.pop(obj.key_id, None)

    # -- commands -----------------------------------------------------------------------------
    def execute(
        self,
        authorisation: Authorisation,
        *,
        attachment: Any = None,
        now: float | None = None,
        verified_actor: Key | None = None,
    ) -> Recorded:
        """Check and run one signed command; record its events or raise and write nothing.

        ``attachment``: bulk data (rows of an import) that the command does not carry
        itself; the signed parameters carry its digest, which the handler checks, so
        the evidence binds the data without storing it twice.
        """
        command = self.registry.get(authorisation.action)
        if command is None:
            raise ValidationError(
                _("unknown action {action!r}", action=authorisation.action),
                {"action": [_("not a known action")]},
            )
        authorisation.check_fresh(time.time() if now is None else now, self.settings.command_window)
        # Announced to group commit: a batch being formed may wait a moment for it.
        with self.chain.sequencer.preparing(), storage_errors(self.settings):
            if authorisation.action == GENESIS_ACTION:
                actor = None
                if self.head().position:
                    raise ConflictError(_("this ledger already has its genesis"))
            elif verified_actor is not None and verified_actor.key_id == authorisation.key_id:
                # The caller (the API) has just looked the key up as valid and checked
                # this very signature; the save re-checks the key's validity in its
                # transaction, so a revocation in between still refuses the command.
                actor = verified_actor
            else:
                actor = self.actor(authorisation.key_id)
                authorisation.verify(actor.public_key_bytes)
            params = Params(authorisation.params, today=_china_date(authorisation.created))
            ctx = Context(self, authorisation, actor, params, attachment)
            outcome = produce(command, ctx)
            if not outcome.aggregates:
                raise LedgerError(
                    _("internal: {action} produced no events", action=authorisation.action)
                )
            try:
                self.save(
                    *outcome.aggregates,
                    authorisation=authorisation,
                    # Format 2: the write transaction refuses a command signed before
                    # the last one recorded (ChainWriter._judge_time).
                    created_of=self._created_of
                    if actor is not None and formats.since(self, 2)
                    else None,
                )
            except KeyNotValidError:
                # Revoked or rotated since this process last looked (by another
                # process): forget the key, and refuse as a fresh look-up would.
                self._actors.pop(authorisation.key_id, None)
                if actor is not None:
                    self.valid_key(authorisation.key_id)
                raise
            except IntegrityError as exc:
                # A command sent twice makes the same stream ids (format 2 derives them
                # from the command): its events collide before its nonce is looked at.
                if self.chain.nonce_used(authorisation.key_id, authorisation.nonce):
                    raise ReplayError(
                        _(
                            "nonce {nonce} was already used by key {key_id}",
                            nonce=authorisation.nonce,
                            key_id=authorisation.key_id,
                        )
                    ) from exc
                raise ConflictError(
                    _(
                        "{action}: the records changed while the command ran; retry it with a "
                        "new nonce",
                        action=authorisation.action,
                    )
                ) from exc
        positions = self.chain.last_positions()
        self.transparency.after_append(positions[-1])
        receipt = self.transparency.receipt(
            authorisation.action,
            authorisation.digest,
            positions,
            self.chain.last_entry_hashes(),
        )
        return Recorded(authorisation.action, positions[0], positions[-1], outcome.result, receipt)

    def _created_of(self, command: bytes, key: str | None, nonce: str | None) -> int:
        """The signed ``created`` of a command as stored in a chain row."""
        return parse_evidence(evidence_bytes(command, key, nonce), self.routes).created

    def execute_as_ledger(self, action: str, params: Mapping[str, Any]) -> Recorded:
        """Record a derived event (a draw's result, a missed deadline) signed by the ledger key."""
        if self.signer is None:
            raise LedgerError(_("this ledger was opened without its key"))
        return self.execute(sign_command(self.signer, action, params))

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Record the pending events of ``objs`` (aggregates) in one transaction.

        Through the event store's public ``put``, with each event's schema version and
        time (the chain entry's ``schema`` and ``time``) beside the command's
        authorisation. The library's ``save`` tells aggregates from events with runtime
        protocol checks that cost more than the chain row; ours are always aggregates.
        """
        events = [event for obj in objs for event in obj.collect_events()]
        # Format 4 stores compact chain rows (ledger.audit.rows); older ledgers keep
        # writing the rows they were written with.
        row_format = COMPACT_ROW if formats.since(self, 4) else FULL_ROW
        metas = [
            EventMeta(
                schema=getattr(type(e), "class_version", 1),
                time=cast(Any, e).timestamp.isoformat(),
                row_format=row_format,
            )
            for e in events
        ]
        try:
            recordings = self.events.put(events, metas=metas, **kwargs)
        finally:
            self._forget_keys(objs)
        if self.repository.cache and not self.repository.fastforward:
            for obj in objs:
                self.repository.cache.put(obj.id, obj)
        return recordings


@contextmanager
def storage_errors(settings: Settings) -> Iterator[None]:
    """Turn the database's errors into :class:`StorageError` with a readable message."""
    try:
        yield
    except LedgerError:
        raise
    except IntegrityError:
        raise
    except (PersistenceError, psycopg.Error, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StorageError(
            _(
                "{settings}: {first_line}",
                settings=settings.describe_database(),
                first_line=first_line,
            )
        ) from exc
