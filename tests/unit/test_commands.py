"""Typed commands: each declares its fields, roles and route once (issue 10).

The evidence route table the auditor's verifier reads is generated from the typed
commands; it is part of the evidence format, so it must equal the table the verifier
has always read (old ledgers' HTTP evidence maps to the same actions).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.bootstrap import registry
from ledger.commanding import Command, Registry, Route
from ledger.fields import integer, text
from ledger.params import Params
from ledger.roles import ANY, ROLES

#: The table the verifier has always read (method, path, action, attachment).
HTTP_ROUTES = [
    (r["method"], r["template"], r["action"], r["attachment"])
    for r in json.loads(
        (Path(__file__).resolve().parents[1] / "vectors" / "http-routes-v1.json").read_text(
            encoding="utf-8"
        )
    )["routes"]
]


def test_the_route_table_comes_from_the_commands() -> None:
    areas = {c.ACTION: c.area() for c in registry()}
    expected = [(m, p, a, f, areas[a]) for m, p, a, f in HTTP_ROUTES]
    assert sorted(registry().http_routes()) == sorted(expected)


def test_every_command_declares_roles_a_summary_and_its_fields() -> None:
    for command in registry():
        assert command.summary(), command.ACTION
        assert command.ROLES <= {*ROLES, ANY}, command.ACTION
        for name, spec in command.parameters().items():
            assert spec.kind, (command.ACTION, name)


def test_parse_collects_every_problem() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Example(Command):
        """An example."""

        ACTION = "example.do"
        ROLES = frozenset({"office"})

        name: str = text(max_length=3)
        count: int = integer(minimum=1)

    with pytest.raises(Exception) as raised:
        Example.parse(Params({"name": "toolong", "count": 0}))
    assert raised.value.errors == {  # type: ignore[attr-defined]
        "name": ["is longer than 3 characters"],
        "count": ["must be at least 1"],
    }
    assert Example.parse(Params({"name": "ok", "count": 2})) == Example(name="ok", count=2)


def test_a_registry_refuses_an_action_or_a_route_declared_twice() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class One(Command):
        """One."""

        ACTION = "x.one"
        ROLES = frozenset({"office"})
        ROUTE = Route("POST", "/x")

    @dataclass(frozen=True)
    class Two(Command):
        """Two."""

        ACTION = "x.two"
        ROLES = frozenset({"office"})
        ROUTE = Route("POST", "/x")

    with pytest.raises(RuntimeError, match="declared twice"):
        Registry([One, One])
    with pytest.raises(RuntimeError, match="routes both"):
        Registry([One, Two])
