"""The draw's world: the log's events folded into what a draw reads (双随机, R7).

Every function here is a pure function of decoded events ``(position, stream, topic,
state)`` -- the same tuples whether they come from the database
(``Ledger.topic_events``) or from an export bundle (:func:`bundle_events`) -- so
committing, running and verifying a draw fold the log one way. Invariants:

* events are applied in log order, and :func:`fold` stops at ``up_to`` (a draw's
  ``as_of_position``), so the world a commitment saw can be rebuilt exactly;
* the directory: an import's rows take effect at its completion, later rows for the
  same id supersede earlier ones, then per-object updates and closures apply, and
  only for a department that supervises the object;
* an inspector's record is the fields of the last approved change; a retirement
  makes them inactive;
* a task's spec is its creation's spec plus every join's items and inspectors;
* for exclusions (R6.3), a performed draw records the day it was organised from and
  the objects it drew, per task;
* the credit record (信用记录, R5.1, R5.4): every verified violation (a result
  ``violation``), penalty case and judicial referral is recorded under its object's
  name with its day, department, item and basis, in log order
  (:class:`CreditRecord`); and every check, with its day and basis, whatever its basis
  (a draw, a case lead or none).
"""

from __future__ import annotations

import base64
import json
import operator
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from ledger.audit.collector import paused_gc
from ledger.decoding import loads

Event = tuple[int, str, str, dict[str, Any]]  # (position, stream, topic, state)


class EventReader(Protocol):
    """Reads the log's events with these topics, in log order, up to a position
    (``Ledger.topic_events``; :func:`bundle_reader` for a bundle); with ``streams``,
    only those streams' events (the others' states are not decoded)."""

    def __call__(
        self,
        topics: Sequence[str],
        up_to: int | None = None,
        *,
        streams: Collection[str] | None = None,
    ) -> Iterable[Event]: ...


DIRECTORY_TOPICS = (
    "shuangsui.directory.import_begun",
    "shuangsui.directory.batch_rows",
    "shuangsui.directory.import_completed",
    "shuangsui.directory.object_opened",
    "shuangsui.directory.object_updated",
    "shuangsui.directory.object_closed",
)
INSPECTOR_TOPICS = (
    "shuangsui.inspector.opened",
    "shuangsui.inspector.proposed",
    "shuangsui.inspector.approved",
    "shuangsui.inspector.rejected",
)
TASK_TOPICS = ("shuangsui.task.created", "shuangsui.task.joined")
DRAW_TOPICS = (
    "shuangsui.draw.committed",
    "shuangsui.draw.witness_committed",
    "shuangsui.draw.witness_revealed",
    "shuangsui.draw.dice",
    "shuangsui.draw.beacon",
    "shuangsui.draw.performed",
    "shuangsui.draw.recused",
    "shuangsui.draw.voided",
    "shuangsui.draw.dice_thrown",
    "shuangsui.draw.witness_signed_commitment",
    "shuangsui.draw.witness_signed_reveal",
    "shuangsui.draw.recusal_requested",
    "shuangsui.draw.recusal_declared",
    "shuangsui.draw.recusal_approved",
    "shuangsui.draw.recusal_rejected",
)
INSPECTION_TOPICS = (
    "shuangsui.inspection.opened",
    "shuangsui.inspection.checked",
    "shuangsui.inspection.result",
    "shuangsui.inspection.followed_up",
)
#: Key registrations: whose key declared or approved a v2 recusal (verify-draw).
KEY_TOPICS = ("shuangsui.key.registered",)
#: The office's credit policy (``ledger.areas.credit``): the version in force.
POLICY_TOPICS = ("shuangsui.credit.policy_set",)
#: The genesis: the ledger format, which decides the rules a draw is held to
#: (verify-draw; the fold ignores it).
GENESIS_TOPICS = ("shuangsui.ledger.genesis",)
SNAPSHOT_TOPICS = (
    GENESIS_TOPICS
    + DIRECTORY_TOPICS
    + INSPECTOR_TOPICS
    + TASK_TOPICS
    + DRAW_TOPICS
    + INSPECTION_TOPICS
    + KEY_TOPICS
    + POLICY_TOPICS
)


# --- folds ------------------------------------------------------------------------------

# kind, region, industry, supervisors, credit class, penalties, complaints, status
ObjectRecord = tuple[str, str, str | None, tuple[str, ...], str, tuple[str, ...], int, str]
_FIELDS = (
    "kind",
    "region",
    "industry",
    "supervisors",
    "credit_class",
    "penalties",
    "complaints",
    "status",
)


def _record(row: dict[str, Any]) -> ObjectRecord:
    return (
        row["kind"],
        row["region"],
        row["industry"],
        tuple(row["supervisors"]),
        row["credit_class"],
        tuple(row["penalties"]),
        row["complaints"],
        row["status"],
    )


@dataclass
class Directory:
    """The directory as a draw reads it: the current record of every object.

    A batch's rows are reduced to records as soon as the batch is read (its names and
    scopes, which no draw reads, are dropped), and equal values and records are kept
    once: a million objects take a few hundred bytes each, not kilobytes."""

    objects: dict[str, ObjectRecord] = field(default_factory=dict)
    _imports: dict[str, str] = field(default_factory=dict)  # stream -> import id
    _pending: dict[str, list[dict[str, ObjectRecord]]] = field(default_factory=dict)
    _object_keys: dict[str, str] = field(default_factory=dict)  # stream -> object id
    _values: dict[Any, Any] = field(default_factory=dict)  # one copy of each equal value

    def _records(self, columns: list[str], rows: list[list[Any]]) -> dict[str, ObjectRecord]:
        at = {name: i for i, name in enumerate(columns)}
        pick = operator.itemgetter(at["id"], *(at[name] for name in _FIELDS))
        values = self._values
        one = values.setdefault
        # A dict per batch: each id is hashed while the batch is at hand, and the
        # directory takes the batch with the hashes (issue 15.4); a later row for the
        # same id supersedes an earlier one, as it would have.
        records: dict[str, ObjectRecord] = {}
        for row in rows:
            ident, kind, region, industry, supervisors, credit, penalties, complaints, status = (
                pick(row)
            )
            record = (
                kind,
                region,
                industry,
                tuple(supervisors),
                credit,
                tuple(penalties),
                complaints,
                status,
            )
            kept = values.get(record)
            if kept is None:  # a new record: its values kept once too
                kept = (
                    one(kind, kind),
                    one(region, region),
                    one(industry, industry),
                    one(record[3], record[3]),
                    one(credit, credit),
                    record[5],
                    complaints,
                    one(status, status),
                )
                values[kept] = kept
            records[ident] = kept
        return records

    def apply(self, stream: str, topic: str, state: dict[str, Any]) -> None:
        if topic == "shuangsui.directory.import_begun":
            self._imports[stream] = state["import_id"]
            self._pending[state["import_id"]] = []
        elif topic == "shuangsui.directory.batch_rows":
            self._pending.setdefault(state["import_id"], []).append(
                self._records(state["columns"], state["rows"])
            )
        elif topic == "shuangsui.directory.import_completed":
            batches = self._pending.pop(self._imports[stream], [])
            batches.reverse()
            while batches:  # each batch freed once applied
                self.objects.update(batches.pop())
        elif topic == "shuangsui.directory.object_opened":
            self._object_keys[stream] = state["object_key"]
        elif topic == "shuangsui.directory.object_updated":
            key = self._object_keys[stream]
            current = self.objects.get(key)
            if current is not None and state["department"] in current[3]:
                values = dict(zip(_FIELDS, current, strict=True))
                values.update(state["fields"])
                self.objects[key] = _record(values)
        elif topic == "shuangsui.directory.object_closed":
            key = self._object_keys[stream]
            current = self.objects.get(key)
            if current is not None and state["department"] in current[3]:
                self.objects[key] = (*current[:7], "closed")


@dataclass
class Inspectors:
    effective: dict[str, dict[str, Any]] = field(default_factory=dict)
    active: dict[str, bool] = field(default_factory=dict)
    _people: dict[str, str] = field(default_factory=dict)
    _pending: dict[str, dict[str, Any]] = field(default_factory=dict)

    def apply(self, stream: str, topic: str, state: dict[str, Any]) -> None:
        if topic == "shuangsui.inspector.opened":
            self._people[stream] = state["person"]
        elif topic == "shuangsui.inspector.proposed":
            self._pending[state["proposal"]] = state
        elif topic == "shuangsui.inspector.approved":
            change = self._pending.pop(state["proposal"])
            person = self._people[stream]
            if change["action"] == "retire":
                self.active[person] = False
            else:
                self.effective[person] = change["fields"]
                self.active[person] = True
        elif topic == "shuangsui.inspector.rejected":
            self._pending.pop(state["proposal"], None)


@dataclass
class Tasks:
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def apply(self, topic: str, state: dict[str, Any], stream: str) -> None:
        if topic == "shuangsui.task.created":
            spec = dict(state["spec"])
            spec["lead"], spec["task"] = state["lead"], state["task"]
            spec["participants"] = []
            spec["contributed"] = {state["lead"]: list(spec["inspectors"])}
            self.specs[stream] = spec
        elif topic == "shuangsui.task.joined":
            spec = self.specs[stream]
            spec["participants"].append(state["department"])
            spec["items"] = list(spec["items"]) + list(state["items"])
            spec["contributed"][state["department"]] = list(state["inspectors"])


@dataclass
class Draws:
    """Draw streams: their commitments and, for exclusions (R6.3), who was drawn when."""

    committed: dict[str, dict[str, Any]] = field(default_factory=dict)  # stream -> state
    drawn_on: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # task -> date, ids
    #: Every performed draw, "task/number" -> (organised from, drawn ids): the yearly cap.
    performed: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    def apply(self, stream: str, topic: str, state: dict[str, Any]) -> None:
        # Only what a draw reads is kept: a performed event's assignments (tens of
        # thousands of teams) are not (issue 15.4).
        if topic == "shuangsui.draw.committed":
            self.committed[stream] = state
        if topic == "shuangsui.draw.performed":
            commitment = json.loads(self.committed[stream]["commitment"])
            ids = [d[0] for d in state["drawn"]]
            self.drawn_on[commitment["task"]] = (state["organise_from"], ids)
            self.performed[f"{commitment['task']}/{commitment['draw']}"] = (
                state["organise_from"],
                ids,
            )


#: What the credit record holds: a verified violation, a penalty case (立案处罚), a
#: judicial referral (移送司法机关) -- recorded under the object's name (R5.4).
CREDIT_KINDS = ("violation", "penalty_case", "judicial_referral")


@dataclass(frozen=True)
class CreditEntry:
    """One entry of an object's credit record (记于市场主体名下, R5.4)."""

    kind: str  # one of CREDIT_KINDS
    day: str  # ISO day: the result formed, the case opened, the referral made
    department: str
    item: str  # DEPARTMENT:CODE
    basis: str  # <basis kind>:<reference>, e.g. draw:T-1/1 or case:TS-2026-0042
    reference: str  # the case or referral number ("" for a violation)


@dataclass
class CreditRecord:
    """Inspection streams folded into what a draw reads of an object's history (R5.1,
    R5.3, R6.3): its credit entries and its checks (day, basis), per object id."""

    entries: dict[str, list[CreditEntry]] = field(default_factory=dict)
    checks: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # id -> {(day, basis)}
    _streams: dict[str, tuple[str, str]] = field(default_factory=dict)  # stream -> object, basis

    def apply(self, stream: str, topic: str, state: dict[str, Any]) -> None:
        if topic == "shuangsui.inspection.opened":
            basis = state["basis"]
            kind = basis["kind"]
            if kind == "draw":
                reference = f"{basis['task']}/{basis['draw']}"
            else:
                reference = str(basis["case"] if kind == "case" else basis["reference"])
            self._streams[stream] = (state["object"], f"{kind}:{reference}")
            return
        obj, basis = self._streams[stream]
        if topic == "shuangsui.inspection.checked":
            self.checks.setdefault(obj, set()).add((state["checked_on"], basis))
        elif topic == "shuangsui.inspection.result":
            if state["result"] == "violation":
                entry = CreditEntry(
                    "violation", state["formed_on"], state["department"], state["item"], basis, ""
                )
                self.entries.setdefault(obj, []).append(entry)
        elif topic == "shuangsui.inspection.followed_up":
            department = state["item"].split(":", 1)[0]
            entry = CreditEntry(
                state["kind"], state["on"], department, state["item"], basis, state["reference"]
            )
            self.entries.setdefault(obj, []).append(entry)


@dataclass
class World:
    directory: Directory = field(default_factory=Directory)
    inspectors: Inspectors = field(default_factory=Inspectors)
    tasks: Tasks = field(default_factory=Tasks)
    draws: Draws = field(default_factory=Draws)
    credit: CreditRecord = field(default_factory=CreditRecord)
    #: The office's credit policy in force (R5.3, R6.3): the last ``credit.policy_set``.
    policy: dict[str, Any] | None = None
    position: int = 0

    def apply(self, event: Event) -> None:
        position, stream, topic, state = event
        self.position = position
        if topic in DIRECTORY_TOPICS:
            self.directory.apply(stream, topic, state)
        elif topic in INSPECTOR_TOPICS:
            self.inspectors.apply(stream, topic, state)
        elif topic in TASK_TOPICS:
            self.tasks.apply(topic, state, stream)
        elif topic in DRAW_TOPICS:
            self.draws.apply(stream, topic, state)
        elif topic in INSPECTION_TOPICS:
            self.credit.apply(stream, topic, state)
        elif topic in POLICY_TOPICS:
            self.policy = {k: state[k] for k in ("version", "concentration", "yearly_cap")}


def fold(events: Iterable[Event], up_to: int | None = None) -> World:
    """The world after ``events`` (in log order), stopping after position ``up_to``.
    The garbage collector is paused meanwhile: the fold makes millions of objects and
    no cycles (:func:`ledger.audit.collector.paused_gc`)."""
    world = World()
    with paused_gc():
        for event in events:
            if up_to is not None and event[0] > up_to:
                break
            world.apply(event)
    return world


def bundle_events(
    lines: Iterable[str],
    topics: Iterable[str] = SNAPSHOT_TOPICS,
    streams: Collection[str] | None = None,
) -> Iterator[Event]:
    """The events of a bundle (already verified) as (position, stream, topic, state);
    with ``streams``, only those streams' events."""
    wanted = set(topics)
    for line in lines:
        record = loads(line)
        if record.get("t") != "entry":
            continue
        event = record["event"]
        if event["topic"] in wanted and (streams is None or event["stream"] in streams):
            yield (
                record["position"],
                event["stream"],
                event["topic"],
                loads(base64.b64decode(event["state"])),
            )


def bundle_reader(open_bundle: Callable[[], IO[str]]) -> EventReader:
    """A reader of a bundle's events that opens the bundle afresh for each read."""

    def read(
        topics: Sequence[str],
        up_to: int | None = None,
        *,
        streams: Collection[str] | None = None,
    ) -> Iterator[Event]:
        with open_bundle() as lines:
            for event in bundle_events(lines, topics, streams):
                if up_to is not None and event[0] > up_to:
                    return
                yield event

    return read


def bundle_keys(lines: Iterable[str]) -> dict[str, bytes]:
    """The public keys a bundle's key record lists (already verified), by key id: what
    verify-draw checks the witnesses' signatures with."""
    keys: dict[str, bytes] = {}
    for line in lines:
        record = json.loads(line)
        if record.get("t") == "keys":
            for key in record["keys"]:
                keys[key["key_id"]] = base64.b64decode(key["public_key"])
    return keys


def bundle_stream_versions(lines: Iterable[str], stream: str) -> list[int]:
    """The versions of ``stream``'s events among a bundle's (already verified, signed)
    entries, in entry order."""
    versions = []
    for line in lines:
        record = json.loads(line)
        if record.get("t") == "entry" and record["event"]["stream"] == stream:
            versions.append(int(record["event"]["version"]))
    return versions
