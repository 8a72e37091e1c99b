"""What a draw reads, derived from events: the snapshot, the commitment, the run.

Everything here is a pure function of decoded events ``(position, stream, topic,
state)`` -- the same tuples whether they come from the database or from an export
bundle -- so committing, running and verifying a draw follow one code path
(standard library only). Invariants:

* the directory is folded in log order; an import's rows take effect at its
  completion, later rows for the same id supersede earlier ones, then per-object
  updates and closures apply;
* eligibility (R4.1, R5.2, R5.3, R6.2, R6.3, R7.2) and strata are decided by
  :func:`strata_for` alone, and the snapshot roots commit to every eligible
  (id, stratum, kind) and to every inspector record matching will read;
* a run is :func:`perform` of (commitment, entropy, snapshot); :func:`compare`
  names the first field where a recorded draw differs from the recomputation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ledger.audit.verifier import MerkleFrontier, leaf_hash
from ledger.draw.algorithm import (
    EntropySource,
    Job,
    Officer,
    Rules,
    Stratum,
    match,
    seed_of,
    select,
    string_leaf,
)

Event = tuple[int, str, str, dict[str, Any]]  # (position, stream, topic, state)

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
)
SNAPSHOT_TOPICS = DIRECTORY_TOPICS + INSPECTOR_TOPICS + TASK_TOPICS + DRAW_TOPICS
LOWER = {"D": "C", "C": "B", "B": "A", "A": "A"}


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
    objects: dict[str, ObjectRecord] = field(default_factory=dict)
    _imports: dict[str, str] = field(default_factory=dict)  # stream -> import id
    _pending: dict[str, list[tuple[list[str], list[list[Any]]]]] = field(default_factory=dict)
    _object_keys: dict[str, str] = field(default_factory=dict)  # stream -> object id

    def apply(self, stream: str, topic: str, state: dict[str, Any]) -> None:
        if topic == "shuangsui.directory.import_begun":
            self._imports[stream] = state["import_id"]
            self._pending[state["import_id"]] = []
        elif topic == "shuangsui.directory.batch_rows":
            self._pending.setdefault(state["import_id"], []).append(
                (state["columns"], state["rows"])
            )
        elif topic == "shuangsui.directory.import_completed":
            for columns, rows in self._pending.pop(self._imports[stream], []):
                at = {name: i for i, name in enumerate(columns)}
                pick = operator.itemgetter(at["id"], *(at[name] for name in _FIELDS))
                objects = self.objects
                for row in rows:
                    (
                        ident,
                        kind,
                        region,
                        industry,
                        supervisors,
                        credit,
                        penalties,
                        complaints,
                        status,
                    ) = pick(row)
                    objects[ident] = (
                        kind,
                        region,
                        industry,
                        tuple(supervisors),
                        credit,
                        tuple(penalties),
                        complaints,
                        status,
                    )
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
    events: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    drawn_on: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # task -> date, ids

    def apply(self, stream: str, topic: str, state: dict[str, Any]) -> None:
        if topic == "shuangsui.draw.committed":
            self.committed[stream] = state
        self.events.setdefault(stream, []).append((topic, state))
        if topic == "shuangsui.draw.performed":
            task = json.loads(self.committed[stream]["commitment"])["task"]
            self.drawn_on[task] = (state["organise_from"], [d[0] for d in state["drawn"]])


@dataclass
class World:
    directory: Directory = field(default_factory=Directory)
    inspectors: Inspectors = field(default_factory=Inspectors)
    tasks: Tasks = field(default_factory=Tasks)
    draws: Draws = field(default_factory=Draws)
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


def fold(events: Iterable[Event], up_to: int | None = None) -> World:
    world = World()
    for event in events:
        if up_to is not None and event[0] > up_to:
            break
        world.apply(event)
    return world


def task_spec(world: World, task: str) -> dict[str, Any]:
    for spec in world.tasks.specs.values():
        if spec["task"] == task:
            return spec
    raise KeyError(task)


# --- eligibility and strata --------------------------------------------------------------


def _years_before(on: dt.date, years: int) -> str:
    try:
        return on.replace(year=on.year - years).isoformat()
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28).isoformat()


def strata_for(
    objects: dict[str, ObjectRecord],
    spec: dict[str, Any],
    *,
    on: dt.date,
    excluded: set[str],
    exclusion_mode: str,
) -> dict[str, list[tuple[str, str]]]:
    """Eligible (id, kind) per stratum key.

    Eligible: active; of a kind some task item checks (R7.2) and inside the task's scope
    (R6.2); supervised by a department taking part (谁审批谁监管, R4.1). Stratum: the
    credit-risk class (R5.2), or ``directed`` when penalised within ``penalty_years``
    or with at least ``min_complaints`` verified complaints (R5.3). Objects drawn by
    another random draw within the exclusion period are left out or moved one class
    lower (R6.3), as the commitment says.
    """
    kinds = {item["object_type"] for item in spec["items"]}
    scope = spec["scope"]
    if scope.get("kinds"):
        kinds &= set(scope["kinds"])
    regions, industries = set(scope.get("regions") or ()), set(scope.get("industries") or ())
    departments = {spec["lead"], *spec["participants"]}
    directed = spec.get("directed")
    today = on.isoformat()
    since = _years_before(on, directed["penalty_years"]) if directed else today
    strata: dict[str, list[tuple[str, str]]] = {}
    for ident, (
        kind,
        region,
        industry,
        supervisors,
        credit,
        penalties,
        complaints,
        status,
    ) in objects.items():
        if status != "active" or kind not in kinds or not departments.intersection(supervisors):
            continue
        if (regions and region not in regions) or (industries and industry not in industries):
            continue
        key = credit
        if directed and (
            complaints >= directed["min_complaints"]
            or any(since < day <= today for day in penalties)
        ):
            key = "directed"
        if ident in excluded:
            if exclusion_mode == "exclude":
                continue
            key = LOWER[credit]
        for name in spec.get("stratify_by") or ():
            key += "|" + str(region if name == "region" else industry)
        strata.setdefault(key, []).append((ident, kind))
    for members in strata.values():
        members.sort()
    return strata


def stratum_ratio(ratios: dict[str, str], key: str) -> str:
    """A stratum's ratio: its credit class's, or the directed checks' (R5.2, R5.3);
    further stratifiers (``C|岳阳镇``) split a class without changing its ratio."""
    return ratios[key.split("|", 1)[0]]


def excluded_by_earlier_draws(world: World, task: str, on: dt.date, days: int) -> set[str]:
    """Objects another task's random draw selected within ``days`` before ``on`` (R6.3)."""
    if days <= 0:
        return set()
    since = (on - dt.timedelta(days=days)).isoformat()
    out: set[str] = set()
    for other, (day, ids) in world.draws.drawn_on.items():
        if other != task and since <= day <= on.isoformat():
            out.update(ids)
    return out


def officers_for(world: World, spec: dict[str, Any], inspection_date: str) -> list[Officer]:
    """The committed inspector set: every person the departments contributed (R7.3)."""
    officers = []
    for department, people in sorted(spec["contributed"].items()):
        for person in people:
            record = world.inspectors.effective.get(person)
            if record is None or not world.inspectors.active.get(person):
                continue
            certified = bool(
                record["kind"] == "officer"
                and record["certificate"]
                and record["certificate_from"] <= inspection_date <= record["certificate_until"]
            )
            officers.append(
                Officer(
                    person,
                    department,
                    record["kind"],
                    certified,
                    frozenset(record["qualifications"]),
                    frozenset(record["conflicts"]),
                )
            )
    officers.sort(key=lambda o: o.person)
    return officers


def root(leaves: Iterable[bytes]) -> str:
    frontier = MerkleFrontier()
    for item in leaves:
        frontier.append(leaf_hash(item))
    return frontier.root().hex()


@dataclass(frozen=True)
class Snapshot:
    strata: dict[str, list[tuple[str, str]]]
    officers: list[Officer]
    excluded: int

    def object_leaves(self) -> Iterator[bytes]:
        rows = sorted(
            (ident, key, kind) for key, members in self.strata.items() for ident, kind in members
        )
        return (string_leaf(r) for r in rows)

    def summary(self) -> dict[str, Any]:
        return {
            "objects": {
                "count": sum(len(m) for m in self.strata.values()),
                "root": root(self.object_leaves()),
                "strata": {k: len(v) for k, v in sorted(self.strata.items())},
            },
            "inspectors": {
                "count": len(self.officers),
                "root": root(o.leaf() for o in self.officers),
            },
            "excluded": self.excluded,
        }


def snapshot(world: World, spec: dict[str, Any], params: dict[str, Any]) -> Snapshot:
    on = dt.date.fromisoformat(params["inspection_date"])
    exclusion = params["exclusion"]
    excluded = excluded_by_earlier_draws(world, spec["task"], on, exclusion["days"])
    strata = strata_for(
        world.directory.objects, spec, on=on, excluded=excluded, exclusion_mode=exclusion["mode"]
    )
    return Snapshot(strata, officers_for(world, spec, params["inspection_date"]), len(excluded))


# --- the commitment, the run, the comparison ------------------------------------------------


def commitment_text(commitment: dict[str, Any]) -> str:
    """The commitment as stored and hashed: compact JSON with sorted keys (the
    commitment holds only strings, integers, booleans, lists and objects, for which
    this is RFC 8785)."""
    return json.dumps(commitment, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def commitment_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def jobs_for(
    spec: dict[str, Any], drawn: list[tuple[str, str, int]], kinds: dict[str, str]
) -> list[Job]:
    """What each drawn object needs: per department with items for its kind, the
    qualification tokens of each item (its code, object type, category, or "all")."""
    by_kind: dict[str, list[tuple[str, tuple[frozenset[str], ...]]]] = {}
    for kind in set(kinds.values()):
        needs: dict[str, list[frozenset[str]]] = {}
        for item in spec["items"]:
            if item["object_type"] == kind:
                tokens = frozenset({item["code"], item["object_type"], item["category"], "all"})
                needs.setdefault(item["department"], []).append(tokens)
        by_kind[kind] = [(d, tuple(t)) for d, t in sorted(needs.items())]
    return [
        Job(ident, stratum, ticket, tuple(by_kind[kinds[ident]]))
        for ident, stratum, ticket in drawn
    ]


def perform(
    commitment: dict[str, Any], text: str, sources: list[EntropySource], snap: Snapshot
) -> dict[str, Any]:
    """Run the draw: the seed, the selection per stratum, the matching. Pure."""
    seed = seed_of(commitment_hash(text), sources)
    strata = [
        Stratum(key, stratum_ratio(commitment["ratios"], key), tuple(i for i, _ in members))
        for key, members in sorted(snap.strata.items())
    ]
    summary, drawn = select(seed, strata)
    kinds = {i: k for members in snap.strata.values() for i, k in members}
    jobs = jobs_for(
        commitment["task_spec"], [(d.object, d.stratum, d.ticket) for d in drawn], kinds
    )
    rules = Rules(
        commitment["matching"],
        commitment["team_size"],
        commitment["workload_cap"],
        commitment["experts_per_object"],
    )
    assignments = match(seed, jobs, snap.officers, rules)
    for assignment in assignments:
        assignment["kind"] = kinds[assignment["object"]]
    return {
        "seed": seed.hex(),
        "sources": [{"label": s.label, "value": s.value.hex()} for s in sources],
        "strata": summary,
        "drawn": [[d.object, d.stratum, format(d.ticket, "064x")] for d in drawn],
        "assignments": assignments,
    }


def compare(recorded: dict[str, Any], recomputed: dict[str, Any], path: str = "") -> str | None:
    """The first place where two results differ, as a readable path; None if equal."""
    if type(recorded) is not type(recomputed):
        return f"{path or 'result'}: recorded {recorded!r:.80} recomputed {recomputed!r:.80}"
    if isinstance(recorded, dict):
        # In the recorded order (causes before effects), then anything extra.
        for key in [*recorded, *(k for k in recomputed if k not in recorded)]:
            if key not in recorded or key not in recomputed:
                return f"{path}.{key}: present on one side only"
            found = compare(recorded[key], recomputed[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(recorded, list):
        for i, (a, b) in enumerate(zip(recorded, recomputed, strict=False)):
            found = compare(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(recorded) != len(recomputed):
            return f"{path}: {len(recorded)} recorded, {len(recomputed)} recomputed"
        return None
    if recorded != recomputed:
        return f"{path}: recorded {recorded!r:.80} recomputed {recomputed!r:.80}"
    return None


def sources_for(
    commitment: dict[str, Any], events: list[tuple[str, dict[str, Any]]], run_at: int
) -> tuple[list[EntropySource], list[str]]:
    """The entropy sources in seed order, and what is still missing (empty: ready).

    Order: witnesses by key id, then dice, then the beacon. A witness that has not
    revealed is ``absent`` only if the commitment's fallback is ``skip`` and the run is
    after its reveal deadline; otherwise the draw must wait (R7.5).
    """
    reveals = {s["key_id"]: s["value"] for t, s in events if t == "shuangsui.draw.witness_revealed"}
    dice = [s["digits"] for t, s in events if t == "shuangsui.draw.dice"]
    beacon = [s for t, s in events if t == "shuangsui.draw.beacon"]
    fallback = commitment["fallback"]
    sources: list[EntropySource] = []
    missing: list[str] = []
    for key_id in commitment["witnesses"]:
        if key_id in reveals:
            sources.append(EntropySource(f"witness:{key_id}", bytes.fromhex(reveals[key_id])))
        elif fallback["mode"] == "skip" and run_at > fallback["reveal_by"]:
            sources.append(EntropySource(f"absent:{key_id}", b""))
        else:
            missing.append(f"the reveal of witness {key_id}")
    if commitment["dice"]:
        if dice:
            sources.append(EntropySource("dice", dice[0].encode()))
        else:
            missing.append("the dice digits")
    if commitment["beacon"] is not None:
        if beacon:
            sources.append(
                EntropySource(
                    f"beacon:{beacon[0]['round']}", bytes.fromhex(beacon[0]["randomness"])
                )
            )
        else:
            missing.append(f"drand round {commitment['beacon']['round']}")
    return sources, missing


def verify_draw(
    events: Iterable[Event], task: str, number: int, beacon_check: Any = None
) -> tuple[str | None, dict[str, Any]]:
    """Recompute a recorded draw from the log's events; (first difference or None, facts).

    Checks, in order: the commitment hash; the snapshot at the committed position
    (roots, counts, the task as committed); the witnesses' reveals against their
    commitments, all commitments before any reveal; the beacon (``beacon_check(round,
    signature) -> randomness``, i.e. drand-verify); the entropy sources and their order;
    the seed, every stratum, every drawn object and ticket, every assignment; every
    recusal's replacement.
    """
    events = list(events)
    stream = None
    for _, s, t, state in events:
        if t == "shuangsui.draw.committed" and state["task"] == task and state["number"] == number:
            stream = s
    if stream is None:
        return f"no draw {task}/{number} in these events", {}
    draw_events = [(t, s) for _, st, t, s in events if st == stream]
    committed = draw_events[0][1]
    text = committed["commitment"]
    if commitment_hash(text).hex() != committed["commitment_hash"]:
        return "commitment: its hash does not match its text", {}
    commitment = json.loads(text)
    world = fold(iter(events), up_to=commitment["as_of_position"])
    spec = task_spec(world, task)
    facts: dict[str, Any] = {
        "commitment_hash": committed["commitment_hash"],
        "as_of_position": commitment["as_of_position"],
    }
    committed_spec = {k: spec.get(k) for k in commitment["task_spec"]}
    found = compare(commitment["task_spec"], committed_spec, "commitment.task_spec")
    if found:
        return found, facts
    snap = snapshot(world, spec, commitment)
    found = compare(commitment["snapshot"], snap.summary(), "commitment.snapshot")
    if found:
        return found, facts
    commitments: dict[str, str] = {}
    revealed = False
    for topic, state in draw_events:
        if topic == "shuangsui.draw.witness_committed":
            if revealed:
                return f"witness {state['key_id']} committed after reveals began", facts
            commitments[state["key_id"]] = state["commitment"]
        elif topic == "shuangsui.draw.witness_revealed":
            revealed = True
            digest = hashlib.sha256(bytes.fromhex(state["value"]) + bytes.fromhex(state["nonce"]))
            if commitments.get(state["key_id"]) != digest.hexdigest():
                return f"witness {state['key_id']}: the reveal does not match its commitment", facts
        elif topic == "shuangsui.draw.beacon" and beacon_check is not None:
            if beacon_check(state["round"], state["signature"]) != state["randomness"]:
                return f"beacon round {state['round']}: the randomness does not verify", facts
    performed = [(i, s) for i, (t, s) in enumerate(draw_events) if t == "shuangsui.draw.performed"]
    if not performed:
        return None, {**facts, "performed": False}
    index, recorded = performed[0]
    sources, missing = sources_for(commitment, draw_events[:index], recorded["run_at"])
    if missing:
        return "the draw ran before " + ", ".join(missing), facts
    recomputed = perform(commitment, text, sources, snap)
    recorded_result = {
        k: recorded[k] for k in ("sources", "seed", "strata", "drawn", "assignments")
    }
    found = compare(recorded_result, recomputed, "draw")
    if found:
        return found, facts
    facts.update(performed=True, seed=recorded["seed"], drawn=len(recorded["drawn"]))
    from ledger.draw.algorithm import Rules, replacement

    assignments = {a["object"]: a for a in recomputed["assignments"]}
    loads: dict[str, int] = {}
    for a in recomputed["assignments"]:
        for member in a["team"]:
            loads[member] = loads.get(member, 0) + 1
    officers = officers_for(world, spec, commitment["inspection_date"])
    rules = Rules(
        commitment["matching"],
        commitment["team_size"],
        commitment["workload_cap"],
        commitment["experts_per_object"],
    )
    earlier: dict[str, list[str]] = {}
    for topic, state in draw_events[index + 1 :]:
        if topic != "shuangsui.draw.recused":
            continue
        obj, person = state["object"], state["person"]
        assignment = assignments[obj]
        job = jobs_for(
            commitment["task_spec"], [(obj, assignment["stratum"], 0)], {obj: assignment["kind"]}
        )[0]
        expected = replacement(
            bytes.fromhex(recorded["seed"]),
            job,
            officers,
            rules,
            assignment["team"],
            person,
            loads,
            earlier.get(obj, []),
        )
        if expected != state["replacement"]:
            return (
                f"recusal of {person} from {obj}: recorded replacement "
                f"{state['replacement']}, recomputed {expected}"
            ), facts
        assignment["team"] = [expected if p == person else p for p in assignment["team"]]
        loads[person] -= 1
        loads[expected] = loads.get(expected, 0) + 1
        earlier.setdefault(obj, []).append(person)
    facts["recusals"] = sum(len(v) for v in earlier.values())
    return None, facts


def bundle_events(lines: Iterable[str], topics: Iterable[str] = SNAPSHOT_TOPICS) -> Iterator[Event]:
    """The events of a bundle (already verified) as (position, stream, topic, state)."""
    import base64

    wanted = set(topics)
    for line in lines:
        record = json.loads(line)
        if record.get("t") != "entry":
            continue
        event = record["event"]
        if event["topic"] in wanted:
            yield (
                record["position"],
                event["stream"],
                event["topic"],
                json.loads(base64.b64decode(event["state"])),
            )
