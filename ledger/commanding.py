"""The command layer's registry: one handler per action, shared by the API and CLI.

A handler receives a :class:`Context` (the ledger, the verified authorisation, the
acting key, the parameters) and returns an :class:`Outcome`: the aggregates whose
new events are to be recorded, and a small JSON-able result. Handlers decide; the
ledger records. A handler never writes; if it raises, nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from ledger.clock import CHINA
from ledger.errors import PermissionDenied, ValidationError

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

    from ledger.application import Ledger
    from ledger.areas.keys.events import Key
    from ledger.authorisation import Authorisation

T = TypeVar("T")


class Params:
    """Reads a command's parameters, collecting every problem before failing.

    Each getter records a message under the field's name instead of raising, so the
    caller learns about all bad fields at once; :meth:`done` raises them together.
    """

    def __init__(self, raw: Any, prefix: str = "") -> None:
        if not isinstance(raw, dict):
            raise ValidationError("parameters must be a JSON object", {"params": ["not an object"]})
        self.raw: dict[str, Any] = raw
        self.prefix = prefix
        self.errors: dict[str, list[str]] = {}

    def _fail(self, name: str, message: str) -> None:
        self.errors.setdefault(self.prefix + name, []).append(message)

    def _get(self, name: str, required: bool) -> Any:
        value = self.raw.get(name)
        if value is None and required:
            self._fail(name, "is required")
        return value

    def text(
        self, name: str, *, required: bool = True, max_length: int = 500, pattern: str | None = None
    ) -> str:
        value = self._get(name, required)
        if value is None:
            return ""
        if not isinstance(value, str):
            self._fail(name, "must be text")
            return ""
        text: str = value.strip()
        if required and not text:
            self._fail(name, "must not be empty")
        elif len(text) > max_length:
            self._fail(name, f"is longer than {max_length} characters")
        elif pattern and text and not re.fullmatch(pattern, text):
            self._fail(name, f"does not match {pattern}")
        return text

    def optional_text(self, name: str, *, max_length: int = 500) -> str | None:
        return self.text(name, required=False, max_length=max_length) or None

    def choice(self, name: str, choices: Iterable[str], *, required: bool = True) -> str:
        allowed = tuple(choices)
        value = self.text(name, required=required)
        if value and value not in allowed:
            self._fail(name, f"must be one of {', '.join(allowed)}")
        return value

    def text_list(
        self,
        name: str,
        *,
        required: bool = True,
        choices: Iterable[str] | None = None,
        min_items: int = 0,
    ) -> tuple[str, ...]:
        value = self._get(name, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self._fail(name, "must be a list of non-empty texts")
            return ()
        items = tuple(v.strip() for v in value)
        if len(items) < min_items:
            self._fail(name, f"needs at least {min_items} item(s)")
        if len(set(items)) != len(items):
            self._fail(name, "has duplicates")
        if choices is not None:
            allowed = set(choices)
            bad = [v for v in items if v not in allowed]
            if bad:
                self._fail(name, f"unknown value(s): {', '.join(bad)}")
        return items

    def integer(
        self,
        name: str,
        *,
        required: bool = True,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int:
        value = self._get(name, required)
        if value is None:
            return 0
        if not isinstance(value, int) or isinstance(value, bool):
            self._fail(name, "must be a whole number")
            return 0
        if minimum is not None and value < minimum:
            self._fail(name, f"must be at least {minimum}")
        if maximum is not None and value > maximum:
            self._fail(name, f"must be at most {maximum}")
        return value

    def ratio(self, name: str, *, required: bool = True) -> str:
        """A proportion 0..1 as a decimal string (exact; never a float)."""
        value = self._get(name, required)
        if value is None:
            return ""
        try:
            number = (
                Decimal(str(value))
                if isinstance(value, (str, int)) and not isinstance(value, bool)
                else None
            )
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not Decimal(0) <= number <= Decimal(1):
            self._fail(name, 'must be a decimal between 0 and 1, written as text, e.g. "0.05"')
            return ""
        return format(number.normalize(), "f") if number else "0"

    def date(self, name: str, *, required: bool = True) -> str:
        value = self.text(name, required=required, max_length=10)
        if value:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                self._fail(name, "must be a date YYYY-MM-DD")
                return ""
        return value

    def boolean(self, name: str, *, default: bool = False) -> bool:
        value = self.raw.get(name, default)
        if not isinstance(value, bool):
            self._fail(name, "must be true or false")
            return default
        return value

    def nested(self, name: str, *, required: bool = True) -> Params | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self._fail(name, "must be an object")
            return None
        child = Params(value, prefix=f"{self.prefix}{name}.")
        child.errors = self.errors
        return child

    def items(self, name: str, *, required: bool = True, max_items: int = 10_000) -> list[Params]:
        value = self._get(name, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self._fail(name, "must be a list of objects")
            return []
        if len(value) > max_items:
            self._fail(name, f"has more than {max_items} items")
            return []
        children = []
        for i, item in enumerate(value):
            child = Params(item, prefix=f"{self.prefix}{name}[{i}].")
            child.errors = self.errors
            children.append(child)
        return children

    def fail(self, name: str, message: str) -> None:
        """Record a problem found by the caller's own checks."""
        self._fail(name, message)

    def done(self) -> None:
        if self.errors:
            raise ValidationError("invalid parameters", self.errors)


@dataclass
class Context:
    ledger: Ledger
    authorisation: Authorisation
    actor: Key | None
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
            raise PermissionDenied(f"key {self.actor_id} belongs to no department")
        return str(self.actor.organisation)

    def require_department(self, code: str, *, rule: str | None = None) -> None:
        """Only the department's own operators act on its lists, directories and tasks."""
        if (
            self.actor is None
            or "department" not in self.actor.roles
            or (self.actor.organisation != code)
        ):
            raise PermissionDenied(
                f"{self.authorisation.action}: only an operator key of department {code} "
                f"may do this; key {self.actor_id} is not one",
                rule=rule,
            )

    def attached_rows(self, digest_param: str = "rows_digest") -> list[dict[str, Any]]:
        """The attachment's rows, checked against the digest the actor signed."""
        from ledger.audit.verifier import sha256
        from ledger.canonical import canonical_bytes

        rows = self.attachment
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValidationError(
                "this command needs its rows attached",
                {"attachment": ["missing or not a list of objects"]},
            )
        if sha256(canonical_bytes(rows)).hex() != self.params.raw.get(digest_param):
            raise ValidationError(
                "the attached rows are not the ones the command was signed for",
                {digest_param: ["does not match the attachment"]},
            )
        return rows

    def require_role(self, *roles: str, rule: str | None = None) -> None:
        if self.actor is None or not set(roles) & set(self.actor.roles):
            raise PermissionDenied(
                f"{self.authorisation.action} needs a key with role {' or '.join(roles)}; "
                f"key {self.actor_id} has {', '.join(self.actor.roles) if self.actor else 'none'}",
                rule=rule,
            )


@dataclass
class Outcome:
    aggregates: Sequence[Aggregate] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Context], Outcome]


@dataclass(frozen=True)
class CommandSpec:
    action: str
    handler: Handler
    summary: str


REGISTRY: dict[str, CommandSpec] = {}


def command(action: str, summary: str = "") -> Callable[[Handler], Handler]:
    """Register ``handler`` for ``action`` (each action once)."""

    def register(handler: Handler) -> Handler:
        if action in REGISTRY:
            raise RuntimeError(f"action {action!r} registered twice")
        REGISTRY[action] = CommandSpec(action, handler, summary or (handler.__doc__ or "").strip())
        return handler

    return register
