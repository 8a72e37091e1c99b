"""The facts the duty review's rules read: every SELECT the review makes, in one place.

One :class:`Facts` per review, over the projection database as of ``today``; look-ups
that several inspections repeat (a department's list versions, a person's directory
records) are cached for the review's lifetime. Nothing here judges: the rules
(:mod:`projections.review.rules`) and the verdicts (:mod:`projections.review.verdicts`)
do, from what these methods return.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from projections.read import inspections
from projections.read.calendar import work_calendar
from projections.read.deadlines import Deadline, judged
from projections.read.sql import rows

#: Results that report a problem: a later one makes an earlier "nothing found" suspect.
PROBLEM_RESULTS = ("violation", "corrected")


@dataclass
class Check:
    """One check under review: its row decoded, its result, and what several rules share."""

    object: str
    basis: str
    reference: str
    item: str  # DEPARTMENT:CODE
    department: str
    checked_on: str
    present: list[str]  # the inspectors present
    at: int  # the check's log position
    result: dict[str, Any] | None  # its results row
    listed: dict[str, Any] | None  # the item list version in force when it was checked
    codes: dict[str, dict[str, Any]]  # that version's items by code
    drawn: tuple[list[str], int] | None  # (team, draw position) if the draw selected it
    method: str = ""  # the method recorded (实地核查 / 书面检查 / 网络监测)

    @property
    def code(self) -> str:
        return self.item.partition(":")[2]

    @property
    def team(self) -> list[str] | None:
        return self.drawn[0] if self.drawn else None


class Facts:
    """Cached look-ups over the projection for one review."""

    def __init__(self, db: sqlite_utils.Database, today: dt.date) -> None:
        self.db, self.today = db, today
        self.calendar = work_calendar(db)
        self._versions: dict[str, list[dict[str, Any]]] = {}
        self._records: dict[str, list[dict[str, Any]]] = {}
        self._leads: dict[str, dict[str, Any]] = {}

    # -- what the review is about ------------------------------------------------------------
    def inspections(self, kind: str, subject: str) -> list[dict[str, Any]]:
        """The checks the subject took part in, in log order."""
        if kind == "object":
            return rows(
                self.db, "SELECT * FROM inspections WHERE object = ? ORDER BY position", (subject,)
            )
        if kind == "task":
            return rows(
                self.db,
                "SELECT * FROM inspections WHERE basis = 'draw' AND reference LIKE ? "
                "ORDER BY position",
                (f"{subject}/%",),
            )
        if kind == "department":
            return rows(
                self.db,
                "SELECT * FROM inspections WHERE substr(item, 1, instr(item, ':') - 1) = ? "
                "ORDER BY position",
                (subject,),
            )
        return rows(
            self.db,
            "SELECT i.* FROM inspections i WHERE EXISTS (SELECT 1 FROM "
            "json_each(i.inspectors) j WHERE j.value = ?) OR EXISTS (SELECT 1 FROM results r "
            "WHERE r.object = i.object AND r.basis = i.basis AND r.reference = i.reference "
            "AND r.item = i.item AND r.entered_by = ?) ORDER BY i.position",
            (subject, subject),
        )

    def check(self, row: dict[str, Any]) -> Check:
        """An inspections row as the rules read it."""
        found = rows(
            self.db,
            "SELECT * FROM results WHERE object = ? AND basis = ? AND reference = ? AND item = ?",
            (row["object"], row["basis"], row["reference"], row["item"]),
        )
        listed = self.item_list_at(row["item"].partition(":")[0], row["position"])
        return Check(
            row["object"],
            row["basis"],
            row["reference"],
            row["item"],
            # The item's department: on a joint visit one inspection stream holds every
            # department's checks, and its rows carry the department that opened it.
            row["item"].partition(":")[0],
            row["checked_on"],
            json.loads(row["inspectors"]),
            row["position"],
            found[0] if found else None,
            listed,
            {i["code"]: i for i in json.loads(listed["items"])} if listed else {},
            self.team(row["reference"], row["object"]) if row["basis"] == "draw" else None,
            row["method"],
        )

    # -- what the rules read -----------------------------------------------------------------
    def item_list_at(self, department: str, position: int) -> dict[str, Any] | None:
        """The department's list version published last before ``position``."""
        if department not in self._versions:
            self._versions[department] = rows(
                self.db,
                "SELECT version, items, position FROM item_versions WHERE "
                "department = ? AND position IS NOT NULL ORDER BY position",
                (department,),
            )
        current = None
        for version in self._versions[department]:
            if version["position"] < position:
                current = version
        return current

    def inspector_at(self, person: str, position: int) -> dict[str, Any] | None:
        """The person's directory record in force before ``position`` (with the position
        that made it, and ``retired_at`` if an approved retirement came before)."""
        if person not in self._records:
            self._records[person] = rows(
                self.db,
                "SELECT position, record FROM inspector_versions WHERE person = ? "
                "ORDER BY position",
                (person,),
            )
        current = None
        for version in self._records[person]:
            if version["position"] < position:
                current = {**json.loads(version["record"]), "position": version["position"]}
        active = rows(self.db, "SELECT active FROM inspectors WHERE person = ?", (person,))
        if current is not None and active and not active[0]["active"]:
            retired = rows(
                self.db,
                "SELECT MAX(position) AS p FROM inspector_proposals WHERE "
                "person = ? AND action = 'retire' AND decision = 'approved'",
                (person,),
            )[0]["p"]
            if retired is not None and retired < position:
                current["retired_at"] = retired
        return current

    def team(self, reference: str, obj: str) -> tuple[list[str], int] | None:
        """(team after recusals, the draw's position) for an object drawn in ``reference``
        (``TASK/NUMBER``); ``None`` if the draw did not select it."""
        task, _, number = reference.rpartition("/")
        found = rows(
            self.db,
            "SELECT a.team, d.performed_position FROM assignments a JOIN draws d ON "
            "d.task = a.task AND d.draw = a.draw WHERE a.task = ? AND a.draw = ? AND "
            "a.object = ?",
            (task, int(number), obj),
        )
        if not found:
            return None
        return json.loads(found[0]["team"]), found[0]["performed_position"]

    def task_items(self, task: str) -> list[str] | None:
        """The task's items as ``DEPARTMENT:CODE`` (lead's and participants'); ``None``
        for an unknown task."""
        found = rows(self.db, "SELECT items FROM tasks WHERE task = ?", (task,))
        return list(json.loads(found[0]["items"])) if found else None

    def obligations(self, kind: str, subject: str) -> list[dict[str, Any]]:
        """The subject's joint-visit obligations (R6.1), judged as of the review's day:
        an object's, a task's, a department's, or for a person those of the objects
        they were sent to for their own department."""
        selected: dict[str, Any] = {kind: subject}
        return inspections.obligations(self.db, self.today, **selected)

    def sent(self, task: str, draw: int, obj: str, department: str) -> list[str]:
        """Who of the object's team (after recusals) belongs to ``department``."""
        return [
            r["value"]
            for r in rows(
                self.db,
                "SELECT j.value FROM assignments a, json_each(a.team) j JOIN inspectors i ON "
                "i.person = j.value WHERE a.task = ? AND a.draw = ? AND a.object = ? AND "
                "i.unit = ?",
                (task, draw, obj, department),
            )
        ]

    def recusals(self, reference: str, obj: str) -> list[dict[str, Any]]:
        """Every recusal of ``obj`` in draw ``reference`` (``TASK/NUMBER``) -- those that
        took effect and (v2) the lead's requests, whatever became of them -- one row per
        (person): ``person``, ``positions`` (request, effect), ``status`` (``effective``
        for a v1 recusal, else ``declared``, ``approved``, ``rejected``, ``lapsed`` or
        ``pending``)."""
        task, _, number = reference.rpartition("/")
        found: dict[str, dict[str, Any]] = {}
        for r in rows(
            self.db,
            "SELECT person, position, status, decided_position FROM recusal_requests "
            "WHERE task = ? AND draw = ? AND object = ? ORDER BY position",
            (task, int(number), obj),
        ):
            found[r["person"]] = {
                "person": r["person"],
                "status": r["status"],
                "positions": [r["position"], r["decided_position"]],
            }
        for r in rows(
            self.db,
            "SELECT person, position FROM recusals WHERE task = ? AND draw = ? AND object = ? "
            "ORDER BY position",
            (task, int(number), obj),
        ):
            row = found.setdefault(
                r["person"], {"person": r["person"], "status": "effective", "positions": []}
            )
            row["positions"] = [*row["positions"], r["position"]]
        return sorted(found.values(), key=lambda r: min(p for p in r["positions"] if p))

    def lead_recusals(self, lead: str) -> dict[str, Any]:
        """The lead's recusals over all its performed draws (R7.4): how many (each person
        recused or requested from an object counted once -- a request the office
        rejected or that lapsed counts too: it is the lead's attempt), out of how many
        team places, and the positions that record them."""
        if lead not in self._leads:
            recused = rows(
                self.db,
                "SELECT r.task, r.draw, r.object, r.person, r.position FROM recusals r "
                "JOIN tasks t ON t.task = r.task WHERE t.lead = ? UNION ALL "
                "SELECT q.task, q.draw, q.object, q.person, q.position FROM recusal_requests q "
                "JOIN tasks t ON t.task = q.task WHERE t.lead = ?",
                (lead, lead),
            )
            places = rows(
                self.db,
                "SELECT COALESCE(SUM(json_array_length(a.team)), 0) AS n FROM assignments a "
                "JOIN tasks t ON t.task = a.task WHERE t.lead = ?",
                (lead,),
            )[0]["n"]
            self._leads[lead] = {
                "count": len({(r["task"], r["draw"], r["object"], r["person"]) for r in recused}),
                "places": int(places),
                "positions": sorted({r["position"] for r in recused}),
            }
        return self._leads[lead]

    def task_leads(self, task: str) -> list[str]:
        """The task's lead department (a list: empty for an unknown task)."""
        return [r["lead"] for r in rows(self.db, "SELECT lead FROM tasks WHERE task = ?", (task,))]

    def deadline(self, kind: str, subject: str) -> Deadline | None:
        """A deadline, judged as of the review's day."""
        found = rows(
            self.db, "SELECT * FROM deadlines WHERE kind = ? AND subject = ?", (kind, subject)
        )
        return judged(found[0], self.calendar, self.today) if found else None

    def later_problems(self, obj: str, item: str, after: int) -> list[dict[str, Any]]:
        """Results for the same object and item after ``after`` that found a problem."""
        return rows(
            self.db,
            "SELECT position, result, formed_on FROM results WHERE object = ? "
            "AND item = ? AND position > ? AND result IN (?, ?) ORDER BY position",
            (obj, item, after, *PROBLEM_RESULTS),
        )

    def problems_after(self, c: Check) -> list[dict[str, Any]]:
        """What the object turned out to have after the check (R10.4): a later result of
        the same item that found a problem, or a recorded incident, verified complaint
        or violation of that item (or of none named) that occurred on or after the check."""
        found = [
            {
                "kind": "violation",
                "occurred_on": r["formed_on"],
                "reference": f"result {r['result']}",
                "position": r["position"],
            }
            for r in self.later_problems(
                c.object, c.item, c.result["position"] if c.result else c.at
            )
        ]
        found += rows(
            self.db,
            "SELECT kind, occurred_on, reference, position FROM problems WHERE object = ? "
            "AND (item = ? OR item = '' OR item IS NULL) AND occurred_on >= ? "
            "ORDER BY position",
            (c.object, c.item, c.checked_on),
        )
        return sorted(found, key=lambda p: p["position"])

    def assessment(self, kind: str, subject: str, party: str) -> dict[str, Any] | None:
        """A department's assessment of the party's four factors, with the rules it cites."""
        found = rows(
            self.db,
            "SELECT a.*, r.title, r.position AS rules_position FROM assessments a LEFT JOIN "
            "duty_rules r ON r.department = a.department AND r.version = a.rules_version "
            "WHERE a.subject_kind = ? AND a.subject = ? AND a.party = ?",
            (kind, subject, party),
        )
        if not found:
            return None
        return {**found[0], "factors": json.loads(found[0]["factors"])}

    # -- what the verdicts read --------------------------------------------------------------
    def settled(self, kind: str, subject: str) -> dict[str, dict[str, Any]]:
        """Settled reviews of the subject by party (evidence decoded)."""
        return {
            r["party"]: {**r, "evidence": json.loads(r["evidence"])}
            for r in self.db.query(
                "SELECT * FROM reviews WHERE subject_kind = ? AND subject = ?", (kind, subject)
            )
        }

    def party(self, party: str) -> tuple[str, str | None]:
        """(kind, name) of a party: a department if one has the code, else a person."""
        department = rows(self.db, "SELECT name FROM departments WHERE code = ?", (party,))
        if department:
            return "department", department[0]["name"]
        person = rows(self.db, "SELECT name FROM inspectors WHERE person = ?", (party,))
        return "person", person[0]["name"] if person else None

    def member(self, person: str, department: str) -> bool:
        """Whether the person's directory unit is the department."""
        return bool(
            rows(
                self.db,
                "SELECT 1 FROM inspectors WHERE person = ? AND unit = ?",
                (person, department),
            )
        )
