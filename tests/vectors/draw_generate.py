"""Golden vectors for the verifiable draw (``shuangsui-draw-v1``, ledger/draw.py): fixed
inputs give a fixed seed, fixed tickets, a fixed selection and fixed teams, byte for byte.

Regenerate (only when the draw changes on purpose -- which needs a new algorithm name,
since every recorded draw must still verify):

    python -m tests.vectors.draw_generate > tests/vectors/draw-v1.json

``tests/unit/test_draw_vectors.py`` regenerates in memory and compares byte for byte, and
recomputes the seed, tickets, selection, leaves and roots from the file alone with an
independent implementation of the steps below. ``tests/vectors/DRAW-VECTORS.md`` explains
the file's fields. The steps, each a section of the file:

1. **Seed** (``seeds``). The commitment hash is SHA-256 of the commitment's UTF-8 text.
   ``lp(x)`` is x's length as 4 big-endian bytes, then x. The seed is
   ``SHA-256("shuangsui-draw-v1" || lp(commitment hash) || lp(label 1) || lp(value 1) ...)``
   over the entropy sources in the order given (witnesses by key id, then ``dice``, then
   ``beacon:<round>``); a witness that did not reveal enters as ``absent:<key id>`` with
   an empty value. Labels are UTF-8. One case has no source, one a 300-byte value (a
   length prefix with two non-zero bytes).
2. **Tickets** (``tickets``). ``ticket(purpose, id) = SHA-256(seed || lp(purpose) ||
   lp(id))`` read as a 256-bit big-endian unsigned integer (written as 64 hex digits).
   Purposes: ``object`` (selection), ``inspector`` (dispersed matching), ``team``
   (grouped matching). Ids are UTF-8 (one is Chinese, one is empty).
3. **Selection** (``selection``). Per stratum of N ids, ``n = min(N, ceil(ratio * N))`` in
   exact decimal arithmetic (``0.28 * 25`` is 7, where binary floating point gives 8;
   ``0.3333 * 3`` rounds up to 1; a ratio above 1 shows the ``min``; an empty stratum and
   a zero ratio draw nothing). The n ids with the smallest ``object`` tickets are drawn;
   all drawn ids, every stratum together, sorted by (ticket, id), are the inspection order.
4. **Matching** (``matching``). Officers are ordered by (ticket, person), ``inspector``
   tickets in dispersed mode, ``team`` tickets in grouped mode; each department's
   certified enforcement officers form a pool dealt cyclically, experts a pool of their
   own. Eligible: not already on the team, no declared conflict with the object (回避),
   load below the workload cap, qualified (for every item the department brings, one of
   the item's tokens: code, object type, category, ``all``). *Dispersed*: for each job in
   order, one officer per department in the job's order, then more officers (each time
   the first department, in the job's order, with an eligible one) up to ``team_size``,
   then ``experts_per_object`` experts; loads count once the team is complete.
   *Grouped*: each department's requirements are the union over all jobs; qualified
   officers per department in ticket order; ``k = min(smallest pool, all officers //
   team_size)`` teams, team i taking the i-th officer of every department (departments
   sorted); the officers left over, in ``team`` ticket order, fill the teams in turn up to
   ``team_size``; a team left short is dropped. Jobs go to teams cyclically, skipping a
   team with a member in conflict with the object or at the cap. A job nobody can staff
   ends the draw with a refusal naming the object.
5. **Recusal** (``recusals``, 回避). The replacement is the next eligible officer of the
   recused officer's department after them in ``inspector`` (dispersed) or ``team``
   (grouped) ticket order, cyclically, skipping the team, the recused and earlier
   recused officers of the object (``refused``), conflicts, the cap (loads as given) and
   officers not qualified for the department's items; none left is a refusal.
6. **Snapshot leaves and roots** (``leaves``, ``roots``, ``snapshot``). A leaf is the JSON
   array of its values as RFC 8785 prints it (strings, integers, booleans, sorted lists of
   strings); an inspector's leaf is ``[person, department, kind, certified, sorted
   qualifications, sorted conflicts]``, an object's ``[id, stratum, kind]`` in id order. A
   root is the RFC 9162 Merkle tree hash: leaf hash ``SHA-256(0x00 || leaf)``, node hash
   ``SHA-256(0x01 || left || right)``, the left subtree holding the largest power of two
   below the count; the root of no leaf is SHA-256 of nothing.

Everything here is TEST ONLY: the values are made up, none is a real draw.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from ledger.draw.algorithm import (
    ALGORITHM,
    DrawError,
    EntropySource,
    Job,
    Officer,
    Rules,
    Stratum,
    leaf,
    lp,
    match,
    replacement,
    seed_of,
    select,
    string_leaf,
    ticket,
)
from ledger.draw.ceremony import commitment_hash, commitment_text
from ledger.draw.snapshot import Snapshot, root

COMMITMENT = {
    "algorithm": ALGORITHM,
    "note": "TEST ONLY golden vector, not a real draw",
    "task": "LHCC-2026-001",
    "draw": 1,
}
WITNESS_VALUE = bytes(range(32))
BEACON_VALUE = hashlib.sha256(b"TEST ONLY drand randomness").digest()
SOURCES = [
    EntropySource("witness:517eb486d4df7693", WITNESS_VALUE),
    EntropySource("absent:884d91da675299ca", b""),
    EntropySource("dice", b"3141592653589793"),
    EntropySource("beacon:5928395", BEACON_VALUE),
]
LONG_VALUE = bytes(i % 256 for i in range(300))

# Snapshot strata as draw_inputs.strata_for gives them: (id, kind) per stratum key.
SNAPSHOT_STRATA = {"C": ["C003", "C001"], "A": ["A002"], "directed": ["安岳县个体-甲", "A001"]}

SC = frozenset({"SC-001", "enterprise", "general", "all"})  # 市场监管 item tokens
SC_KEY = frozenset({"SC-017", "enterprise", "key", "all"})
SW = frozenset({"SW-003", "enterprise", "general", "all"})  # 税务
SF = frozenset({"SF-002", "enterprise", "general", "all"})  # 司法


def _strata() -> list[Stratum]:
    def ids(prefix: str, count: int) -> tuple[str, ...]:
        return tuple(f"{prefix}{i:03d}" for i in range(1, count + 1))

    return [
        Stratum("A", "0.1", ids("A", 11)),
        Stratum("B", "0.28", ids("B", 25)),
        Stratum("C", "0.3333", ids("C", 3)),
        Stratum("D", "0.34", ids("D", 3)),
        Stratum("directed", "1", ("D001", "安岳县个体-甲", "安岳县个体-乙")),
        Stratum("over", "1.5", ids("X", 2)),
        Stratum("empty", "0.5", ()),
        Stratum("zero", "0", ids("Z", 4)),
    ]


def _officers() -> list[Officer]:
    def o(
        person: str, dept: str, *quals: str, certified: bool = True, conflicts: str = ""
    ) -> Officer:
        return Officer(
            person,
            dept,
            "officer",
            certified,
            frozenset(quals),
            frozenset(conflicts.split()) if conflicts else frozenset(),
        )

    officers = [
        o("SCJGJ-01", "SCJGJ", "general", "key"),
        o("SCJGJ-02", "SCJGJ", "all"),
        o("SCJGJ-03", "SCJGJ", "general", "key", certified=False),
        o("SCJGJ-04", "SCJGJ", "SC-001"),  # not qualified for the key item SC-017
        o("SCJGJ-05", "SCJGJ", "general", "key", conflicts="B009 D003"),
        o("SCJGJ-06", "SCJGJ", "enterprise"),
        o("SWJ-01", "SWJ", "general"),
        o("SWJ-02", "SWJ", "SW-003", conflicts="B023"),
        o("SWJ-03", "SWJ", "tax"),  # qualified for nothing the task checks
        o("SWJ-04", "SWJ", "general"),
        o("SFJ-01", "SFJ", "general"),
        o("SFJ-02", "SFJ", "all", conflicts="A009 D001"),
        o("SFJ-03", "SFJ", "general"),
        Officer("专家-01", "SCJGJ", "expert", False, frozenset(), frozenset()),
        Officer("专家-02", "SWJ", "expert", False, frozenset(), frozenset({"B023"})),
    ]
    return sorted(officers, key=lambda x: x.person)


def _needs(index: int) -> tuple[tuple[str, tuple[frozenset[str], ...]], ...]:
    """Every object needs the market regulator; some bring tax or justice items too."""
    needs: list[tuple[str, tuple[frozenset[str], ...]]] = []
    needs.append(("SCJGJ", (SC, SC_KEY) if index % 4 == 1 else (SC,)))
    if index % 2 == 0:
        needs.append(("SWJ", (SW,)))
    if index % 3 == 0:
        needs.append(("SFJ", (SF,)))
    return tuple(needs)


def _officer_json(o: Officer) -> dict[str, Any]:
    return {
        "person": o.person,
        "department": o.department,
        "kind": o.kind,
        "certified": o.certified,
        "qualifications": sorted(o.qualifications),
        "conflicts": sorted(o.conflicts),
    }


def _job_json(j: Job) -> dict[str, Any]:
    return {
        "object": j.object,
        "stratum": j.stratum,
        "ticket": format(j.ticket, "064x"),
        "needs": [
            {"department": d, "items": [sorted(tokens) for tokens in items]} for d, items in j.needs
        ],
    }


def _rules_json(r: Rules) -> dict[str, Any]:
    return {
        "mode": r.mode,
        "team_size": r.team_size,
        "workload_cap": r.workload_cap,
        "experts_per_object": r.experts_per_object,
    }


def _outcome(call: Any) -> dict[str, Any]:
    try:
        return {"result": call()}
    except DrawError as exc:
        return {"refusal": {"object": exc.object, "constraint": exc.constraint}}


def _seed_case(name: str, digest: bytes, sources: list[EntropySource]) -> dict[str, Any]:
    preimage = ALGORITHM.encode() + lp(digest)
    for s in sources:
        preimage += lp(s.label.encode("utf-8")) + lp(s.value)
    return {
        "name": name,
        "commitment_hash": digest.hex(),
        "sources": [{"label": s.label, "value": s.value.hex()} for s in sources],
        "preimage": preimage.hex(),
        "seed": seed_of(digest, sources).hex(),
    }


def _matching_case(
    name: str, seed: bytes, jobs: list[Job], officers: list[Officer], rules: Rules
) -> dict[str, Any]:
    purpose = "team" if rules.mode == "grouped" else "inspector"
    order = sorted(officers, key=lambda o: (ticket(seed, purpose, o.person), o.person))
    return {
        "name": name,
        "rules": _rules_json(rules),
        "jobs": [_job_json(j) for j in jobs],
        "officer_order": [o.person for o in order],
        **_outcome(lambda: match(seed, jobs, officers, rules)),
    }


def _recusal(
    name: str,
    seed: bytes,
    case: dict[str, Any],
    jobs: list[Job],
    officers: list[Officer],
    rules: Rules,
    job_index: int,
    position: int,
    refused: tuple[str, ...] = (),
    extra_loads: dict[str, int] | None = None,
) -> dict[str, Any]:
    assignments = case["result"]
    loads = Counter(p for a in assignments for p in a["team"])
    loads.update(extra_loads or {})
    team = assignments[job_index]["team"]
    job = jobs[job_index]
    recused = team[position]
    return {
        "name": name,
        "matching": case["name"],
        "object": job.object,
        "team": team,
        "recused": recused,
        "refused": list(refused),
        "loads": dict(sorted(loads.items())),
        **_outcome(
            lambda: replacement(
                seed, job, officers, rules, team, recused, dict(loads), refused=refused
            )
        ),
    }


def generate() -> str:
    text = commitment_text(COMMITMENT)
    digest = commitment_hash(text)
    seeds = [
        _seed_case("all four kinds of source", digest, SOURCES),
        _seed_case("no entropy source", digest, []),
        _seed_case("a 300-byte value", digest, [EntropySource("witness:fc9e6dbe", LONG_VALUE)]),
    ]
    seed = seed_of(digest, SOURCES)

    ticket_ids = ["A001", "B007", "安岳县个体-甲", "", "SCJGJ-01", "专家-01"]
    tickets = [
        {"purpose": purpose, "id": ident, "ticket": format(ticket(seed, purpose, ident), "064x")}
        for purpose in ("object", "inspector", "team")
        for ident in ticket_ids
    ]

    strata = _strata()
    summary, drawn = select(seed, strata)
    selection = {
        "strata": [{"key": s.key, "ratio": s.ratio, "ids": list(s.ids)} for s in strata],
        "summary": summary,
        "drawn": [[d.object, d.stratum, format(d.ticket, "064x")] for d in drawn],
    }

    officers = _officers()
    jobs = [Job(d.object, d.stratum, d.ticket, _needs(i)) for i, d in enumerate(drawn[:10])]
    dispersed = Rules("dispersed", 3, 5, experts_per_object=1)
    grouped = Rules("grouped", 4, None)
    matching = [
        _matching_case("dispersed", seed, jobs, officers, dispersed),
        _matching_case("grouped", seed, jobs, officers, grouped),
        _matching_case(
            "dispersed, workload cap reached", seed, jobs, officers, Rules("dispersed", 2, 2)
        ),
        _matching_case(
            "grouped, three teams, workload cap reached",
            seed,
            jobs,
            officers,
            Rules("grouped", 3, 3),
        ),
        _matching_case(
            "grouped, a department without officers",
            seed,
            [*jobs[:2], Job("H001", "A", 0, (("SCJGJ", (SC,)), ("HBJ", (SC,))))],
            officers,
            grouped,
        ),
    ]
    recusals = [
        _recusal(
            "first officer of the first object", seed, matching[0], jobs, officers, dispersed, 0, 0
        ),
        _recusal(
            "again, the first replacement refused",
            seed,
            matching[0],
            jobs,
            officers,
            dispersed,
            0,
            0,
            refused=("SCJGJ-01",),
        ),
        _recusal(
            "the tax officer of the first object",
            seed,
            matching[0],
            jobs,
            officers,
            dispersed,
            0,
            1,
        ),
        _recusal("nobody left to replace", seed, matching[0], jobs, officers, dispersed, 0, 2),
        _recusal("grouped mode, first member", seed, matching[1], jobs, officers, grouped, 1, 0),
    ]

    # Never an empty row: leaf([]) gives '[""]' today (a snapshot row is never empty).
    leaf_values: list[list[Any]] = [
        ["91510100MA6XXXXXXX", "C", "enterprise"],
        ["安岳县个体-甲", "directed", "individual"],
        ['quote " backslash \\ slash /', "tab\tnewline\ncr\r", "\x00\x01\x1f\x7f", "\u2028\u00e9"],
        ["SCJGJ-01", "SCJGJ", "officer", True, ["general", "key"], []],
        ["专家-02", "SWJ", "expert", False, [], ["B013"]],
        ["", 0, -1, 9007199254740991, -9007199254740991, False, [""]],
    ]
    leaves = [
        {"function": "leaf", "values": values, "bytes": leaf(values).hex()}
        for values in leaf_values
    ] + [
        {"function": "string_leaf", "values": values, "bytes": string_leaf(values).hex()}
        for values in leaf_values
        if all(type(v) is str for v in values)
    ]
    leaf_bytes = [o.leaf() for o in officers]
    roots = {
        "leaves": [b.hex() for b in leaf_bytes],
        "roots": [
            {"count": count, "root": root(leaf_bytes[:count])}
            for count in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, len(leaf_bytes))
        ],
    }
    snap = Snapshot(
        {
            key: [(i, "enterprise") for i in sorted(members)]
            for key, members in SNAPSHOT_STRATA.items()
        },
        officers,
        2,
    )
    doc = {
        "note": "TEST ONLY: made-up inputs of the draw and what shuangsui-draw-v1 gives for them",
        "algorithm": ALGORITHM,
        "commitment_text": text,
        "seeds": seeds,
        "seed": seed.hex(),
        "tickets": tickets,
        "selection": selection,
        "officers": [_officer_json(o) for o in officers],
        "matching": matching,
        "recusals": recusals,
        "leaves": leaves,
        "roots": roots,
        "snapshot": {
            "strata": {k: [list(m) for m in v] for k, v in snap.strata.items()},
            "inspectors": "the officers above, in this order",
            "excluded": snap.excluded,
            "object_leaves": [b.hex() for b in snap.object_leaves()],
            "inspector_leaves": [o.leaf().hex() for o in officers],
            "summary": snap.summary(),
        },
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    print(generate(), end="")
