"""The draw ceremony (摇号, R7.4, R7.5): the commitment, the entropy, the run.

Invariants:

* the commitment is fixed before any entropy exists, and what is hashed is its
  stored text (:func:`commitment_hash` of :func:`commitment_text`);
* the entropy sources enter the seed in one order: witnesses by key id, then dice,
  then the beacon (:func:`sources_for`);
* a run is :func:`perform` of (commitment, its text, entropy, snapshot): pure, so the
  command and verify-draw compute the same result.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ledger.draw.algorithm import EntropySource, Rules, Stratum, match, seed_of, select
from ledger.draw.eligibility import jobs_for, stratum_ratio
from ledger.draw.snapshot import Snapshot


def commitment_text(commitment: dict[str, Any]) -> str:
    """The commitment as stored and hashed: compact JSON with sorted keys (the
    commitment holds only strings, integers, booleans, lists and objects, for which
    this is RFC 8785)."""
    return json.dumps(commitment, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def commitment_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


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
