"""Names beside codes in the CLI's confirmations (issue 12 §7: outputs show department,
item and result names, not only codes), read from the ledger after the command.

Invariant: a name is only ever added: a code the ledger has no name for is shown alone,
and reading the names never fails a command that was recorded.
"""

from __future__ import annotations

from typing import Any

from ledger import terms
from ledger.ids import department_id, item_list_id


def _named(code: str, name: str | None) -> str:
    return f"{code}（{name}）" if name and name != code else code


def department(ledger: Any, code: str) -> str:
    """``SCJGJ（安岳县市场监督管理局）``."""
    found = ledger.find(department_id(code))
    return _named(code, getattr(found, "name", None))


def item(ledger: Any, ref: str) -> str:
    """``SCJGJ:SC-001（食品生产企业…）`` from the department's item list (any version)."""
    owner, _sep, code = ref.partition(":")
    found = ledger.find(item_list_id(owner)) if code else None
    versions: dict[int, Any] = getattr(found, "versions", None) or {}
    names = {i.get("code"): i.get("name") for v in sorted(versions) for i in versions[v]["items"]}
    return _named(ref, names.get(code))


def result(code: str) -> str:
    """``no_problem（未发现问题）``."""
    return terms.labelled("result", code)


def reading(runtime: Any, fn: Any) -> Any:
    """``fn(ledger)`` on the ledger opened read-only, for names only."""
    ledger = runtime.open(write=False)
    try:
        return fn(ledger)
    finally:
        ledger.close()
