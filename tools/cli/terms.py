"""Chinese terms as input (issue 12 §7): options and the item, plan and task files take a
code or its Chinese name (:mod:`ledger.terms`), and the name becomes the code here,
before the command is signed -- the signed parameters carry the code only.

Invariant: nothing here changes a value it does not know; the ledger's own check then
names what is wrong (with the codes and names it accepts in ``--help``).
"""

from __future__ import annotations

from typing import Any

import click

from ledger import terms


class Term(click.Choice):  # type: ignore[type-arg]
    """A click choice of a vocabulary's codes and Chinese names; the value is the code."""

    def __init__(self, vocabulary: str) -> None:
        super().__init__(list(terms.accepted(vocabulary)))
        self.vocabulary = vocabulary

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return terms.code(self.vocabulary, super().convert(value, param, ctx))


def _mapped(row: Any, fields: dict[str, str], lists: dict[str, str] | None = None) -> Any:
    if not isinstance(row, dict):
        return row
    out = dict(row)
    for field, vocabulary in fields.items():
        if field in out:
            out[field] = terms.code(vocabulary, out[field])
    for field, vocabulary in (lists or {}).items():
        if field in out:
            out[field] = terms.codes(vocabulary, out[field])
    return out


#: An item's fields that take a code (README: the item list's columns).
ITEM_FIELDS = {
    "object_type": "object_kind",
    "method": "item_method",
    "category": "category",
    "risk_grade": "risk_grade",
}


def items(rows: Any) -> Any:
    """An item list file's rows with Chinese names turned into codes."""
    return [_mapped(row, ITEM_FIELDS) for row in rows] if isinstance(rows, list) else rows


def scoped(document: Any) -> Any:
    """A plan or task file with its scope's object kinds (and a task's matching) as codes."""
    out = _mapped(document, {"matching": "matching"})
    if isinstance(out, dict) and isinstance(out.get("scope"), dict):
        out["scope"] = _mapped(out["scope"], {}, {"kinds": "object_kind"})
    return out
