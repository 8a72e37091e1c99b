"""Request schemas generated from the typed commands' declared fields.

Each command with a route gets one marshmallow schema (:func:`command_schema`): its
declared fields but the path's variables, plus the route's attachment field. The
schema checks types and presence and documents the bounds in the OpenAPI document;
the command's own reader (:mod:`ledger.params`) applies the bounds and the domain's
rules, with the same messages on every path (API, CLI, replay).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields

from api.schemas import Body
from ledger.commanding import Command
from ledger.fields import Field


def _doc(spec: Field) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    if spec.description:
        doc["description"] = spec.description
    if spec.max_length is not None:
        doc["maxLength"] = spec.max_length
    if spec.pattern is not None:
        doc["pattern"] = spec.pattern
    if spec.choices is not None and spec.kind == "string":
        doc["enum"] = list(spec.choices)
    if spec.minimum is not None:
        doc["minimum"] = spec.minimum
    if spec.maximum is not None:
        doc["maximum"] = spec.maximum
    if spec.kind == "ratio":
        doc.update(type="string", example="0.05")
    if spec.kind == "date":
        doc["example"] = "2026-11-26"
    return doc


def _scalar(kind: str) -> fields.Field[Any]:
    if kind == "integer":
        return fields.Integer(strict=True)
    if kind == "boolean":
        return fields.Boolean()
    if kind == "date":
        return fields.Date()
    if kind == "ratio":
        return fields.Raw()
    return fields.String()


def field_for(spec: Field, name: str) -> fields.Field[Any]:
    """The marshmallow field documenting (and type-checking) one declared parameter."""
    options: dict[str, Any] = {
        "required": spec.required,
        "allow_none": not spec.required,
        "metadata": _doc(spec),
    }
    kind = spec.kind
    if kind == "strings":
        inner: fields.Field[Any] = fields.String(
            metadata={"enum": list(spec.choices)} if spec.choices else {}
        )
        return fields.List(inner, **options)
    if kind == "integers":
        return fields.List(fields.Integer(strict=True), **options)
    if kind == "object":
        if spec.shape is None:
            return fields.Dict(**options)
        return fields.Nested(shape_schema(spec.shape, name), **options)
    if kind == "objects":
        if spec.shape is None:
            return fields.List(fields.Dict(), **options)
        return fields.List(fields.Nested(shape_schema(spec.shape, name)), **options)
    if kind == "map":
        return fields.Dict(keys=fields.String(), values=_scalar(spec.values or "string"), **options)
    field = _scalar(kind)
    field.required = options["required"]
    field.allow_none = options["allow_none"]
    field.metadata = options["metadata"]
    return field


def _schema_name(*parts: str) -> str:
    return "".join(p.title() for part in parts for p in part.replace("_", ".").split("."))


_SHAPES: dict[str, tuple[str, type[Schema]]] = {}


def shape_schema(shape: Mapping[str, Field], name: str) -> type[Schema]:
    """One schema per nested shape; commands that share a shape (a basis, an item)
    share its schema, and two different shapes never share a name."""
    signature = repr(
        [(key, spec.kind, spec.required, _doc(spec), spec.shape) for key, spec in shape.items()]
    )
    title = _schema_name(name)
    while title in _SHAPES and _SHAPES[title][0] != signature:
        title += "_"
    if title not in _SHAPES:
        declared = {key: field_for(spec, key) for key, spec in shape.items()}
        schema = Body.from_dict(declared, name=title)
        _SHAPES[title] = (signature, schema)
    return _SHAPES[title][1]


PATH_VARIABLE = re.compile(r"\{(\w+)(?::int)?\}")


_COMMAND_SCHEMAS: dict[str, type[Schema]] = {}


def command_schema(command: type[Command]) -> type[Schema]:
    """The request body of a typed command's route: its declared fields but the path's
    variables, plus the attachment field (a list of objects) where the route has one."""
    route = command.ROUTE
    in_path = set(PATH_VARIABLE.findall(route.path)) if route is not None else set()
    body = {
        name: field_for(spec, name)
        for name, spec in command.parameters().items()
        if name not in in_path
    }
    if route is not None and route.attachment:
        body[route.attachment] = fields.List(fields.Dict(), required=True)
    if command.ACTION not in _COMMAND_SCHEMAS:
        name = _schema_name(command.ACTION, "body")
        _COMMAND_SCHEMAS[command.ACTION] = Body.from_dict(body, name=name)
    return _COMMAND_SCHEMAS[command.ACTION]
