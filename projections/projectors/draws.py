"""Draws (摇号, R7.4, R7.5): commitment, entropy, assignments, recusals; the 5-day deadline."""

from __future__ import annotations

import json
from typing import Any

from ledger.areas.draws.events import Draw
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


@on(Draw.Created.TOPIC)
def draw_committed(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    commitment = json.loads(s["commitment"])
    b.remember(stream, "draw", s["task"], str(s["number"]))
    b.execute(
        "INSERT OR REPLACE INTO draws VALUES (?,?,?,?,?,NULL,NULL,NULL,?,NULL)",
        (
            s["task"],
            s["number"],
            s["commitment_hash"],
            commitment["as_of_position"],
            commitment["snapshot"]["objects"]["count"],
            position,
        ),
    )
    b.touch("task", s["task"], position)


@on(
    Draw.WitnessCommitted.TOPIC,
    Draw.WitnessRevealed.TOPIC,
    Draw.DiceRecorded.TOPIC,
    Draw.BeaconRecorded.TOPIC,
    Draw.Voided.TOPIC,
    Draw.DiceThrown.TOPIC,
    Draw.WitnessSignedCommitment.TOPIC,
    Draw.WitnessSignedReveal.TOPIC,
)
def draw_entropy(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    task, _ = b.ident(stream)
    b.touch("task", task, position)


@on(Draw.Performed.TOPIC)
def draw_performed(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    task, number = b.ident(stream)
    draw = int(number)
    b.execute(
        "UPDATE draws SET organise_from = ?, seed = ?, drawn = ?, performed_position = ? "
        "WHERE task = ? AND draw = ?",
        (s["organise_from"], s["seed"], len(s["drawn"]), position, task, draw),
    )
    b.conn.executemany(
        "INSERT OR REPLACE INTO assignments VALUES (?,?,?,?,?,?)",
        [
            (task, draw, a["object"], a["stratum"], dumps(a["team"]), a["order"])
            for a in s["assignments"]
        ],
    )
    _obligations(b, task, draw, s["assignments"], position)
    lead = b.one("SELECT lead FROM tasks WHERE task = ?", (task,))
    b.deadline(
        "organise",
        f"{task}/{draw}",
        lead[0] if lead else "",
        position,
        base=s["organise_from"],
        working_days=5,
    )
    b.touch("task", task, position)
    for a in s["assignments"]:
        b.touch("object", a["object"], position)
        for person in a["team"]:
            b.touch("person", person, position)


def _obligations(
    b: Batch, task: str, draw: int, assignments: list[dict[str, Any]], position: int
) -> None:
    """Each drawn object's checklist as obligations, due by the task's planned end
    (R6.1): the checklist the draw recorded (matching v2), or, for a draw that recorded
    none, what its matching staffed -- every task item for the object's kind."""
    items = b.conn.execute(
        "SELECT item, department, object_type FROM task_items WHERE task = ? ORDER BY rank",
        (task,),
    ).fetchall()
    due = b.one("SELECT planned_end FROM task_dates WHERE task = ?", (task,))
    departments = {item: department for item, department, _ in items}
    rows = []
    for a in assignments:
        checklist = a.get("checklist")
        if checklist is None:
            checklist = [item for item, _, kind in items if kind == a.get("kind")]
        for rank, item in enumerate(checklist):
            department = departments.get(item, item.partition(":")[0])
            rows.append(
                (task, draw, a["object"], item, department, rank, due[0] if due else None,
                 None, None, None, None, None, position)
            )  # fmt: skip
    b.conn.executemany(
        "INSERT OR REPLACE INTO obligations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows
    )


@on(Draw.Recused.TOPIC, Draw.RecusalDeclared.TOPIC, Draw.RecusalApproved.TOPIC)
def draw_recused(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    """A recusal that takes effect: a v1 draw's, or a v2 draw's declared by the inspector
    or approved by the office (which settles the lead's pending request)."""
    task, number = b.ident(stream)
    draw = int(number)
    b.execute(
        "INSERT OR REPLACE INTO recusals VALUES (?,?,?,?,?,?,?)",
        (task, draw, s["object"], s["person"], s["reason"], s["replacement"], position),
    )
    b.execute(
        "UPDATE recusal_requests SET status = ?, decided_position = ? WHERE task = ? AND "
        "draw = ? AND object = ? AND person = ? AND status IN ('pending', 'lapsed')",
        (
            "approved" if "requested_by" in s else "declared",
            position,
            task,
            draw,
            s["object"],
            s["person"],
        ),
    )
    team = json.loads(
        b.one(
            "SELECT team FROM assignments WHERE task = ? AND draw = ? AND object = ?",
            (task, draw, s["object"]),
        )[0]
    )
    b.execute(
        "UPDATE assignments SET team = ? WHERE task = ? AND draw = ? AND object = ?",
        (
            dumps([s["replacement"] if p == s["person"] else p for p in team]),
            task,
            draw,
            s["object"],
        ),
    )
    for kind, subject in (
        ("task", task),
        ("object", s["object"]),
        ("person", s["person"]),
        ("person", s["replacement"]),
    ):
        b.touch(kind, subject, position)


@on(Draw.RecusalRequested.TOPIC)
def recusal_requested(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    """v2: the lead asks; nothing changes until the inspector declares or the office
    approves (R7.4)."""
    task, number = b.ident(stream)
    b.execute(
        "INSERT OR REPLACE INTO recusal_requests VALUES (?,?,?,?,?,?,?,?,NULL)",
        (task, int(number), s["object"], s["person"], s["reason"], s["by"], position, "pending"),
    )
    for kind, subject in (("task", task), ("object", s["object"]), ("person", s["person"])):
        b.touch(kind, subject, position)


@on(Draw.RecusalRejected.TOPIC)
def recusal_rejected(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    """The office rejects the lead's pending request: settled, no team changes (R7.4)."""
    task, number = b.ident(stream)
    b.execute(
        "UPDATE recusal_requests SET status = 'rejected', decided_position = ? WHERE task = ? "
        "AND draw = ? AND object = ? AND person = ? AND status = 'pending'",
        (position, task, int(number), s["object"], s["person"]),
    )
    for kind, subject in (("task", task), ("object", s["object"]), ("person", s["person"])):
        b.touch(kind, subject, position)
