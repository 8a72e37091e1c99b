"""Applies log entries to the read models, one handler per stable event topic.

Handlers read and write only the projection database, so applying entries 1..n in one
run or in many runs gives the same tables. Deadline rows keep their base date and the
number of working days; the due date is worked out when asked (``queries``), with the
calendar known then, so a later calendar amendment changes every build alike.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from ledger.audit.verifier import ChainRow, EvidenceError, parse_evidence

TIME = re.compile(rb'"time":"([^"]*)"')
Handler = Callable[["Batch", int, str, dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}


def on(*topics: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for topic in topics:
            HANDLERS[topic] = handler
        return handler

    return register


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Batch:
    """One transaction's worth of entries; hot inserts are buffered and written in bulk."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.entries: list[tuple[Any, ...]] = []
        self.trail: list[tuple[str, str, int]] = []
        self.known: dict[str, tuple[str, str]] = {}  # stream -> (ident, extra), this batch
        self.streams: list[tuple[str, str, str, str]] = []
        self.recent: dict[tuple[str, ...], tuple[str, str]] = {}  # results entered this batch
        # Who holds each key: every entry touches its signer's person and department.
        self.holders: dict[str, tuple[str | None, str | None]] = {
            k: (p, o) for k, p, o in conn.execute("SELECT key_id, person, organisation FROM keys")
        }

    # -- helpers ----------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(sql, params).fetchone()

    def remember(self, stream: str, kind: str, ident: str, extra: str = "") -> None:
        self.streams.append((stream, kind, ident, extra))  # written at flush
        self.known[stream] = (ident, extra)

    def ident(self, stream: str) -> tuple[str, str]:
        found = self.known.get(stream)
        if found is None:
            row = self.one("SELECT ident, extra FROM streams WHERE stream = ?", (stream,))
            found = self.known[stream] = (row[0], row[1]) if row else ("", "")
        return found

    def touch(self, kind: str, subject: str | None, position: int) -> None:
        if subject:
            self.trail.append((kind, subject, position))

    def deadline(
        self,
        kind: str,
        subject: str,
        department: str,
        position: int,
        *,
        base: str | None = None,
        working_days: int = 0,
        due: str | None = None,
    ) -> None:
        self.execute(
            "INSERT INTO deadlines VALUES (?,?,?,?,?,?,NULL,?,NULL) ON CONFLICT(kind, subject) "
            "DO UPDATE SET base = excluded.base, due = excluded.due",
            (kind, subject, department, base, working_days, due, position),
        )

    def done(self, kind: str, subject: str, on: str, position: int) -> None:
        self.execute(
            "UPDATE deadlines SET done = ?, done_position = ? WHERE kind = ? "
            "AND subject = ? AND done IS NULL",
            (on, position, kind, subject),
        )

    def flush(self) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO streams VALUES (?,?,?,?)", self.streams)
        self.conn.executemany("INSERT OR REPLACE INTO entries VALUES (?,?,?,?,?,?)", self.entries)
        self.conn.executemany("INSERT OR IGNORE INTO trail VALUES (?,?,?)", self.trail)
        self.entries, self.trail, self.streams = [], [], []


def apply_rows(batch: Batch, rows: Sequence[ChainRow]) -> None:
    """Apply chain rows (with their events) in position order."""
    for row in rows:
        assert row.event is not None
        # The entry is RFC 8785 JSON: its first '"time":"' is the time field (a string
        # value cannot hold an unescaped quote), read without decoding the whole entry.
        found = TIME.search(row.entry)
        time = found.group(1).decode() if found else json.loads(row.entry)["time"]
        if row.command is not None:
            try:
                evidence = parse_evidence(row.command)
                actor, action = evidence.key, evidence.action
            except EvidenceError:
                actor, action = "?", "?"
        else:
            previous = (
                batch.entries[-1]
                if batch.entries
                else batch.one(
                    "SELECT position, stream, topic, actor, action FROM entries WHERE position = ?",
                    (row.position - 1,),
                )
            )
            actor, action = previous[3], previous[4]
        event = row.event
        batch.entries.append((row.position, event.stream, event.topic, actor, action, time))
        handler = HANDLERS.get(event.topic)
        if handler is not None:
            handler(batch, row.position, event.stream, json.loads(event.state))
        person, organisation = batch.holders.get(actor, (None, None))
        batch.touch("person", person, row.position)
        batch.touch("department", organisation, row.position)


# --- organisations and keys -----------------------------------------------------------------


@on("shuangsui.key.registered")
def key_registered(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.execute(
        "INSERT OR REPLACE INTO keys VALUES (?,?,?,?,?,?)",
        (
            s["key_id"],
            s["holder"],
            dumps(s["roles"]),
            s.get("organisation"),
            s.get("person"),
            "active",
        ),
    )
    b.holders[s["key_id"]] = (s.get("person"), s.get("organisation"))
    b.touch("person", s.get("person"), position)
    b.touch("department", s.get("organisation"), position)


@on("shuangsui.key.rotated", "shuangsui.key.revoked")
def key_retired(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    status = "rotated" if "successor" in s else "revoked"
    b.execute("UPDATE keys SET status = ? WHERE key_id = ?", (status, s["key_id"]))


@on("shuangsui.department.registered")
def department(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "department", s["code"])
    b.execute(
        "INSERT OR REPLACE INTO departments VALUES (?,?,?,?)",
        (s["code"], s["name"], s["kind"], "[]"),
    )
    b.touch("department", s["code"], position)


@on("shuangsui.department.section_added")
def section(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    code, _ = b.ident(stream)
    sections = json.loads(b.one("SELECT sections FROM departments WHERE code = ?", (code,))[0])
    b.execute(
        "UPDATE departments SET sections = ? WHERE code = ?",
        (dumps([*sections, s["section"]]), code),
    )
    b.touch("department", code, position)


# --- item lists and plans --------------------------------------------------------------------


@on("shuangsui.item_list.created")
def item_list(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "item_list", s["department"])


@on("shuangsui.item_list.drafted")
def item_draft(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    department, _ = b.ident(stream)
    b.execute(
        "INSERT OR REPLACE INTO item_versions VALUES (?,?,?,?,?,NULL,NULL)",
        (department, s["version"], s["reason"], s["note"], dumps(s["items"])),
    )
    b.touch("department", department, position)


@on("shuangsui.item_list.published")
def item_publish(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    department, _ = b.ident(stream)
    b.execute(
        "UPDATE item_versions SET published_on = ?, position = ? WHERE department = ? "
        "AND version = ?",
        (s["published_on"], position, department, s["version"]),
    )
    items = json.loads(
        b.one(
            "SELECT items FROM item_versions WHERE department = ? AND version = ?",
            (department, s["version"]),
        )[0]
    )
    b.execute("DELETE FROM items WHERE department = ?", (department,))
    b.conn.executemany(
        "INSERT INTO items VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (
                department,
                i["code"],
                s["version"],
                i["name"],
                i["category"],
                i.get("ratio_cap"),
                i["object_type"],
                i.get("risk_grade"),
                s["published_on"],
            )
            for i in items
        ],
    )
    b.touch("department", department, position)


@on("shuangsui.plan.created")
def plan(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "plan", s["department"], str(s["year"]))


@on("shuangsui.plan.drafted")
def plan_draft(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    department, year = b.ident(stream)
    b.execute(
        "INSERT INTO plans VALUES (?,?,?,?,NULL,NULL) ON CONFLICT(department, year) "
        "DO UPDATE SET name = excluded.name",
        (department, int(year), s["version"], s["plan"]["name"]),
    )
    b.deadline("annual_plan", f"{department}/{year}", department, position, due=f"{year}-01-31")
    b.touch("department", department, position)


@on("shuangsui.plan.published")
def plan_publish(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    department, year = b.ident(stream)
    b.execute(
        "UPDATE plans SET version = ?, published_on = ?, late = ? "
        "WHERE department = ? AND year = ?",
        (s["version"], s["published_on"], int(s["late"]), department, int(year)),
    )
    b.done("annual_plan", f"{department}/{year}", s["published_on"], position)
    b.touch("department", department, position)


# --- directories ----------------------------------------------------------------------------


@on("shuangsui.directory.import_begun")
def import_begun(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "import", s["import_id"], s["department"])
    b.touch("department", s["department"], position)


@on("shuangsui.directory.batch_rows")
def import_batch(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.execute(
        "INSERT OR REPLACE INTO import_rows VALUES (?,?,?,?)",
        (s["import_id"], s["seq"], dumps(s["columns"]), dumps(s["rows"])),
    )
    at = s["columns"].index("id")
    b.trail.extend(("object", row[at], position) for row in s["rows"])


@on("shuangsui.directory.import_completed")
def import_completed(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    import_id, _ = b.ident(stream)
    staged = b.execute(
        "SELECT columns, rows FROM import_rows WHERE import_id = ? ORDER BY seq", (import_id,)
    ).fetchall()
    for columns_text, rows_text in staged:
        columns = json.loads(columns_text)
        at = {c: i for i, c in enumerate(columns)}
        b.conn.executemany(
            "INSERT OR REPLACE INTO objects VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    r[at["id"]],
                    r[at["name"]],
                    r[at["kind"]],
                    r[at["region"]],
                    r[at["industry"]],
                    dumps(r[at["supervisors"]]),
                    r[at["credit_class"]],
                    dumps(r[at["penalties"]]),
                    r[at["complaints"]],
                    r[at["status"]],
                    position,
                )
                for r in json.loads(rows_text)
            ],
        )
    b.execute("DELETE FROM import_rows WHERE import_id = ?", (import_id,))


@on("shuangsui.directory.object_opened")
def object_opened(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "object", s["object_key"])


def _supervised(b: Batch, key: str, department: str) -> bool:
    row = b.one("SELECT supervisors FROM objects WHERE id = ?", (key,))
    return bool(row) and department in json.loads(row[0])


@on("shuangsui.directory.object_updated")
def object_updated(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    key, _ = b.ident(stream)
    b.touch("object", key, position)
    if not _supervised(b, key, s["department"]):
        return
    for name, value in s["fields"].items():
        stored = dumps(value) if isinstance(value, list) else value
        b.execute(
            f"UPDATE objects SET {name} = ?, position = ? WHERE id = ?",
            (stored, position, key),
        )


@on("shuangsui.directory.object_closed")
def object_closed(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    key, _ = b.ident(stream)
    b.touch("object", key, position)
    if _supervised(b, key, s["department"]):
        b.execute(
            "UPDATE objects SET status = 'closed', position = ? WHERE id = ?", (position, key)
        )


@on("shuangsui.inspector.opened")
def inspector_opened(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "inspector", s["person"])


@on("shuangsui.inspector.proposed")
def inspector_proposed(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    person, _ = b.ident(stream)
    b.execute(
        "INSERT OR REPLACE INTO inspector_proposals VALUES (?,?,?,?,?,NULL,?)",
        (s["proposal"], person, s["department"], s["action"], dumps(s["fields"]), position),
    )
    b.touch("person", person, position)
    b.touch("department", s["department"], position)


@on("shuangsui.inspector.approved", "shuangsui.inspector.rejected")
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


# --- tasks, draws ------------------------------------------------------------------------------


def _item_keys(items: list[Any]) -> list[str]:
    """A task's items as "DEPARTMENT:CODE" (events carry the item records)."""
    return [f"{i['department']}:{i['code']}" if isinstance(i, dict) else str(i) for i in items]


@on("shuangsui.task.created")
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
    b.touch("task", s["task"], position)
    b.touch("department", s["lead"], position)
    for person in spec["inspectors"]:
        b.touch("person", person, position)


@on("shuangsui.task.joined")
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
    b.touch("task", task, position)
    b.touch("department", s["department"], position)
    for person in s["inspectors"]:
        b.touch("person", person, position)


@on("shuangsui.task.organised")
def task_organised(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    task, _ = b.ident(stream)
    b.execute(
        "UPDATE tasks SET organised_on = ?, draw = ?, organised_position = ? WHERE task = ?",
        (s["organised_on"], s["draw"], position, task),
    )
    b.done("organise", f"{task}/{s['draw']}", s["organised_on"], position)
    b.touch("task", task, position)


@on("shuangsui.draw.committed")
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
    "shuangsui.draw.witness_committed",
    "shuangsui.draw.witness_revealed",
    "shuangsui.draw.dice",
    "shuangsui.draw.beacon",
)
def draw_entropy(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    task, _ = b.ident(stream)
    b.touch("task", task, position)


@on("shuangsui.draw.performed")
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


@on("shuangsui.draw.recused")
def draw_recused(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    task, number = b.ident(stream)
    draw = int(number)
    b.execute(
        "INSERT OR REPLACE INTO recusals VALUES (?,?,?,?,?,?,?)",
        (task, draw, s["object"], s["person"], s["reason"], s["replacement"], position),
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


# --- carrying out, results, publication --------------------------------------------------------


def _basis(basis: dict[str, Any]) -> tuple[str, str]:
    from ledger.areas.inspections.events import basis_reference

    return basis["kind"], basis_reference(basis)


@on("shuangsui.inspection.opened")
def inspection_opened(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    kind, reference = _basis(s["basis"])
    b.remember(stream, "inspection", s["object"], dumps([kind, reference, s["department"]]))
    b.touch("object", s["object"], position)
    b.touch("department", s["department"], position)
    if kind == "draw":
        b.touch("task", s["basis"]["task"], position)


def _inspection(b: Batch, stream: str) -> tuple[str, str, str, str]:
    obj, extra = b.ident(stream)
    kind, reference, department = json.loads(extra)
    return obj, kind, reference, department


@on("shuangsui.inspection.checked")
def inspection_checked(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    obj, kind, reference, department = _inspection(b, stream)
    b.execute(
        "INSERT OR REPLACE INTO inspections VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            obj,
            kind,
            reference,
            department,
            s["item"],
            s["method"],
            dumps(s["inspectors"]),
            s["checked_on"],
            dumps(s["delegated"]) if s["delegated"] else None,
            position,
        ),
    )
    b.touch("object", obj, position)
    for person in s["inspectors"]:
        b.touch("person", person, position)
    if kind == "draw":
        b.touch("task", reference.rsplit("/", 1)[0], position)


@on("shuangsui.inspection.result")
def inspection_result(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    obj, kind, reference, _ = _inspection(b, stream)
    b.recent[(obj, kind, reference, s["item"])] = (s["result"], s["formed_on"])
    b.execute(
        "INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,NULL,NULL,NULL,NULL,?,NULL,NULL)",
        (
            obj,
            kind,
            reference,
            s["item"],
            s["department"],
            s["result"],
            s["details"],
            s["formed_on"],
            s["entered_by"],
            position,
        ),
    )
    b.deadline(
        "publish",
        f"{obj}|{s['item']}|{kind}:{reference}",
        s["department"],
        position,
        base=s["formed_on"],
        working_days=20,
    )
    if s["result"] == "violation":
        b.deadline(
            "follow_up",
            f"{obj}|{s['item']}|{kind}:{reference}",
            s["department"],
            position,
            base=s["formed_on"],
            working_days=0,
        )
    b.touch("object", obj, position)
    b.touch("person", s["entered_by"], position)
    b.touch("department", s["department"], position)
    if kind == "draw":
        b.touch("task", reference.rsplit("/", 1)[0], position)


@on("shuangsui.inspection.published", "shuangsui.inspection.withheld")
def inspection_decided(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    obj, kind, reference, _ = _inspection(b, stream)
    subject = f"{obj}|{s['item']}|{kind}:{reference}"
    keys = (obj, kind, reference, s["item"])
    if "published_on" in s:
        b.execute(
            "UPDATE results SET published_on = ?, decided_position = ? WHERE object = ? "
            "AND basis = ? AND reference = ? AND item = ?",
            (s["published_on"], position, *keys),
        )
        result = b.recent.get(keys) or b.one(
            "SELECT result, formed_on FROM results WHERE object = ? AND basis = ? "
            "AND reference = ? AND item = ?",
            keys,
        )
        name = b.one("SELECT name FROM objects WHERE id = ?", (obj,))
        b.execute(
            "INSERT OR REPLACE INTO publications VALUES (?,?,?,?,?,?,?,?)",
            (
                position,
                obj,
                name[0] if name else None,
                s["department"],
                s["item"],
                result[0],
                result[1],
                s["published_on"],
            ),
        )
        b.done("publish", subject, s["published_on"], position)
    else:
        b.execute(
            "UPDATE results SET withheld_on = ?, legal_basis = ?, decided_position = ? "
            "WHERE object = ? AND basis = ? AND reference = ? AND item = ?",
            (s["decided_on"], s["legal_basis"], position, *keys),
        )
        b.done("publish", subject, s["decided_on"], position)
    b.touch("object", obj, position)
    b.touch("department", s["department"], position)


@on("shuangsui.inspection.followed_up")
def inspection_followed(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    obj, kind, reference, _ = _inspection(b, stream)
    b.execute(
        "UPDATE results SET followed_up = ?, followed_position = ? WHERE object = ? "
        "AND basis = ? AND reference = ? AND item = ?",
        (f"{s['kind']}:{s['reference']}", position, obj, kind, reference, s["item"]),
    )
    b.done("follow_up", f"{obj}|{s['item']}|{kind}:{reference}", s["on"], position)
    b.touch("object", obj, position)


@on("shuangsui.calendar.amended")
def calendar_amended(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.conn.executemany(
        "INSERT OR REPLACE INTO calendar_days VALUES (?,?)",
        [(day, int(working)) for day, working in s["days"].items()],
    )
    b.conn.executemany(
        "INSERT OR IGNORE INTO calendar_years VALUES (?)", [(year,) for year in s["declare_years"]]
    )


@on("shuangsui.report.submitted")
def report_submitted(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.execute(
        "INSERT OR REPLACE INTO reports VALUES (?,?,?,?,?,?)",
        (s["department"], s["kind"], s["period"], s["submitted_on"], s["summary_sha256"], position),
    )
    b.touch("department", s["department"], position)


@on("shuangsui.review.opened")
def review_opened(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "review", s["subject"]["kind"], s["subject"]["id"])


@on("shuangsui.review.settled")
def review_settled(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    kind, subject = b.ident(stream)
    b.execute(
        "INSERT OR REPLACE INTO reviews VALUES (?,?,?,?,?,?,?)",
        (kind, subject, s["party"], s["verdict"], s["reasoning"], dumps(s["evidence"]), position),
    )
    b.touch(kind, subject, position)
