"""Declaring a typed command's fields once (:class:`ledger.commanding.Command`).

:func:`text`, :func:`integer`, ... declare a field; the same declaration reads the
parameters (through :class:`ledger.params.Params`), generates the API's request
schema, documents the CLI's generic ``command`` entry, and (through the command's
route) the evidence route table.

Invariant: a field's declaration is the only place its name, type and bounds are
written; :meth:`Field.read` is the only reader of a declared field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.params import Params

#: JSON shapes a field can take, as the API documents them.
JSON_KINDS = (
    "string",
    "integer",
    "boolean",
    "date",
    "ratio",
    "strings",
    "integers",
    "object",
    "objects",
    "map",
)


@dataclass(frozen=True)
class Field:
    """One declared parameter of a typed command.

    ``kind`` is its JSON shape (:data:`JSON_KINDS`); ``reader`` reads it from
    :class:`Params` (collecting problems); ``shape``, for an object or a list of
    objects, declares the inner fields the API documents (a nested reader still does
    the reading, with the domain's own rules).
    """

    kind: str
    reader: Callable[[Params, str], Any]
    required: bool = True
    description: str = ""
    max_length: int | None = None
    pattern: str | None = None
    choices: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    min_items: int = 0
    shape: Mapping[str, Field] | None = None
    values: str | None = None  # for kind "map": the JSON kind of each value

    def read(self, params: Params, name: str) -> Any:
        return self.reader(params, name)


def _declare(spec: Field) -> Any:
    return field(metadata={"spec": spec})


def text(
    *,
    max_length: int = 500,
    pattern: str | None = None,
    required: bool = True,
    description: str = "",
) -> Any:
    """A text; stripped; required ones must not be empty."""

    def read(p: Params, name: str) -> str:
        return p.text(name, required=required, max_length=max_length, pattern=pattern)

    return _declare(
        Field(
            "string",
            read,
            required=required,
            description=description,
            max_length=max_length,
            pattern=pattern,
        )
    )


def optional_text(*, max_length: int = 500, description: str = "") -> Any:
    """A text that may be absent or empty (read as None)."""

    def read(p: Params, name: str) -> str | None:
        return p.optional_text(name, max_length=max_length)

    return _declare(
        Field("string", read, required=False, description=description, max_length=max_length)
    )


def choice(choices: Iterable[str], *, required: bool = True, description: str = "") -> Any:
    allowed = tuple(choices)

    def read(p: Params, name: str) -> str:
        return p.choice(name, allowed, required=required)

    return _declare(
        Field("string", read, required=required, description=description, choices=allowed)
    )


def text_list(
    *,
    required: bool = True,
    choices: Iterable[str] | None = None,
    min_items: int = 0,
    description: str = "",
) -> Any:
    allowed = tuple(choices) if choices is not None else None

    def read(p: Params, name: str) -> tuple[str, ...]:
        return p.text_list(name, required=required, choices=allowed, min_items=min_items)

    return _declare(
        Field(
            "strings",
            read,
            required=required,
            description=description,
            choices=allowed,
            min_items=min_items,
        )
    )


def integer(
    *,
    required: bool = True,
    minimum: int | None = None,
    maximum: int | None = None,
    description: str = "",
) -> Any:
    def read(p: Params, name: str) -> int:
        return p.integer(name, required=required, minimum=minimum, maximum=maximum)

    return _declare(
        Field(
            "integer",
            read,
            required=required,
            description=description,
            minimum=minimum,
            maximum=maximum,
        )
    )


def date(*, required: bool = True, description: str = "") -> Any:
    def read(p: Params, name: str) -> str:
        return p.date(name, required=required)

    return _declare(Field("date", read, required=required, description=description))


def past_date(*, description: str = "") -> Any:
    """A date (YYYY-MM-DD) that is not after the day the command was signed."""

    def read(p: Params, name: str) -> str:
        return p.past_date(name)

    return _declare(Field("date", read, description=description))


def ratio(*, required: bool = True, description: str = "") -> Any:
    """A proportion 0..1, written as a decimal text ("0.05"); never a float."""

    def read(p: Params, name: str) -> str:
        return p.ratio(name, required=required)

    return _declare(Field("ratio", read, required=required, description=description))


def boolean(*, default: bool = False, description: str = "") -> Any:
    def read(p: Params, name: str) -> bool:
        return p.boolean(name, default=default)

    return _declare(Field("boolean", read, required=False, description=description))


def custom(
    kind: str,
    reader: Callable[[Params, str], Any],
    *,
    required: bool = True,
    description: str = "",
    shape: Mapping[str, Field] | None = None,
    values: str | None = None,
    max_length: int | None = None,
) -> Any:
    """A field read by ``reader(params, name)``: a nested object, a list of objects, a
    value with a domain check (a public key, a basis). ``kind`` and ``shape`` say what
    the API documents."""
    if kind not in JSON_KINDS:
        raise ValueError(f"unknown JSON kind {kind!r}")
    return _declare(
        Field(
            kind,
            reader,
            required=required,
            description=description,
            shape=shape,
            values=values,
            max_length=max_length,
        )
    )


def nested(
    read: Callable[[Params | None], Any],
    *,
    required: bool = True,
    description: str = "",
    shape: Mapping[str, Field] | None = None,
) -> Any:
    """An object read by ``read(child_params_or_None)``, with the child's errors
    reported under ``name.field``."""

    def reader(p: Params, name: str) -> Any:
        return read(p.nested(name, required=required))

    return custom("object", reader, required=required, description=description, shape=shape)


def shape_of(**fields: Any) -> dict[str, Field]:
    """The inner fields of a nested object, for the API's documentation:
    ``shape_of(kind=choice(...), case=text(required=False))``."""
    return {name: f.metadata["spec"] for name, f in fields.items()}
