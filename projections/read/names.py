"""Names beside codes (issue 12 §7, Chinese in, Chinese out): the one helper that gives
the CLI's ``--json``/``--csv`` and the API's JSON the same Chinese form.

Invariants:

* every key and value stays as it was (codes, English text); names are only *added*,
  whatever the language asked for, so a response's shape never depends on it;
* beside a code (department, item, result, method, kind, status ...) its name as
  ``<key>_name`` (``department_name``: 安岳县市场监督管理局, ``result_name``: 未发现问题);
  beside a list of department or item codes the list of names as ``<key>_names``;
  beside a message (:class:`~ledger.i18n.Message`, e.g. a finding's ``detail``) its
  Chinese as ``<key>_zh``;
* a key the row already has is never overwritten, a code without a name gets no
  ``_name``, and a message with no Chinese form gets no ``_zh``;
* :data:`NAME_KEYS` and :data:`LIST_KEYS` are exactly the keys :func:`named` may name,
  so a schema can declare every field it may add (``api.schemas``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger import terms
from ledger.i18n import Message, render
from projections.read.deadlines import DEADLINE_LABELS, STATUS_LABELS
from projections.read.public import names

__all__ = ["LIST_KEYS", "NAME_KEYS", "Names", "named", "names"]

Names = Mapping[str, Mapping[str, str]]

#: Keys whose value is a department's code, named from the ledger's departments.
DEPARTMENT_KEYS = frozenset({"department", "lead", "subject", "unit", "owner", "party"})
#: Keys whose value is a list of department codes.
DEPARTMENT_LISTS = frozenset({"departments", "participants"})
#: Keys whose value is an item (``DEPT:CODE``, or a code beside the row's department).
ITEM_KEYS = frozenset({"item"})
ITEM_LISTS = frozenset({"items", "checklist"})


def _vocabulary(*vocabularies: str) -> dict[str, str]:
    return {code: terms.name(v, code) for v in vocabularies for code in terms.TERMS[v]}


#: key -> code -> its Chinese name (codes of one key never clash across the tables).
VOCABULARIES: dict[str, dict[str, str]] = {
    "result": _vocabulary("result"),
    "method": _vocabulary("item_method"),
    "category": _vocabulary("category"),
    "risk_grade": _vocabulary("risk_grade"),
    "reason": _vocabulary("reason"),
    "trigger": _vocabulary("trigger"),
    "follow_up": _vocabulary("follow_up"),
    "matching": _vocabulary("matching"),
    "verdict": _vocabulary("verdict"),
    "object_type": _vocabulary("object_kind"),
    "service": _vocabulary("service"),
    "kind": {
        **_vocabulary("object_kind", "inspector_kind", "report_kind", "problem_kind"),
        **DEADLINE_LABELS,
    },
    "status": {**_vocabulary("object_status"), **STATUS_LABELS},
}

#: Keys whose value is a list of codes of one vocabulary (a body's ``services``).
VOCABULARY_LISTS = {"services": "service"}

#: The keys that may get a ``<key>_name``, and the list keys that may get ``<key>_names``.
NAME_KEYS = frozenset(DEPARTMENT_KEYS | ITEM_KEYS | VOCABULARIES.keys())
LIST_KEYS = frozenset(DEPARTMENT_LISTS | ITEM_LISTS | VOCABULARY_LISTS.keys())


def _name_of(
    key: str,
    value: str,
    row: Mapping[str, Any],
    known: Names | None,
    vocabularies: Names | None = None,
) -> str | None:
    if vocabularies and key in vocabularies:
        return vocabularies[key].get(value)
    if key in DEPARTMENT_KEYS:
        return (known or {}).get("departments", {}).get(value)
    if key in ITEM_KEYS:
        items = (known or {}).get("items", {})
        department = row.get("department")
        return items.get(value) or (items.get(f"{department}:{value}") if department else None)
    return VOCABULARIES.get(key, {}).get(value)


def named(
    value: Any,
    known: Names | None = None,
    *,
    deep: bool = True,
    vocabularies: Names | None = None,
) -> Any:
    """``value`` (rows, a document) with names added beside codes and the Chinese beside
    messages, recursively (``deep=False``: beside the mapping's own keys only, its values
    left as they are); nothing is removed or changed (see the module's invariants).
    ``known`` is :func:`names` of the projections (departments and items);
    ``vocabularies`` (key -> code -> name) replaces :data:`VOCABULARIES` for its keys,
    where a row's codes mean something else (a key's ``status`` ``active`` is not an
    object's 存续)."""
    if isinstance(value, list | tuple):
        return [named(v, known, deep=deep, vocabularies=vocabularies) for v in value]
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        out[key] = named(item, known, vocabularies=vocabularies) if deep else item
    for key, item in value.items():
        if isinstance(item, Message):
            chinese = render(item, "zh")
            if chinese != str(item):
                out.setdefault(f"{key}_zh", chinese)
        elif isinstance(item, list) and any(isinstance(i, Message) for i in item):
            out.setdefault(f"{key}_zh", [render(i, "zh") for i in item])
        elif isinstance(item, str):
            shown = _name_of(key, item, value, known, vocabularies)
            if shown and shown != item:
                out.setdefault(f"{key}_name", shown)
        elif isinstance(item, list) and item and all(isinstance(i, str) for i in item):
            if key in LIST_KEYS:
                single = (
                    "department" if key in DEPARTMENT_LISTS else VOCABULARY_LISTS.get(key, "item")
                )
                found = [_name_of(single, i, value, known, vocabularies) or i for i in item]
                if found != item:
                    out.setdefault(f"{key}_names", found)
    return out
