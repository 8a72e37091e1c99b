"""The inspector directory (执法检查人员名录库, R4.2): proposals, decisions, effective records."""

from __future__ import annotations

import json
from typing import Any

from ledger.areas.inspectors.events import Inspector
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


@on(Inspector.Created.TOPIC)
def inspector_opened(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "inspector", s["person"])


@on(Inspector.ChangeProposed.TOPIC)
def inspector_proposed(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    person, _ = b.ident(stream)
    b.execute(
        "INSERT OR REPLACE INTO inspector_proposals VALUES (?,?,?,?,?,NULL,?)",
        (s["proposal"], person, s["department"], s["action"], dumps(s["fields"]), position),
    )
    b.touch("person", person, position)
    b.touch("department", s["department"], position)


@on(Inspector.ChangeApproved.TOPIC, Inspector.ChangeRejected.TOPIC)
def inspector_decided(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    person, _ = b.ident(stream)
    approved = "reason" not in s
    b.execute(
        "UPDATE inspector_proposals SET decision = ? WHERE proposal = ?",
        ("approved" if approved else "rejected", s["proposal"]),
    )
    b.touch("person", person, position)
    if not approved:
        return
    action, fields = b.one(
        "SELECT action, fields FROM inspector_proposals WHERE proposal = ?", (s["proposal"],)
    )
    record = json.loads(fields)
    if action == "retire":
        b.execute("UPDATE inspectors SET active = 0 WHERE person = ?", (person,))
        return
    b.execute(
        "INSERT OR REPLACE INTO inspector_versions VALUES (?,?,?)", (person, position, fields)
    )
    b.execute(
        "INSERT OR REPLACE INTO inspectors VALUES (?,?,?,?,?,?,?,1,?)",
        (
            person,
            record["name"],
            record["unit"],
            record.get("section"),
            record["kind"],
            record.get("certificate"),
            record.get("certificate_until"),
            fields,
        ),
    )
