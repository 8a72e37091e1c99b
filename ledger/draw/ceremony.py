"""The draw ceremony (摇号, R7.4, R7.5): the commitment, the entropy, the run, recusals.

Each rule of the ceremony is written here once; the commands in
``ledger.areas.draws.commands`` and :func:`ledger.draw.verify.verify_draw` both call
it. Invariants:

* the commitment fixes everything a draw depends on before any entropy exists
  (:func:`commitment_for`), and what is hashed is its stored text
  (:func:`commitment_hash` of :func:`commitment_text`), never a re-serialisation;
* a witness commits to SHA-256(value ‖ nonce) before any witness reveals, and a reveal
  counts only if it matches (:func:`witness_commitment`);
* a beacon is drand quicknet's round named in the commitment, in the future when
  committed (:func:`quicknet_round_time`), verified offline (:func:`verify_beacon`);
* the entropy sources enter the seed in one order: witnesses by key id, then dice,
  then the beacon (:func:`sources_for`);
* a run is :func:`perform` of (commitment, its text, entropy, snapshot): pure;
* a recusal's replacement is a function of the commitment, the seed, the committed
  officers, the teams and loads as they stand, and the object's earlier recusals
  (:func:`replacement_for`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain, compress
from typing import Any

from ledger.audit.hashing import signature_ok
from ledger.canonical import canonical_bytes
from ledger.draw.algorithm import (
    ALGORITHM,
    ALGORITHM_V2,
    ALGORITHM_V3,
    ALGORITHMS,
    MATCHING_V2,
    EntropySource,
    Officer,
    Rules,
    Stratum,
    match,
    replacement,
    rules_since,
    seed_of,
    select,
)
from ledger.draw.eligibility import job_v2, jobs_for, jobs_for_v2, stratum_ratio
from ledger.draw.snapshot import Snapshot
from ledger.errors import AuthorisationError, LedgerError
from ledger.i18n import _

# --- the commitment -------------------------------------------------------------------------

#: The task's fields a commitment fixes; verify-draw compares them with the log's task.
COMMITTED_TASK_FIELDS = (
    "task",
    "lead",
    "participants",
    "items",
    "scope",
    "directed",
    "ratios",
    "stratify_by",
)
ROUNDING = "n = ceil(ratio * N), at most N"


def commitment_for(
    spec: Mapping[str, Any],
    snap: Snapshot,
    *,
    task: str,
    draw: int,
    lead: str,
    as_of_position: int,
    params: Mapping[str, Any],
    experts_per_object: int,
    witnesses: Iterable[str],
    dice: bool,
    beacon: dict[str, Any] | None,
    fallback: dict[str, Any],
    committed_at: int,
    algorithm: str = ALGORITHM,
) -> dict[str, Any]:
    """The draw plan the lead commits to (R7.4, R7.5): the task as it stands, the
    snapshot, strata ratios and rounding, matching, witnesses, entropy sources.
    ``params`` holds the inspection date and the exclusion rule (R6.3)."""
    ratios = dict(spec["ratios"])
    task_fields: tuple[str, ...] = COMMITTED_TASK_FIELDS
    if spec.get("ratio_table"):
        # R5.2: a ratio per credit class and risk grade; the stratum key names both.
        ratios = {f"{c}/{g}": r for c, row in spec["ratio_table"].items() for g, r in row.items()}
        task_fields += ("ratio_table",)
    if spec.get("directed"):
        ratios["directed"] = spec["directed"]["ratio"]
    return {
        "algorithm": algorithm,
        "task": task,
        "draw": draw,
        "lead": lead,
        "as_of_position": as_of_position,
        **params,
        "task_spec": {k: spec.get(k) for k in task_fields},
        "ratios": ratios,
        "rounding": ROUNDING,
        "snapshot": snap.summary(),
        "matching": spec["matching"],
        "team_size": spec["team_size"],
        "workload_cap": spec["workload_cap"],
        "experts_per_object": experts_per_object,
        "witnesses": sorted(witnesses),
        "dice": dice,
        "beacon": beacon,
        "fallback": fallback,
        "committed_at": committed_at,
    }


def commitment_text(commitment: dict[str, Any]) -> str:
    """The commitment as stored and hashed: compact JSON, keys sorted by code point.

    Not :func:`ledger.canonical.canonical_bytes`, on purpose. For what a commitment
    holds (strings, integers, booleans, null, lists, objects) the bytes are RFC 8785's
    except in two cases draw.commit can reach: an object whose keys sort differently by
    code point than by RFC 8785's UTF-16 code units (stratum keys ``C|<township>`` where
    one name has a character beyond U+FFFF and another one in U+E000..U+FFFF, e.g. a
    full-width parenthesis), and an integer beyond 2**53 (a beacon round sent through
    the API), which RFC 8785 refuses. A stored draw verifies either way (its text is
    hashed as stored), but the command must keep producing the bytes it produced, so
    this encoder stays; ``tests/unit/test_draw_ceremony.py`` pins where the two agree.
    """
    return json.dumps(commitment, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def commitment_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def rules_of(commitment: Mapping[str, Any]) -> Rules:
    """The matching rules the commitment fixed."""
    return Rules(
        commitment["matching"],
        commitment["team_size"],
        commitment["workload_cap"],
        commitment["experts_per_object"],
        commitment.get("matching_rules"),
        commitment.get("daily_per_object", 0),
    )


def steer_proof(commitment: Mapping[str, Any]) -> bool:
    """Whether the commitment is a ``shuangsui-draw-v2`` draw, under the rules that keep
    its lead from steering it (format-2 ledgers): dice before the first witness
    commitment, one open draw per task, the beacon margin, signed witness statements,
    declared or approved recusals (and so is every later version, ``-v3``). A ``-v1``
    draw keeps the rules it was run under."""
    algorithm = commitment.get("algorithm", ALGORITHM)
    return algorithm in ALGORITHMS and rules_since(algorithm, ALGORITHM_V2)


def approved_recusals(commitment: Mapping[str, Any]) -> bool:
    """Whether a recusal of this draw needs the inspector's own signed declaration or the
    office's approval (R7.4): draws from ``shuangsui-draw-v3`` on (format-3 ledgers). A v2
    draw of a format-2 ledger written before format 3 keeps its recusals as recorded
    then (the lead's took effect at once), so its log still replays byte for byte."""
    algorithm = commitment.get("algorithm", ALGORITHM)
    return algorithm in ALGORITHMS and rules_since(algorithm, ALGORITHM_V3)


#: How long after the commitment's signed time its beacon round may be published, at
#: the least (v2): longer than any command's freshness window (``command_window``, 300 s
#: by default), so the round cannot already be public when the commitment is signed.
BEACON_MARGIN = 900


# --- entropy ----------------------------------------------------------------------------------


def witness_commitment(value: str, nonce: str) -> str:
    """What a witness commits to before any reveal (R7.5): SHA-256(value ‖ nonce) in
    hex, of the hex-encoded ``value`` and ``nonce``."""
    return hashlib.sha256(bytes.fromhex(value) + bytes.fromhex(nonce)).hexdigest()


#: A witness's commitment events: v1's, and v2's carrying the witness's own signature.
WITNESS_COMMITTED_TOPICS = (
    "shuangsui.draw.witness_committed",
    "shuangsui.draw.witness_signed_commitment",
)
#: A witness's reveal events: v1's, and v2's carrying the witness's own signature.
WITNESS_REVEALED_TOPICS = (
    "shuangsui.draw.witness_revealed",
    "shuangsui.draw.witness_signed_reveal",
)
#: What a v2 witness statement's signed bytes begin with (then RFC 8785 JSON).
WITNESS_CONTEXT = b"shuangsui-draw-v2 witness statement\n"


def witness_statement(
    kind: str, *, task: str, draw: int, commitment_hash: str, witness: str, **fields: str
) -> bytes:
    """The bytes a v2 witness signs (Ed25519, with its registered witness key) for its
    commitment (``kind="commit"``, ``commitment=``) or its reveal (``kind="reveal"``,
    ``value=``, ``nonce=``): the context line, then the RFC 8785 JSON of the draw, its
    commitment hash, the witness key id and the values. Bound to the draw's commitment,
    so neither the commitment nor the witness's contribution can be swapped under it."""
    if kind not in ("commit", "reveal"):
        raise ValueError(f"unknown witness statement {kind!r}")
    body = {
        "kind": kind,
        "task": task,
        "draw": draw,
        "commitment_hash": commitment_hash,
        "witness": witness,
        **fields,
    }
    return WITNESS_CONTEXT + canonical_bytes(body)


def sign_witness_statement(
    sign: Callable[[bytes], bytes],
    kind: str,
    *,
    task: str,
    draw: int,
    commitment_hash: str,
    witness: str,
    **fields: str,
) -> str:
    """What a witness sends as ``signature``: ``sign`` (its key's Ed25519 signing) of
    :func:`witness_statement`, in base64."""
    message = witness_statement(
        kind, task=task, draw=draw, commitment_hash=commitment_hash, witness=witness, **fields
    )
    return base64.b64encode(sign(message)).decode("ascii")


def witness_signature_ok(public_key: bytes, signature: str, message: bytes) -> bool:
    """Whether ``signature`` (base64) is the witness key's Ed25519 signature of ``message``."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (ValueError, TypeError):
        return False
    return len(raw) == 64 and signature_ok(public_key, message, raw)


#: The dice events: v1's, and v2's with the signed time they were recorded at.
DICE_TOPICS = ("shuangsui.draw.dice", "shuangsui.draw.dice_thrown")

#: drand's League of Entropy "quicknet" (BLS unchained on G1, a round every 3 s).
QUICKNET = {
    "network": "quicknet",
    "chain_hash": "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    "genesis_time": 1692803367,
    "period": 3,
}

#: ``(round, signature) -> randomness`` (hex), raising ``ValueError`` for a bad signature.
BeaconCheck = Callable[[int, str], str]


def quicknet_round_time(round_number: int) -> int:
    """When quicknet publishes ``round_number`` (Unix seconds)."""
    return QUICKNET["genesis_time"] + (round_number - 1) * QUICKNET["period"]  # type: ignore[operator]


def quicknet_verifier() -> BeaconCheck | None:
    """drand-verify's offline quicknet check, or None without that optional package."""
    try:
        import drand_verify  # type: ignore[import-untyped]
    except ImportError:
        return None
    check: BeaconCheck = drand_verify.verify_quicknet
    return check


def verify_beacon(round_number: int, signature: str) -> str:
    """The randomness of a quicknet round, from its signature verified offline."""
    check = quicknet_verifier()
    if check is None:  # an optional dependency
        raise LedgerError(_("verifying a beacon needs the drand-verify package"))
    try:
        return str(check(round_number, signature))
    except ValueError:
        raise AuthorisationError(
            _("not a valid quicknet signature for round {round_number}", round_number=round_number),
            rule="R7.5",
        ) from None


def sources_for(
    commitment: dict[str, Any], events: list[tuple[str, dict[str, Any]]], run_at: int
) -> tuple[list[EntropySource], list[str]]:
    """The entropy sources in seed order, and what is still missing (empty: ready).

    Order: witnesses by key id, then dice, then the beacon. A witness that has not
    revealed is ``absent`` only if the commitment's fallback is ``skip`` and the run is
    after its reveal deadline; otherwise the draw must wait (R7.5).
    """
    reveals = {s["key_id"]: s["value"] for t, s in events if t in WITNESS_REVEALED_TOPICS}
    dice = [s["digits"] for t, s in events if t in DICE_TOPICS]
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


# --- the run and recusals -------------------------------------------------------------------


def perform(
    commitment: dict[str, Any], text: str, sources: list[EntropySource], snap: Snapshot
) -> dict[str, Any]:
    """Run the draw: the seed, the selection per stratum, the matching. Pure."""
    seed = seed_of(commitment_hash(text), sources, commitment["algorithm"])
    first = operator.itemgetter(0)
    strata = [
        Stratum(key, stratum_ratio(commitment["ratios"], key), tuple(map(first, members)))
        for key, members in sorted(snap.strata.items())
    ]
    summary, drawn = select(seed, strata)
    v2 = commitment.get("matching_rules") == MATCHING_V2
    # Each object's kind (the last stratum naming it wins): v1 matching reads every
    # eligible object's, v2 only the drawn ones' (for their assignments).
    members = list(chain.from_iterable(snap.strata.values()))
    if v2:
        wanted = {d.object for d in drawn}
        kinds = dict(compress(members, map(wanted.__contains__, map(first, members))))
    else:
        kinds = dict(members)
    del members
    picked = [(d.object, d.stratum, d.ticket) for d in drawn]
    checklists: dict[str, list[str]] | None = None
    if v2:
        assert snap.objects is not None, "a v2 snapshot holds the eligible objects' records"
        jobs, checklists = jobs_for_v2(commitment["task_spec"], picked, snap.objects)
    else:
        jobs = jobs_for(commitment["task_spec"], picked, kinds)
    assignments = match(seed, jobs, snap.officers, rules_of(commitment))
    for assignment in assignments:
        assignment["kind"] = kinds[assignment["object"]]
        if checklists is not None:  # the object's obligations on the joint visit (R6.1)
            assignment["checklist"] = checklists[assignment["object"]]
    return {
        "seed": seed.hex(),
        "sources": [{"label": s.label, "value": s.value.hex()} for s in sources],
        "strata": summary,
        "drawn": [[d.object, d.stratum, format(d.ticket, "064x")] for d in drawn],
        "assignments": assignments,
    }


def team_loads(assignments: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """How many objects each person is assigned to (the workload the cap limits)."""
    loads: dict[str, int] = {}
    for assignment in assignments:
        for member in assignment["team"]:
            loads[member] = loads.get(member, 0) + 1
    return loads


def replacement_for(
    commitment: Mapping[str, Any],
    seed: bytes,
    officers: Sequence[Officer],
    assignment: Mapping[str, Any],
    person: str,
    loads: dict[str, int],
    earlier: Iterable[str],
) -> str:
    """Who replaces ``person`` on ``assignment``'s object (回避, R7.4): the next eligible
    officer of their department in the draw's ticket order, passing over the object's
    ``earlier`` recusals; ``loads`` as they stand (every earlier recusal applied).
    Deterministic: the same inputs give the same replacement in ``draw.recuse`` and in
    verify-draw. Raises :class:`~ledger.draw.algorithm.DrawError` when nobody can."""
    obj = assignment["object"]
    if "checklist" in assignment:  # matching v2: what its checklist needs
        job = job_v2(
            commitment["task_spec"]["items"], obj, assignment["stratum"], 0, assignment["checklist"]
        )
    else:
        job = jobs_for(
            commitment["task_spec"], [(obj, assignment["stratum"], 0)], {obj: assignment["kind"]}
        )[0]
    return replacement(
        seed,
        job,
        officers,
        rules_of(commitment),
        assignment["team"],
        person,
        loads,
        list(earlier),
        commitment.get("algorithm", ALGORITHM),
    )
