"""Joint tasks (联合抽查任务, R7.1-R7.3) and their organisation (R7.4)."""

from __future__ import annotations

import json
from typing import Any

from ledger.areas.tasks.events import JointTask
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


def _item_keys(items: list[Any]) -> list[str]:
    """A task's items as "DEPARTMENT:CODE" (events carry the item records)."""
    return [f"{i['department']}:{i['code']}" if isinstance(i, dict) else str(i) for i in items]


def _task_items(b: Batch, task: str, items: list[Any]) -> None:
    """The task's item records, in the task's order (R7.2): what a draw's checklist is
    made of, with the names the reads show."""
    (rank,) = b.one("SELECT COUNT(*) FROM task_items WHERE task = ?", (task,))
    b.conn.executemany(
        "INSERT OR REPLACE INTO task_items VALUES (?,?,?,?,?,?,?)",
        [
            (
                task,
                f"{i['department']}:{i['code']}",
                i["department"],
                i["code"],
                i.get("name"),
                i.get("object_type"),
                rank + n,
            )
            for n, i in enumerate(items)
            if isinstance(i, dict)
        ],
    )


@on(JointTask.Created.TOPIC)
def task_created(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    spec = s["spec"]
    b.remember(stream, "task", s["task"])
    b.execute(
        "INSERT OR REPLACE INTO tasks VALUES (?,?,?,?,?,?,?,NULL,NULL,NULL)",
        (
            s["task"],
            s["lead"],
            spec["name"],
            spec["year"],
            "[]",
            dumps(_item_keys(spec["items"])),
            dumps({s["lead"]: spec["inspectors"]}),
        ),
    )
    b.execute(
        "INSERT OR REPLACE INTO task_dates VALUES (?,?,?)",
        (s["task"], spec.get("planned_start"), spec.get("planned_end")),
    )
    _task_items(b, s["task"], spec["items"])
    b.touch("task", s["task"], position)
    b.touch("department", s["lead"], position)
    for person in spec["inspectors"]:
        b.touch("person", person, position)


@on(JointTask.ParticipantJoined.TOPIC)
def task_joined(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    task, _ = b.ident(stream)
    participants, items, inspectors = b.one(
        "SELECT participants, items, inspectors FROM tasks WHERE task = ?", (task,)
    )
    contributed = json.loads(inspectors)
    contributed[s["department"]] = s["inspectors"]
    b.execute(
        "UPDATE tasks SET participants = ?, items = ?, inspectors = ? WHERE task = ?",
        (
            dumps([*json.loads(participants), s["department"]]),
            dumps([*json.loads(items), *_item_keys(s["items"])]),
            dumps(contributed),
            task,
        ),
    )
    _task_items(b, task, s["items"])
    b.touch("task", task, position)
    b.touch("department", s["department"], position)
    for person in s["inspectors"]:
        b.touch("person", person, position)


@on(JointTask.Organised.TOPIC)
def task_organised(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    task, _ = b.ident(stream)
    b.execute(
        "UPDATE tasks SET organised_on = ?, draw = ?, organised_position = ? WHERE task = ?",
        (s["organised_on"], s["draw"], position, task),
    )
    b.done("organise", f"{task}/{s['draw']}", s["organised_on"], position)
    b.touch("task", task, position)
