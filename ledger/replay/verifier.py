"""Replay verification (issue 11.1): every event is what its signed command produces.

:func:`replay` walks verified chain rows in position order, command by command. For
each command it re-reads the signed evidence (a ``shuangsui-command-v1`` signature or
an RFC 9421 request, through the route table), rebuilds the context the ledger had --
the acting key as the log knows it at that point, the parameters, the signed
``created`` time, the attachment -- and runs the command through
:func:`ledger.commanding.produce`: the role gate, the handler's ownership rules and its
decision, over :class:`~ledger.replay.state.LogState`, the state before the command.
The entries those events give (RFC 8785, exactly as the recorder writes them) are
compared byte for byte with the stored entries; the first difference is reported with
its position:

* ``actor not allowed`` -- the role gate or an ownership rule refuses the actor;
* ``events not produced by the command`` -- the handler refuses the command, or
  produces other events, or fewer than are stored under its evidence (the first
  stored entry it does not produce is named);
* ``missing events`` -- the handler produces more events than are stored.

What the ledger writes without deriving it from the command is accounted for here, and
only here:

* the genesis is a command too (signed by the office key it names); the ledger key it
  must name is the key that sealed it, and the format it records is the stored one
  (a format chosen by the code that wrote it, 1 or 2, never a later one);
* format 1 took event times from the ledger's clock and gave notes random ids: on a
  format-1 ledger (and only there) those two values are taken from the stored event;
  on format 2 they follow from the command (:func:`ledger.commanding.stamp`,
  :func:`ledger.ids.note_id`) and are compared like everything else;
* an event stored at an older schema (the entry's ``schema``) than its class has today
  is compared after the class's own upcast (``upcast_vN_vN+1``): the upcast stored
  bytes must be exactly the produced ones (e.g. a format-1 ``report.submitted``, from
  before reports carried their text);
* the bulk rows of an import batch or an inspector proposal signed through the CLI are
  not in the evidence (it signs their digest): they are read back from the stored
  events and must give the signed digest, which the handler checks.

No event of this ledger is derived without a command: a chain entry always belongs to
a command's evidence (:mod:`ledger.audit.chain`). Replay assumes the rows passed the
chain checks (hashes, links, seals, key validity, signatures); run it after them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)

from ledger import formats
from ledger.areas.directory.events import ImportBatch
from ledger.areas.inspectors.events import Inspector
from ledger.areas.notes.events import Note
from ledger.audit.collector import paused_gc
from ledger.audit.evidence import RouteTable
from ledger.audit.hashing import sha256
from ledger.audit.report import (
    ACTOR_NOT_ALLOWED,
    EVENTS_NOT_PRODUCED,
    MISSING_EVENTS,
    ChainRow,
    Failure,
)
from ledger.audit.rows import (
    entry_fields,
    evidence_bytes,
    evidence_object,
    evidence_text,
    is_compact,
)
from ledger.authorisation import Authorisation, StoredAuthorisation
from ledger.canonical import canonical_bytes
from ledger.clock import CHINA
from ledger.commanding import Context, Registry, produce
from ledger.errors import AuthorisationError, LedgerError, PermissionDeniedError
from ledger.i18n import _
from ledger.params import Params
from ledger.replay.state import LogState, SealingKeyId

ENTRY_FORMAT = 1
GENESIS_ACTION = "ledger.genesis"
#: Format 1 gave these aggregates random ids (format 2 derives them from the command).
RANDOM_IDS_IN_FORMAT_1 = frozenset({Note.Created.TOPIC})


def event_mapper() -> Mapper[UUID]:
    """The mapper the ledger stores events with (the library's JSON transcoder and the
    application's default transcodings), built without opening a ledger."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


@dataclass(repr=False)
class ReplayReport:
    """What a replay found; truthy when every command produced exactly its events."""

    commands: int = 0
    events: int = 0
    failure: Failure | None = None

    def __bool__(self) -> bool:
        return self.failure is None

    def __repr__(self) -> str:
        return f"ReplayReport(commands={self.commands}, events={self.events}, {self.failure})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.failure is None,
            "commands": self.commands,
            "events": self.events,
            "failure": None
            if self.failure is None
            else {
                "position": self.failure.position,
                "reason": self.failure.reason,
                "detail": self.failure.detail,
            },
        }


class _Refused(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _state(row: ChainRow) -> dict[str, Any]:
    assert row.event is not None
    loaded: dict[str, Any] = json.loads(row.event.state)
    return loaded


def _batch_rows(rows: list[ChainRow]) -> Any:
    for row in rows:
        if row.event is not None and row.event.topic == ImportBatch.Created.TOPIC:
            state = _state(row)
            return [dict(zip(state["columns"], r, strict=True)) for r in state["rows"]]
    return None


def _proposed_rows(rows: list[ChainRow]) -> Any:
    return [
        _state(row)["fields"]
        for row in rows
        if row.event is not None and row.event.topic == Inspector.ChangeProposed.TOPIC
    ]


#: Actions whose CLI evidence signs the digest of bulk rows it does not carry: where
#: the stored events keep those rows (the handler checks them against the digest).
ATTACHED_ROWS: dict[str, Callable[[list[ChainRow]], Any]] = {
    "directory.import.batch": _batch_rows,
    "inspectors.propose": _proposed_rows,
}


class Replayer:
    """Replays commands one by one over the state it grows (see the module docstring)."""

    def __init__(
        self,
        registry: Registry,
        routes: RouteTable,
        expand: Callable[[list[ChainRow]], list[ChainRow]] | None = None,
    ) -> None:
        self.registry = registry
        self.routes = routes
        #: Given, rows may come as stored (compact rows not expanded): this expands them.
        self.expand = expand
        self.mapper = event_mapper()
        self.state = LogState()
        self.report = ReplayReport()

    def command(self, rows: list[ChainRow]) -> Failure | None:
        """Replay one command (its rows, in order); apply its events or say why not."""
        try:
            if self.expand is not None and any(
                is_compact(row.entry) or is_compact(row.command) for row in rows
            ):
                entries = self._compact(rows)
            else:
                produced = self._produce(rows, rows[0].command)
                entries = self._compare(rows, produced)
        except _Refused as refused:
            return refused.failure
        self.state.apply(entries)
        self.report.commands += 1
        self.report.events += len(entries)
        return None

    def adopt(self, rows: list[ChainRow]) -> None:
        """Take one command's rows as replayed already -- a prefix this replayer's owner
        verified and replayed before (a monitor's earlier run): their stored events are
        applied as they are, without re-running the command."""
        entries = []
        for row in rows:
            assert row.event is not None
            event = self.mapper.to_domain_event(
                StoredEvent(
                    originator_id=UUID(row.event.stream),
                    originator_version=row.event.version,
                    topic=row.event.topic,
                    state=row.event.state,
                )
            )
            entries.append((row.position, row.entry_hash, row.event.topic, event, row.event.state))
        self.state.apply(entries)

    # -- running the command ---------------------------------------------------------------
    def _compact(self, rows: list[ChainRow]) -> list[tuple[int, bytes, str, Any, bytes]]:
        """A command read as stored, with compact rows: what it produces compared with
        the stored columns the entries are expanded from (:func:`_matches`); when they
        differ, the rows expanded and compared entry by entry (the first difference
        named exactly as for rows read expanded)."""
        first = rows[0]
        evidence = first.command
        found = None
        if evidence is not None and is_compact(evidence):
            # What expanding the row gives (the row's own key and nonce), read as the
            # object its JSON is: its bytes are made only if a handler reads them.
            found = evidence_object(evidence, first.actor_key, first.nonce)
            if found is None:
                evidence = evidence_bytes(evidence, first.actor_key, first.nonce)
        produced = self._produce(rows, evidence, found)
        entries = self._matches(rows, produced)
        if entries is None:
            assert self.expand is not None
            entries = self._compare(self.expand(rows), produced)
        return entries

    def _matches(
        self, rows: list[ChainRow], produced: list[Any]
    ) -> list[tuple[int, bytes, str, Any, bytes]] | None:
        """The entries of a command whose rows are all compact, when each expands to
        the very entry the command produces (else None: compare them expanded).

        A compact entry expands (:func:`ledger.audit.rows.expand_entry`) to its stored
        schema, part, count and time, the row's position, the previous row's entry
        hash, the SHA-256 of the evidence at ``position - part`` and of the stored
        event, and the stored event's stream, version and type. With the rows
        consecutive after the state's head and each part its index, the position, the
        link and the command digest are the ones :meth:`_compare` puts in the produced
        entry; the rest is compared here (the stored event's bytes with the produced
        ones rather than their digests). Texts and numbers are those
        :func:`entry_bytes` prints as they are, so the bytes would be equal too."""
        head = self.state.head()
        count = len(produced)
        if count != len(rows) or rows[0].position != head.position + 1:
            return None
        if (self.state.starting_format if head.position == 0 else formats.of(self.state)) < 2:
            return None
        mapper = self.mapper
        entries = []
        expected = head.position
        for i, row in enumerate(rows):
            expected += 1
            stored_event = row.event
            fields = entry_fields(row.entry)
            if (
                fields is None
                or stored_event is None
                or row.position != expected
                or (i == 0) != (row.command is not None)
            ):
                return None
            event = produced[i]
            stored = mapper.to_stored_event(event)
            schema, part, parts, time = fields
            version = stored.originator_version
            if not (
                part == i
                and parts == count
                and stored.state == stored_event.state
                and version == stored_event.version
                and stored.topic == stored_event.topic
                and type(stored.originator_id) is UUID
                and self.state.stream_text(stored.originator_id) == stored_event.stream
                and _schema(event) == schema
                and type(event.timestamp) is dt.datetime
                and event.timestamp.isoformat() == time
                and type(version) is int
                and 0 <= version <= _SAFE
                and row.position <= _SAFE
                and schema <= _SAFE
                and _plain_topic(stored.topic)
            ):
                return None
            entries.append(
                (row.position, row.entry_hash, stored_event.topic, event, stored_event.state)
            )
        return entries

    def _produce(
        self, rows: list[ChainRow], evidence: bytes | None, found: dict[str, str] | None = None
    ) -> list[Any]:
        """The events the command of ``rows`` produces over the state before it, from
        its ``evidence`` (or ``found``, the object of compact evidence)."""
        first = rows[0]
        p = first.position
        if evidence is None:
            raise _Refused(Failure(p, EVENTS_NOT_PRODUCED, _("no command evidence")))
        try:
            if found is not None:
                parts = found
                authorisation = StoredAuthorisation.from_object(
                    found, lambda: evidence_text(parts), self.routes
                )
            else:
                authorisation = Authorisation.from_evidence(evidence, self.routes)
        except AuthorisationError as exc:
            raise _Refused(Failure(p, EVENTS_NOT_PRODUCED, exc.message)) from None
        action = authorisation.action
        command = self.registry.get(action)
        if command is None:
            raise _Refused(
                Failure(p, EVENTS_NOT_PRODUCED, _("unknown action {action!r}", action=action))
            )
        state = self.state
        actor = None
        if p == 1 and action == GENESIS_ACTION:
            state.signer = SealingKeyId(rows[-1].signer or "")
            state.starting_format = self._stored_format(rows)
        else:
            state.signer = None
            try:
                actor = state.actor(authorisation.key_id)
            except LedgerError as exc:
                raise _Refused(Failure(p, ACTOR_NOT_ALLOWED, exc.message)) from None
        attachment = authorisation.parsed.attachment
        if attachment is None and action in ATTACHED_ROWS:
            attachment = ATTACHED_ROWS[action](rows)
        today = dt.datetime.fromtimestamp(authorisation.created, CHINA).date()
        params = Params(authorisation.params, today=today)
        ctx = Context(state, authorisation, actor, params, attachment)
        try:
            outcome = produce(command, ctx)
        except PermissionDeniedError as exc:
            raise _Refused(
                Failure(
                    p,
                    ACTOR_NOT_ALLOWED,
                    _("{action}: {message}", action=action, message=exc.message),
                )
            ) from None
        except LedgerError as exc:
            raise _Refused(
                Failure(
                    p,
                    EVENTS_NOT_PRODUCED,
                    _(
                        "{action} is refused on replay: {message}",
                        action=action,
                        message=exc.message,
                    ),
                )
            ) from None
        except (LookupError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            # Evidence the ledger itself would never have accepted (forged parameters a
            # handler trips over): the verdict, not a traceback.
            raise _Refused(
                Failure(
                    p,
                    EVENTS_NOT_PRODUCED,
                    _(
                        "{action} cannot be re-run: {kind}: {exc}",
                        action=action,
                        kind=type(exc).__name__,
                        exc=exc,
                    ),
                )
            ) from None
        return [event for aggregate in outcome.aggregates for event in aggregate.collect_events()]

    def _stored_format(self, rows: list[ChainRow]) -> int:
        value = _state(rows[0]).get("format") if rows[0].event is not None else None
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Refused(Failure(1, EVENTS_NOT_PRODUCED, _("the genesis records no format")))
        if not 1 <= value <= formats.CURRENT:
            raise _Refused(
                Failure(
                    1,
                    EVENTS_NOT_PRODUCED,
                    _("the genesis records unknown format {value}", value=value),
                )
            )
        return value

    # -- comparing --------------------------------------------------------------------------
    def _compare(
        self, rows: list[ChainRow], produced: list[Any]
    ) -> list[tuple[int, bytes, str, Any, bytes]]:
        first = rows[0].position
        started = self.state.starting_format if first == 1 else formats.of(self.state)
        old_format = started < 2
        count, held = len(produced), len(rows)
        renamed: dict[UUID, UUID] = {}
        entries = []
        evidence = rows[0].command
        command = sha256(evidence).hex() if evidence is not None else ""
        prev = self.state.head().entry_hash
        for i, row in enumerate(rows):
            p = row.position
            link = Link(command, prev.hex())
            prev = row.entry_hash
            if i >= count:
                raise _Refused(
                    Failure(
                        p,
                        EVENTS_NOT_PRODUCED,
                        _(
                            "extra event {event}: the command produces {count} event(s), the log "
                            "holds {held} under its evidence",
                            event=_describe(row),
                            count=count,
                            held=held,
                        ),
                    )
                )
            event = produced[i]
            if old_format:
                _adopt_stored(event, row, renamed)
            stored = self.mapper.to_stored_event(event)
            entry = _entry(row, link, stored, event, i, held)
            if entry != row.entry:
                entry = self._upcast_entry(row, link, stored, event, i, held) or entry
            if entry != row.entry:
                raise _Refused(Failure(p, EVENTS_NOT_PRODUCED, _difference(row, stored, entry)))
            assert row.event is not None
            entries.append((p, row.entry_hash, row.event.topic, event, row.event.state))
        if count > held:
            missing = self.mapper.to_stored_event(produced[held])
            raise _Refused(
                Failure(
                    rows[-1].position,
                    MISSING_EVENTS,
                    _(
                        "the command also produces {topic} on stream {stream} version {version} "
                        "({count} event(s); the log holds {held})",
                        topic=missing.topic,
                        stream=missing.originator_id,
                        version=missing.originator_version,
                        count=count,
                        held=held,
                    ),
                )
            )
        return entries

    def _upcast_entry(
        self, row: ChainRow, link: Link, produced: StoredEvent, event: Any, part: int, count: int
    ) -> bytes | None:
        """An event stored at an older schema than the handler writes today: it matches
        when the library's upcast of the stored bytes (the event class's own
        ``upcast_vN_vN+1``, part of the code like the handler) gives exactly the
        produced bytes; the entry must then be the one written at the stored schema."""
        schema = getattr(type(event), "class_version", 1)
        if row.event is None:
            return None
        try:
            written = json.loads(row.entry)["schema"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(written, int) or isinstance(written, bool) or not 1 <= written < schema:
            return None
        try:
            again = self.mapper.to_stored_event(
                self.mapper.to_domain_event(
                    StoredEvent(
                        originator_id=UUID(row.event.stream),
                        originator_version=row.event.version,
                        topic=row.event.topic,
                        state=row.event.state,
                    )
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if again != produced:
            return None
        return _entry(
            row, link, produced, event, part, count, schema=written, state=row.event.state
        )


def _describe(row: ChainRow) -> str:
    if row.event is None:
        return _("(no stored event)")
    return _(
        "{topic} on stream {stream} version {version}",
        topic=row.event.topic,
        stream=row.event.stream,
        version=row.event.version,
    )


def _adopt_stored(event: Any, row: ChainRow, renamed: dict[UUID, UUID]) -> None:
    """Format 1: take the event time (and a note's random id) from the stored event."""
    if row.event is None:
        return
    try:
        state = json.loads(row.event.state)
        when = dt.datetime.fromisoformat(state["timestamp"]["_data_"])
        stream = UUID(row.event.stream)
    except (ValueError, KeyError, TypeError):
        return
    object.__setattr__(event, "timestamp", when)
    original = event.originator_id
    if original in renamed:
        object.__setattr__(event, "originator_id", renamed[original])
    elif row.event.topic in RANDOM_IDS_IN_FORMAT_1 and event.originator_version == 1:
        renamed[original] = stream
        object.__setattr__(event, "originator_id", stream)


@dataclass(frozen=True)
class Link:
    """What an entry repeats of its place: the command's digest and the previous entry's
    hash (both already checked by the chain checks: taken from the rows, not parsed)."""

    command: str
    prev: str


def _entry(
    row: ChainRow,
    link: Link,
    stored: StoredEvent,
    event: Any,
    part: int,
    count: int,
    *,
    schema: int | None = None,
    state: bytes | None = None,
) -> bytes:
    """The entry the recorder would write for ``stored`` at ``row``'s place (for an
    upcast event: at its stored ``schema``, over its stored ``state`` bytes)."""
    return entry_bytes(
        {
            "command": link.command,
            "event": sha256(stored.state if state is None else state).hex(),
            "part": [part, count],
            "position": row.position,
            "prev": link.prev,
            "schema": getattr(type(event), "class_version", 1) if schema is None else schema,
            "stream": str(stored.originator_id),
            "time": event.timestamp.isoformat(),
            "type": stored.topic,
            "v": ENTRY_FORMAT,
            "version": stored.originator_version,
        }
    )


#: A text RFC 8785 prints as it is (printable ASCII without ``"`` and ``\``).
_PLAIN = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")
_SAFE = 2**53 - 1
_ENTRY_TEXTS = ("command", "event", "prev", "stream", "time", "type")
_ENTRY_NUMBERS = ("position", "schema", "v", "version")


def entry_bytes(fields: dict[str, Any]) -> bytes:
    """``canonical_bytes(fields)`` for an entry's fields, printed directly when every
    text is plain and every number a safe integer (what every entry holds: hex
    digests, a UUID, an ISO time, a topic), else by :func:`canonical_bytes`. The replay
    compares these bytes with the stored entry for every event."""
    part = fields["part"]
    if (
        len(fields) == 11
        and all(type(fields[k]) is str and _PLAIN.fullmatch(fields[k]) for k in _ENTRY_TEXTS)
        and all(type(fields[k]) is int and 0 <= fields[k] <= _SAFE for k in _ENTRY_NUMBERS)
        and type(part) is list
        and len(part) == 2
        and all(type(n) is int and 0 <= n <= _SAFE for n in part)
    ):
        return (
            f'{{"command":"{fields["command"]}","event":"{fields["event"]}",'
            f'"part":[{part[0]},{part[1]}],"position":{fields["position"]},'
            f'"prev":"{fields["prev"]}","schema":{fields["schema"]},'
            f'"stream":"{fields["stream"]}","time":"{fields["time"]}",'
            f'"type":"{fields["type"]}","v":{fields["v"]},"version":{fields["version"]}}}'
        ).encode("ascii")
    return canonical_bytes(fields)


def _difference(row: ChainRow, stored: StoredEvent, entry: bytes) -> str:
    """Which field of the stored entry differs from the produced one."""
    try:
        have, want = json.loads(row.entry), json.loads(entry)
    except ValueError:
        return _("the stored entry is not the one the command produces")
    fields = [k for k in want if have.get(k) != want[k]]
    produced = _(
        "{topic} on stream {stream} version {version}",
        topic=stored.topic,
        stream=stored.originator_id,
        version=stored.originator_version,
    )
    if "type" in fields or "stream" in fields or "version" in fields:
        return _(
            "stored {event}; the command produces {produced}",
            event=_describe(row),
            produced=produced,
        )
    if "part" in fields:
        return _(
            "stored {event} as part {part}; the command produces {count} event(s)",
            event=_describe(row),
            part=have.get("part"),
            count=want["part"][1],
        )
    columns = ", ".join(k for k in fields if k != "event")  # column names: codes
    if "event" in fields:
        differing: Any = (
            _("event bytes, {columns}", columns=columns) if columns else _("event bytes")
        )
    else:
        differing = columns
    return _(
        "stored {event} differs from what the command produces in: {fields}",
        event=_describe(row),
        fields=differing,
    )


def _schema(event: Any) -> int | None:
    """The schema an entry names for a produced event, if it prints as it is."""
    schema = getattr(type(event), "class_version", 1)
    return schema if type(schema) is int else None


@functools.lru_cache(maxsize=1024)
def _plain_topic(topic: str) -> bool:
    return type(topic) is str and _PLAIN.fullmatch(topic) is not None


def commands_of(rows: Iterable[ChainRow]) -> Iterator[list[ChainRow]]:
    """Group rows into commands: a command starts with the entry that carries evidence."""
    group: list[ChainRow] = []
    for row in rows:
        if row.command is not None and group:
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def replay(
    rows: Iterable[ChainRow],
    registry: Registry,
    routes: RouteTable,
    *,
    progress: Callable[[int], None] | None = None,
    expand: Callable[[list[ChainRow]], list[ChainRow]] | None = None,
) -> ReplayReport:
    """Replay every command of ``rows`` (a whole log from position 1, already verified
    by the chain checks) and return the first difference, if any. ``expand``: the
    rows come as stored, and this expands a command's compact rows (see
    :meth:`Replayer.command`)."""
    replayer = Replayer(registry, routes, expand)
    # The state grows by every event of the log, none in a cycle: the cyclic collector
    # would rescan all of it again and again, for nothing (as the rebuild, issue 15.5).
    with paused_gc():
        for group in commands_of(rows):
            failure = replayer.command(group)
            if failure is not None:
                replayer.report.failure = failure
                break
            if progress is not None:
                progress(len(group))
    return replayer.report
