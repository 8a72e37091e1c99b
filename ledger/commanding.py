"""Typed commands: one declaration per command, from which everything else follows.

A command is a frozen dataclass subclass of :class:`Command` that declares, once:

* ``ACTION`` -- its stable name (part of the evidence format: never renamed);
* its fields, with :mod:`ledger.params` declarations (``text()``, ``integer()``, ...);
* ``ROLES`` -- who may send it (:mod:`ledger.roles`);
* ``ROUTE`` -- its HTTP method and path (``None`` for a command with no route);
* :meth:`Command.handle` -- the decision: state + command -> events.

From that one declaration the ledger parses and gates every command
(:meth:`ledger.application.Ledger.execute`), the API generates the request schema,
the role gate and the route, :meth:`Registry.route_table` gives the evidence route
table the auditor's verifier reads, and the CLI's generic ``command`` entry lists and
sends any of them. Handlers decide; the ledger records: a handler never writes, and
if it raises, nothing is written.

Each area's ``commands`` module lists its commands in ``COMMANDS``; ``ledger.bootstrap``
builds the :class:`Registry` from the areas, explicitly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

from ledger import formats
from ledger.audit.evidence import ActionRoute, RouteTable
from ledger.clock import CHINA
from ledger.errors import PermissionDeniedError, ValidationError
from ledger.fields import Field
from ledger.i18n import _
from ledger.params import Params
from ledger.roles import allowed

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

    from ledger.authorisation import Authorisation


class Actor(Protocol):
    """The key acting: its id, roles, and the department or person it belongs to
    (``ledger.areas.keys.events.Key`` is one)."""

    key_id: str
    roles: tuple[str, ...]
    organisation: str | None
    person: str | None


class SealingKey(Protocol):
    """What the genesis reads of the key that seals the log: its id."""

    @property
    def key_id(self) -> str: ...


class LedgerReader(Protocol):
    """What a handler may read: the log's aggregates (and the ledger's own key for the
    genesis). Handlers read nothing else -- no clock, no files, no network, no data a
    package upgrade could change -- so an auditor's replay (:mod:`ledger.replay`) over
    the same log produces the same events (issue 11.1)."""

    @property
    def signer(self) -> SealingKey | None: ...

    @property
    def starting_format(self) -> int:
        """The format a genesis written now records (:data:`ledger.formats.CURRENT` when
        writing; a replay gives the one the stored genesis was written under)."""
        ...

    def find(self, aggregate_id: Any) -> Any | None: ...

    def genesis(self) -> Any | None: ...

    def get(self, aggregate_id: Any) -> Any: ...

    def key(self, key_id: str) -> Any | None: ...

    def valid_key(self, key_id: str) -> Any: ...

    def find_draw_for(self, task: str) -> Any | None: ...

    def head(self) -> Any: ...

    def topic_events(
        self,
        topics: Sequence[str],
        up_to: int | None = None,
        page: int = 500,
        *,
        streams: Collection[str] | None = None,
    ) -> Iterator[tuple[int, str, str, dict[str, Any]]]: ...


@dataclass(frozen=True)
class Route:
    """A command's HTTP route: ``method`` and ``path`` (``{name}`` a text variable,
    ``{name:int}`` an integer; path variables are parameters of the command). The body
    field ``attachment``, if any, carries bulk data handed to the command as its
    attachment rather than as a parameter."""

    method: str
    path: str
    attachment: str | None = None


@dataclass
class Context:
    ledger: LedgerReader
    authorisation: Authorisation
    actor: Actor | None
    params: Params
    attachment: Any = None

    @property
    def actor_id(self) -> str:
        return self.authorisation.key_id

    @property
    def today(self) -> dt.date:
        """The command's date in China: when it was signed (within the freshness window
        of the ledger's clock), so a replayed or back-dated test run judges alike."""
        return dt.datetime.fromtimestamp(self.authorisation.created, CHINA).date()

    @property
    def is_office(self) -> bool:
        return self.actor is not None and "office" in self.actor.roles

    def actor_department(self) -> str:
        """The department the acting key belongs to (its registered organisation)."""
        if self.actor is None or not self.actor.organisation:
            raise PermissionDeniedError(
                _("key {actor_id} belongs to no department", actor_id=self.actor_id)
            )
        return str(self.actor.organisation)

    def require_department(self, code: str, *, rule: str | None = None) -> None:
        """Only the department's own operators act on its lists, directories and tasks."""
        if (
            self.actor is None
            or "department" not in self.actor.roles
            or (self.actor.organisation != code)
        ):
            raise PermissionDeniedError(
                _(
                    "{action}: only an operator key of department {code} may do this; key "
                    "{actor_id} is not one",
                    action=self.authorisation.action,
                    code=code,
                    actor_id=self.actor_id,
                ),
                rule=rule,
            )

    def attached_rows(
        self, digest_param: str = "rows_digest", *, plain: bool = False
    ) -> list[dict[str, Any]]:
        """The attachment's rows, checked against the digest the actor signed. ``plain``:
        the handler has found the rows plain JSON (see ``canonical_bytes``)."""
        from ledger.audit.hashing import sha256
        from ledger.canonical import canonical_bytes

        rows = self.attachment
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValidationError(
                _("this command needs its rows attached"),
                {"attachment": [_("missing or not a list of objects")]},
            )
        if sha256(canonical_bytes(rows, plain=plain)).hex() != self.params.raw.get(digest_param):
            raise ValidationError(
                _("the attached rows are not the ones the command was signed for"),
                {digest_param: [_("does not match the attachment")]},
            )
        return rows

    def require_role(self, *roles: str, rule: str | None = None) -> None:
        if self.actor is None or not set(roles) & set(self.actor.roles):
            raise PermissionDeniedError(
                _(
                    "{action} needs a key with role {roles}; key {actor_id} has {held}",
                    action=self.authorisation.action,
                    roles=" or ".join(roles),
                    actor_id=self.actor_id,
                    held=", ".join(self.actor.roles) if self.actor else "none",
                ),
                rule=rule,
            )


@dataclass
class Outcome:
    aggregates: Sequence[Aggregate] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)


def produce(command: type[Command], ctx: Context) -> Outcome:
    """The one path from a signed command to its events, for the ledger and the replay.

    The role gate (:meth:`Command.authorise`), the parameters, the handler; then, on a
    format-2 ledger, every new event's time is the command's signed ``created`` time
    (the library would take it from the clock, and a replay could never reproduce it).
    The handler raises to refuse; nothing is written here.
    """
    command.authorise(ctx)
    outcome = command.parse(ctx.params, strict=formats.since(ctx.ledger, 3)).handle(ctx)
    if formats.since(ctx.ledger, 2):
        stamp(outcome.aggregates, ctx.authorisation.created)
    return outcome


def command_time(created: int) -> dt.datetime:
    """An event time (UTC, as the library stores it) for a command signed at ``created``."""
    return dt.datetime.fromtimestamp(created, dt.UTC)


def stamp(aggregates: Sequence[Aggregate], created: int) -> None:
    """Give each pending event of ``aggregates`` the time ``created`` (format 2).

    The events were just made by the handler and are not shared yet; they are frozen
    dataclasses, so the field is set the way their own constructor sets it.
    """
    when = command_time(created)
    for aggregate in aggregates:
        pending = aggregate.pending_events
        for event in pending:
            object.__setattr__(event, "timestamp", when)
        if pending:
            aggregate.modified_on = when


@dataclass(frozen=True)
class Command:
    """Base of every typed command (see the module docstring)."""

    ACTION: ClassVar[str]
    ROLES: ClassVar[frozenset[str]]
    ROUTE: ClassVar[Route | None] = None
    #: The rule a refusal by the role gate cites, if the source names one.
    RULE: ClassVar[str | None] = None

    @classmethod
    def parameters(cls) -> dict[str, Field]:
        """The declared parameters, in declaration order (a new dict each call)."""
        return dict(_declared(cls))

    @classmethod
    def summary(cls) -> str:
        return (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")

    @classmethod
    def area(cls) -> str:
        """The area the command belongs to: ``ledger.areas.<area>.commands``."""
        parts = cls.__module__.split(".")
        return parts[2] if len(parts) > 3 and parts[:2] == ["ledger", "areas"] else parts[-1]

    @classmethod
    def authorise(cls, ctx: Context) -> None:
        """Refuse a key whose roles may not send this command, before its parameters
        are read (the API's gate calls the same check before reading the body)."""
        if cls.ROLES and (ctx.actor is None or not allowed(ctx.actor.roles, cls.ROLES)):
            raise PermissionDeniedError(
                _(
                    "{action} needs a key with role {roles}; key {actor_id} has {held}",
                    action=cls.ACTION,
                    roles=" or ".join(sorted(cls.ROLES)),
                    actor_id=ctx.actor_id,
                    held=", ".join(ctx.actor.roles) if ctx.actor else "none",
                ),
                rule=cls.RULE,
            )

    @classmethod
    def parse(cls, params: Params, *, strict: bool = False) -> Self:
        """Read every declared field, run :meth:`check`, and raise all problems at once.

        ``strict`` (format 3 on): a key the declaration does not know -- at the top, or
        inside an object or list of objects whose shape is declared -- is a problem too,
        as the API's request schema already says; a format-1 ledger replays as it was
        written, unknown keys and all."""
        declared = _declared(cls)
        values = {name: spec.read(params, name) for name, spec in declared.items()}
        command = cls(**values)
        command.check(params)
        if strict:
            for name in unknown_keys(params.raw, declared):
                params.fail(name, _("not a parameter of {action} (unknown key)", action=cls.ACTION))
        params.done()
        return command

    def check(self, params: Params) -> None:
        """Checks across fields, before any state is read: ``params.fail(name, why)``."""

    def handle(self, ctx: Context) -> Outcome:
        raise NotImplementedError


_DECLARED: dict[type[Command], Mapping[str, Field]] = {}


def _declared(cls: type[Command]) -> Mapping[str, Field]:
    """A command class's declared parameters, read from its dataclass fields once (the
    class never changes; :meth:`Command.parse` runs for every command and replay)."""
    found = _DECLARED.get(cls)
    if found is None:
        found = _DECLARED[cls] = MappingProxyType(
            {f.name: f.metadata["spec"] for f in dataclasses.fields(cls) if "spec" in f.metadata}
        )
    return found


def unknown_keys(
    raw: Mapping[str, Any], declared: Mapping[str, Field], prefix: str = ""
) -> list[str]:
    """The keys of ``raw`` its declaration does not know, by their full names
    (``scope.kinds_``, ``items[2].extra``); inside objects only where a shape is declared."""
    found = []
    for key, value in raw.items():
        spec = declared.get(key)
        name = f"{prefix}{key}"
        if spec is None:
            found.append(name)
        elif spec.shape is not None and spec.kind == "object" and isinstance(value, dict):
            found += unknown_keys(value, spec.shape, f"{name}.")
        elif spec.shape is not None and spec.kind == "objects" and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    found += unknown_keys(item, spec.shape, f"{name}[{i}].")
    return found


class Registry:
    """Every typed command, by action; built once, by ``ledger.bootstrap``."""

    def __init__(self, commands: Iterable[type[Command]]) -> None:
        self._commands: dict[str, type[Command]] = {}
        self._route_table: RouteTable | None = None
        routes: dict[tuple[str, str], str] = {}
        for command in commands:
            if command.ACTION in self._commands:
                raise RuntimeError(f"action {command.ACTION!r} declared twice")
            self._commands[command.ACTION] = command
            if command.ROUTE is not None:
                key = (command.ROUTE.method, command.ROUTE.path)
                if key in routes:
                    raise RuntimeError(f"{key} routes both {routes[key]} and {command.ACTION}")
                routes[key] = command.ACTION

    @classmethod
    def of_areas(cls, *modules: ModuleType) -> Registry:
        """From the ``COMMANDS`` tuple of each area's ``commands`` module."""
        return cls(command for module in modules for command in module.COMMANDS)

    def get(self, action: str) -> type[Command] | None:
        return self._commands.get(action)

    def __iter__(self) -> Iterator[type[Command]]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)

    def http_routes(self) -> tuple[tuple[str, str, str, str | None, str], ...]:
        """The evidence route table: (method, path, action, attachment, area) for every
        command with a route. It is part of the evidence format: the auditor's verifier
        maps a signed request's method and path to its action with it."""
        return tuple(
            (c.ROUTE.method, c.ROUTE.path, c.ACTION, c.ROUTE.attachment, c.area())
            for c in self
            if c.ROUTE is not None
        )

    def route_table(self) -> RouteTable:
        """:meth:`http_routes` as the :class:`~ledger.audit.evidence.RouteTable` that
        everything reading ``rfc9421`` evidence is given (patterns compiled once)."""
        if self._route_table is None:
            self._route_table = RouteTable(
                ActionRoute(method, path, action, attachment)
                for method, path, action, attachment, _area in self.http_routes()
            )
        return self._route_table
