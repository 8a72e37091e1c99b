"""Small read-side questions answered straight from aggregates (no projection needed).

These scan only small sets of streams (departments, item lists, inspectors) found
through their registration events; the large read models are in ``projections/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.areas.departments.events import Department
from ledger.areas.inspectors.events import Inspector
from ledger.areas.items.events import ItemList, item_list_id

if TYPE_CHECKING:
    from ledger.application import Ledger


def departments(ledger: Ledger) -> list[Department]:
    found = [
        ledger.get(s) for s in ledger.chain.streams_of_topic("shuangsui.department.registered")
    ]
    return sorted((d for d in found if isinstance(d, Department)), key=lambda d: d.code)


def item_report(ledger: Ledger) -> list[dict[str, Any]]:
    """Per department: key items and the caps of general items (R3.3)."""
    report = []
    for department in departments(ledger):
        found = ledger.find(item_list_id(department.code))
        items = found.current_items() if isinstance(found, ItemList) else {}
        general = {code: i["ratio_cap"] for code, i in items.items() if i["category"] == "general"}
        report.append(
            {
                "department": department.code,
                "name": department.name,
                "published_version": found.published if isinstance(found, ItemList) else None,
                "key_items": sum(1 for i in items.values() if i["category"] == "key"),
                "general_items": len(general),
                "general_caps": general,
                "highest_cap": max(general.values(), default=None, key=float),
            }
        )
    return report


def inspectors(ledger: Ledger) -> list[Inspector]:
    found = [ledger.get(s) for s in ledger.chain.streams_of_topic("shuangsui.inspector.opened")]
    return sorted((i for i in found if isinstance(i, Inspector)), key=lambda i: i.person)


def pending_proposals(ledger: Ledger, department: str | None = None) -> list[dict[str, Any]]:
    """Inspector-directory changes waiting for the judicial department (R4.2)."""
    pending = []
    for record in inspectors(ledger):
        for proposal, change in record.pending.items():
            if department is None or change["department"] == department:
                pending.append({"person": record.person, "proposal": proposal, **change})
    return pending
