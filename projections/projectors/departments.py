"""Member departments (成员单位) and their sections (股室), R10.1."""

from __future__ import annotations

import json
from typing import Any

from ledger.areas.departments.events import Department
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


@on(Department.Created.TOPIC)
def department(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "department", s["code"])
    b.execute(
        "INSERT OR REPLACE INTO departments VALUES (?,?,?,?)",
        (s["code"], s["name"], s["kind"], "[]"),
    )
    b.touch("department", s["code"], position)


@on(Department.SectionAdded.TOPIC)
def section(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    code, _ = b.ident(stream)
    sections = json.loads(b.one("SELECT sections FROM departments WHERE code = ?", (code,))[0])
    b.execute(
        "UPDATE departments SET sections = ? WHERE code = ?",
        (dumps([*sections, s["section"]]), code),
    )
    b.touch("department", code, position)
