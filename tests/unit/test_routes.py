"""The HTTP route table: how :class:`~ledger.audit.evidence.RouteTable` reads a path,
and the table itself as a golden file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ledger.audit.evidence import ActionRoute, RouteTable
from ledger.bootstrap import registry, route_table

GOLDEN = Path(__file__).resolve().parents[1] / "vectors" / "http-routes-v1.json"

TABLE = RouteTable(
    [
        ActionRoute("POST", "/api/v1/plans/{year:int}/drafts", "plans.draft"),
        ActionRoute("POST", "/api/v1/plans/{year}/drafts", "never.reached"),
        ActionRoute("POST", "/api/v1/imports/{import_id}/batches", "import.batch", "rows"),
        ActionRoute("PUT", "/api/v1/tasks/{task}/draws/{draw:int}", "draw.put"),
    ]
)


def test_an_unknown_route_names_no_command() -> None:
    assert TABLE.route_for("POST", "/api/v1/nowhere") is None
    assert TABLE.route_for("GET", "/api/v1/plans/2026/drafts") is None  # method differs
    assert TABLE.route_for("POST", "/api/v1/plans/2026/drafts/extra") is None  # whole path
    assert TABLE.route_for("POST", "/api/v1/imports/a/b/batches") is None  # one segment
    assert RouteTable().route_for("POST", "/api/v1/plans/2026/drafts") is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("2026", 2026), ("999999999", 999_999_999), ("000000001", 1)],
)
def test_int_path_variables_within_nine_digits(text: str, value: int) -> None:
    assert TABLE.route_for("POST", f"/api/v1/plans/{text}/drafts") == (
        "plans.draft",
        {"year": value},
        None,
    )


# Full-width and Arabic-Indic digits pass str.isdigit() and int(): only ASCII decimals name a
# number, so one request cannot be read two ways by the API and the auditor.
@pytest.mark.parametrize(
    "text", ["1000000000", "0000000001", "-1", "+1", "1.5", "twenty", "２０２６", "٢٠٢٦", "²"]
)
def test_int_path_variables_out_of_bounds_name_no_command(text: str) -> None:
    # The first route whose pattern matches decides: a later route is never tried.
    assert TABLE.route_for("POST", f"/api/v1/plans/{text}/drafts") is None


def test_path_variables_are_percent_decoded_and_typed() -> None:
    assert TABLE.route_for("PUT", "/api/v1/tasks/T%2D1/draws/12") == (
        "draw.put",
        {"task": "T-1", "draw": 12},
        None,
    )


def test_the_attachment_field_comes_with_the_route() -> None:
    assert TABLE.route_for("POST", "/api/v1/imports/I-1/batches") == (
        "import.batch",
        {"import_id": "I-1"},
        "rows",
    )


def test_a_table_keeps_its_routes_in_order() -> None:
    assert [r.action for r in TABLE] == ["plans.draft", "never.reached", "import.batch", "draw.put"]
    assert len(TABLE) == 4
    with pytest.raises(AttributeError):
        TABLE.routes[0].action = "other"  # type: ignore[misc]


def golden_routes() -> list[tuple[str, str, str, str | None]]:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert golden["format"] == "shuangsui-http-routes-v1"
    return [(r["method"], r["template"], r["action"], r["attachment"]) for r in golden["routes"]]


def test_the_route_table_is_the_golden_one() -> None:
    """The route table is part of the evidence format: stored ``rfc9421`` evidence names
    its command through it, and an auditor verifying a bundle needs the very same
    table. A change to a command's ``ROUTE`` (the table is generated from the typed
    commands) must therefore be deliberate: a route once used must keep its meaning.
    If the change is intended, edit ``tests/vectors/http-routes-v1.json`` with it.
    (The order of the rows does not matter: no two routes can match one request, see
    the next test.)"""
    expected = sorted(golden_routes())
    assert sorted(route[:4] for route in registry().http_routes()) == expected
    table = route_table()
    assert sorted((r.method, r.template, r.action, r.attachment) for r in table) == expected


def _segments_may_meet(a: str, b: str) -> bool:
    """Whether one path segment can match both template segments ``a`` and ``b``."""
    var_a, var_b = re.fullmatch(r"\{\w+(:int)?\}", a), re.fullmatch(r"\{\w+(:int)?\}", b)
    if var_a and var_b:
        return True
    if var_a or var_b:
        literal, variable = (b, var_a) if var_a else (a, var_b)
        assert variable is not None
        return literal.isdigit() if variable.group(1) else True
    return a == b


def test_no_two_routes_can_match_one_request() -> None:
    """So the first-match rule never decides, and the table's order is not part of it."""
    routes = list(route_table())
    for i, one in enumerate(routes):
        for other in routes[i + 1 :]:
            a, b = one.template.split("/"), other.template.split("/")
            assert not (
                one.method == other.method
                and len(a) == len(b)
                and all(_segments_may_meet(x, y) for x, y in zip(a, b, strict=True))
            ), (one, other)
