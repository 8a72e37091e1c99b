"""The HTTP route table as a golden file."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.audit.evidence import HTTP_ROUTES

GOLDEN = Path(__file__).resolve().parents[1] / "vectors" / "http-routes-v1.json"


def test_the_route_table_is_the_golden_one() -> None:
    """The route table is part of the evidence format: stored ``rfc9421`` evidence names
    its command through it, and an auditor verifying a bundle needs the very same
    table. A change to the table (or to whatever generates it) must therefore be
    deliberate: a route once used must keep its meaning.
    If the change is intended, edit ``tests/vectors/http-routes-v1.json`` with it."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert golden["format"] == "shuangsui-http-routes-v1"
    expected = [
        (r["method"], r["template"], r["action"], r["attachment"]) for r in golden["routes"]
    ]
    assert [(m, t, a, f) for m, t, a, f, _area in HTTP_ROUTES] == expected
