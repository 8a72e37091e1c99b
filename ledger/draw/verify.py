"""verify-draw: recompute a recorded draw from the log and name the first difference.

Invariants: everything is recomputed from the events at the committed position --
the world, the snapshot, the seed, the selection, the matching, every recusal -- by
the same functions the commands use; a difference is reported as the first path
(in the recorded order, causes before effects) where the record and the
recomputation disagree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from ledger.draw.ceremony import commitment_hash, perform, sources_for
from ledger.draw.eligibility import jobs_for, officers_for, task_spec
from ledger.draw.snapshot import snapshot
from ledger.draw.world import Event, fold


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
