"""verify-draw (R7.4, R7.5): recompute a recorded draw from the log, name the first difference.

Invariants: everything is recomputed from the events at the committed position --
the world, the snapshot, the seed, the selection, the matching, every recusal -- by
the same functions the commands use (:mod:`ledger.draw.ceremony`); the stored
commitment text is hashed as stored, never re-serialised; a difference is reported
as the first path (in the recorded order, causes before effects) where the record and
the recomputation disagree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import orjson

from ledger.audit.collector import paused_gc
from ledger.audit.statemap import stream_key
from ledger.draw.algorithm import ALGORITHMS, Officer
from ledger.draw.ceremony import (
    BEACON_MARGIN,
    WITNESS_COMMITTED_TOPICS,
    WITNESS_REVEALED_TOPICS,
    BeaconCheck,
    approved_recusals,
    commitment_hash,
    perform,
    quicknet_round_time,
    replacement_for,
    sources_for,
    steer_proof,
    team_loads,
    witness_commitment,
    witness_signature_ok,
    witness_statement,
)
from ledger.draw.eligibility import officers_for, task_spec
from ledger.draw.snapshot import snapshot
from ledger.draw.world import (
    DRAW_TOPICS,
    GENESIS_TOPICS,
    KEY_TOPICS,
    SNAPSHOT_TOPICS,
    Event,
    EventReader,
    World,
    fold,
)
from ledger.errors import NotFoundError
from ledger.i18n import _
from ledger.ids import inspection_id

DrawEvents = list[tuple[str, dict[str, Any]]]  # one draw stream's (topic, state), in order
#: What a performed event records that verify-draw recomputes.
RESULT_FIELDS = ("sources", "seed", "strata", "drawn", "assignments")


def compare(recorded: dict[str, Any], recomputed: dict[str, Any], path: str = "") -> str | None:
    """The first place where two results differ, as a readable path; None if equal.

    Two values equal as Python values *and* as JSON are equal here too (in C: a 1M-object
    draw's result holds tens of thousands of assignments, issue 15.4); otherwise they
    are walked, to find where (``1`` and ``True``, ``1`` and ``1.0``, a list and a tuple
    differ here, as they always did)."""
    if _identical(recorded, recomputed):
        return None
    return _compare(recorded, recomputed, path)


def _identical(recorded: Any, recomputed: Any) -> bool:
    """Equal as values and as JSON, with no ``null`` (a NaN is written as one, and the
    same NaN on both sides is equal as a value, where the walk tells it apart)."""
    try:
        if not recorded == recomputed:
            return False
        written = orjson.dumps(recorded, option=orjson.OPT_SORT_KEYS)
        return (
            written == orjson.dumps(recomputed, option=orjson.OPT_SORT_KEYS)
            and b"null" not in written
        )
    except TypeError:  # orjson.JSONEncodeError too: not JSON (a key not a string ...)
        return False


def _compare(recorded: Any, recomputed: Any, path: str) -> str | None:
    if type(recorded) is not type(recomputed):
        return f"{path or 'result'}: recorded {recorded!r:.80} recomputed {recomputed!r:.80}"
    if isinstance(recorded, dict):
        # In the recorded order (causes before effects), then anything extra.
        for key in [*recorded, *(k for k in recomputed if k not in recorded)]:
            if key not in recorded or key not in recomputed:
                return f"{path}.{key}: present on one side only"
            found = _compare(recorded[key], recomputed[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(recorded, list):
        for i, (a, b) in enumerate(zip(recorded, recomputed, strict=False)):
            found = _compare(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(recorded) != len(recomputed):
            return f"{path}: {len(recorded)} recorded, {len(recomputed)} recomputed"
        return None
    if recorded != recomputed:
        return f"{path}: recorded {recorded!r:.80} recomputed {recomputed!r:.80}"
    return None


#: A witness's registered public key by its key id (None: unknown).
KeyLookup = Callable[[str], bytes | None]


def verify_draw(
    events: Iterable[Event] | EventReader,
    task: str,
    number: int,
    beacon_check: BeaconCheck | None = None,
    keys: KeyLookup | None = None,
) -> tuple[str | None, dict[str, Any]]:
    """Recompute a recorded draw from the log's events; (first difference or None, facts).

    Checks, in order: the commitment hash; the snapshot at the committed position
    (roots, counts, the task as committed); the witnesses' reveals against their
    commitments, all commitments before any reveal; the beacon (``beacon_check(round,
    signature) -> randomness``, i.e. drand-verify); the entropy sources and their order;
    the seed, every stratum, every drawn object and ticket, every assignment; on a v2
    draw, that every recusal in effect was declared by the inspector's own key or
    approved by an office key after the lead's request (:func:`check_recusal_basis`),
    and that no request was decided once it had lapsed (:func:`check_lapsed`);
    every recusal's replacement. A draw the events do not hold is :class:`NotFoundError`
    (a usage error, not a difference).

    ``events``: the log's events (``SNAPSHOT_TOPICS``, in log order), or better a
    reader of them by topic (``Ledger.topic_events``): then only the draws' events are
    held, and the world is folded as the events stream in. The garbage collector is
    paused meanwhile (:func:`ledger.audit.collector.paused_gc`): a million objects and tickets
    hold no cycles, and rescanning them was a fifth of the time.
    """
    with paused_gc():
        return _verify_draw(events, task, number, beacon_check, keys)


def _verify_draw(
    events: Iterable[Event] | EventReader,
    task: str,
    number: int,
    beacon_check: BeaconCheck | None,
    keys: KeyLookup | None,
) -> tuple[str | None, dict[str, Any]]:
    if callable(events):
        read = events
        events = _task_events(read, task)

        def world_at(position: int) -> World:
            return fold(read(SNAPSHOT_TOPICS, up_to=position), up_to=position)

        def holders() -> dict[str, tuple[frozenset[str], str | None]]:
            return key_holders(read(KEY_TOPICS))

        def checks() -> Iterable[Event]:
            return read(CHECK_TOPICS)

        def genesis() -> Iterable[Event]:
            return read(GENESIS_TOPICS)
    else:
        events = list(events)

        def world_at(position: int) -> World:
            return fold(iter(events), up_to=position)

        def holders() -> dict[str, tuple[frozenset[str], str | None]]:
            return key_holders(events)

        listed = events

        def checks() -> Iterable[Event]:
            return (e for e in listed if e[2] in CHECK_TOPICS)

        def genesis() -> Iterable[Event]:
            return (e for e in listed if e[2] in GENESIS_TOPICS)

    draw_events = _draw_stream(events, task, number)
    if draw_events is None:
        raise NotFoundError(_("no such draw {task}/{number}", task=task, number=number))
    committed = draw_events[0][1]
    text = committed["commitment"]
    if commitment_hash(text).hex() != committed["commitment_hash"]:
        return "commitment: its hash does not match its text", {}
    commitment = json.loads(text)
    if commitment.get("algorithm") not in ALGORITHMS:
        return f"commitment: unknown algorithm {commitment.get('algorithm')!r}", {}
    if steer_proof(commitment):
        found = check_steering(events, task, number, commitment)
        if found:
            return found, {"commitment_hash": committed["commitment_hash"]}
    world = world_at(commitment["as_of_position"])
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
    found = _check_entropy(draw_events, beacon_check)
    if not found and steer_proof(commitment):
        found = check_witness_signatures(draw_events, task, number, keys)
    if found:
        return found, facts
    performed = [(i, s) for i, (t, s) in enumerate(draw_events) if t == "shuangsui.draw.performed"]
    if not performed:
        return None, {**facts, "performed": False}
    index, recorded = performed[0]
    sources, missing = sources_for(commitment, draw_events[:index], recorded["run_at"])
    if missing:
        return "the draw ran before " + ", ".join(missing), facts
    recomputed = perform(commitment, text, sources, snap)
    found = compare({k: recorded[k] for k in RESULT_FIELDS}, recomputed, "draw")
    if found:
        return found, facts
    facts.update(performed=True, seed=recorded["seed"], drawn=len(recorded["drawn"]))
    if approved_recusals(commitment):
        found = check_recusal_basis(draw_events[index + 1 :], holders())
        if found:
            return found, facts
        found = check_lapsed(
            _positioned(events, task, number), task, number, checks(), ledger_format(genesis())
        )
        if found:
            return found, facts
    found, recusals = _check_recusals(
        commitment,
        bytes.fromhex(recorded["seed"]),
        officers_for(world, spec, commitment["inspection_date"]),
        recomputed["assignments"],
        draw_events[index + 1 :],
    )
    if found:
        return found, facts
    facts["recusals"] = recusals
    return None, facts


def stream_gap(versions: Sequence[int]) -> str | None:
    """Whether a draw's stream, as a bundle's signed entries hold it, is complete up to
    its last version: versions 1, 2, ... in order, none missing (a bundle without a
    witness reveal, the dice or a recusal between them is refused). None: complete.

    An omitted *tail* (a bundle cut after its last entry of the stream) shows no gap:
    from ledger format 3 the bundle's state proofs catch it (the checkpoint commits to
    each stream's last version, :mod:`ledger.audit.statemap`), in ``verify_bundle``."""
    if not versions:
        return "the bundle holds no event of the draw's stream"
    for expected, version in enumerate(versions, start=1):
        if version != expected:
            return (
                f"the bundle does not hold every event of the draw: version {expected} of "
                f"its stream is missing (found {version}); the bundle proves nothing about "
                "the draw"
            )
    return None


def _task_events(read: EventReader, task: str) -> list[Event]:
    """:func:`_of_task` of the log's draw events, decoding only the task's draw streams'
    (found by their commitments): not every other task's results (issue 15.4)."""
    streams = {
        stream
        for _position, stream, _topic, state in read(("shuangsui.draw.committed",))
        if state["task"] == task
    }
    return _of_task(read(DRAW_TOPICS, streams=streams), task)


def _of_task(events: Iterable[Event], task: str) -> list[Event]:
    """The events of ``task``'s draw streams (each stream begins with its commitment):
    all that the checks below read of the draws, without holding every other draw's
    results."""
    streams: set[str] = set()
    kept = []
    for event in events:
        _position, stream, topic, state = event
        if topic == "shuangsui.draw.committed" and state["task"] == task:
            streams.add(stream)
        if stream in streams:
            kept.append(event)
    return kept


def _draw_stream(events: list[Event], task: str, number: int) -> DrawEvents | None:
    """The events of draw ``task``/``number``'s stream, in log order (None: no such draw)."""
    stream = None
    for _position, s, t, state in events:
        if t == "shuangsui.draw.committed" and state["task"] == task and state["number"] == number:
            stream = s
    if stream is None:
        return None
    return [(t, s) for _position, st, t, s in events if st == stream]


Stream = list[tuple[int, str, dict[str, Any]]]  # one draw's (position, topic, state)


def _task_streams(events: list[Event], task: str) -> dict[int, Stream]:
    """Every draw of ``task`` in these events: number -> [(position, topic, state)]."""
    numbers: dict[str, int] = {}
    streams: dict[int, Stream] = {}
    for position, stream, topic, state in events:
        if topic == "shuangsui.draw.committed" and state["task"] == task:
            numbers[stream] = state["number"]
        if stream in numbers and topic.startswith("shuangsui.draw."):
            streams.setdefault(numbers[stream], []).append((position, topic, state))
    return streams


def check_steering(
    events: list[Event], task: str, number: int, commitment: Mapping[str, Any]
) -> str | None:
    """The rules a ``shuangsui-draw-v2`` draw was run under, so its lead could not steer
    it (R7.5, issue 11 part 5); the first one broken, or None:

    * one open draw per task: every other draw of the task committed before this one was
      voided before this commitment, and this one was voided before any later one;
      no event follows a void;
    * the beacon round is published at least the stated margin (never less than
      :data:`~ledger.draw.ceremony.BEACON_MARGIN`) after the commitment's signed time;
    * the dice are recorded before the first witness commitment, and the margin before
      the beacon round is published;
    * no reveal is recorded after the run (a reveal that reached the ledger is used).
    """
    draws = _task_streams(events, task)
    own = draws[number]
    committed_at = own[0][0]
    voided = next((p for p, t, _state in own if t == "shuangsui.draw.voided"), None)
    if voided is not None and own[-1][0] != voided:
        return f"draw {task}/{number}: events recorded after it was voided"
    for other, stream in sorted(draws.items()):
        if other == number:
            continue
        start = stream[0][0]
        other_void = next((p for p, t, _state in stream if t == "shuangsui.draw.voided"), None)
        if start < committed_at and (other_void is None or other_void > committed_at):
            return (
                f"one open draw per task: draw {task}/{number} was committed while draw "
                f"{task}/{other} was open (not voided)"
            )
        if start > committed_at and (voided is None or voided > start):
            return (
                f"one open draw per task: draw {task}/{other} was committed while draw "
                f"{task}/{number} was open (not voided)"
            )
    beacon = commitment["beacon"]
    margin = None
    if beacon is not None:
        margin = beacon.get("margin", 0)
        published = quicknet_round_time(beacon["round"])
        if margin < BEACON_MARGIN or published - commitment["committed_at"] < margin:
            return (
                f"beacon round {beacon['round']} is published "
                f"{published - commitment['committed_at']} s after the commitment; at least "
                f"{BEACON_MARGIN} s are required"
            )
    witnessed = False
    performed = False
    for _position, topic, state in own:
        if topic in WITNESS_COMMITTED_TOPICS:
            witnessed = True
        elif topic == "shuangsui.draw.dice":
            return "a v2 draw records its dice with their time (shuangsui.draw.dice_thrown)"
        elif topic == "shuangsui.draw.dice_thrown":
            if witnessed:
                return "the dice were recorded after a witness had committed"
            if beacon is not None and margin is not None:
                if state["at"] > quicknet_round_time(beacon["round"]) - margin:
                    return f"the dice were recorded too close to beacon round {beacon['round']}"
        elif topic == "shuangsui.draw.performed":
            performed = True
        elif topic in WITNESS_REVEALED_TOPICS and performed:
            return f"witness {state['key_id']}: a reveal recorded after the run"
    return None


def _check_entropy(draw_events: DrawEvents, beacon_check: BeaconCheck | None) -> str | None:
    """Every witness commits before any reveals, each reveal matches its commitment,
    and the beacon's randomness verifies (when a check is given)."""
    commitments: dict[str, str] = {}
    revealed = False
    for topic, state in draw_events:
        if topic in WITNESS_COMMITTED_TOPICS:
            if revealed:
                return f"witness {state['key_id']} committed after reveals began"
            commitments[state["key_id"]] = state["commitment"]
        elif topic in WITNESS_REVEALED_TOPICS:
            revealed = True
            digest = witness_commitment(state["value"], state["nonce"])
            if commitments.get(state["key_id"]) != digest:
                return f"witness {state['key_id']}: the reveal does not match its commitment"
        elif topic == "shuangsui.draw.beacon" and beacon_check is not None:
            if beacon_check(state["round"], state["signature"]) != state["randomness"]:
                return f"beacon round {state['round']}: the randomness does not verify"
    return None


def check_witness_signatures(
    draw_events: DrawEvents, task: str, number: int, keys: KeyLookup | None
) -> str | None:
    """v2: every witness commitment and reveal carries that witness's own signature over
    its statement on this draw's commitment (R7.5), checked with the witness's key --
    so the operator cannot record a contribution under a witness's name, nor move one
    from another draw or commitment."""
    digest = draw_events[0][1]["commitment_hash"]
    for topic, state in draw_events:
        if topic in ("shuangsui.draw.witness_committed", "shuangsui.draw.witness_revealed"):
            return f"witness {state['key_id']}: a v2 draw takes only signed witness statements"
        if topic == "shuangsui.draw.witness_signed_commitment":
            kind, fields = "commit", {"commitment": state["commitment"]}
        elif topic == "shuangsui.draw.witness_signed_reveal":
            kind, fields = "reveal", {"value": state["value"], "nonce": state["nonce"]}
        else:
            continue
        witness = state["key_id"]
        public_key = keys(witness) if keys is not None else None
        if public_key is None:
            return f"witness {witness}: no public key to check its signature with"
        message = witness_statement(
            kind, task=task, draw=number, commitment_hash=digest, witness=witness, **fields
        )
        if not witness_signature_ok(public_key, state["signature"], message):
            return (
                f"witness {witness}: its {kind} is not signed by the witness over this "
                "draw's commitment"
            )
    return None


#: A v1 draw's recusal, which took effect when recorded.
RECUSED_TOPIC = "shuangsui.draw.recused"
#: v2: the lead's request (no effect), the inspector's declaration and the office's
#: approval (each takes effect).
RECUSAL_REQUESTED_TOPIC = "shuangsui.draw.recusal_requested"
RECUSAL_DECLARED_TOPIC = "shuangsui.draw.recusal_declared"
RECUSAL_APPROVED_TOPIC = "shuangsui.draw.recusal_approved"
#: The office's rejection of a pending request: settles it, changes no team.
RECUSAL_REJECTED_TOPIC = "shuangsui.draw.recusal_rejected"
#: Recusals that change a team.
EFFECTIVE_RECUSAL_TOPICS = (RECUSED_TOPIC, RECUSAL_DECLARED_TOPIC, RECUSAL_APPROVED_TOPIC)


def key_holders(events: Iterable[Event]) -> dict[str, tuple[frozenset[str], str | None]]:
    """Key id -> (roles, person) from the registrations among ``events``."""
    return {
        state["key_id"]: (frozenset(state.get("roles") or ()), state.get("person"))
        for _position, _stream, topic, state in events
        if topic == KEY_TOPICS[0]
    }


def check_recusal_basis(
    draw_events: DrawEvents, holders: Mapping[str, tuple[frozenset[str], str | None]]
) -> str | None:
    """v2 (R7.4, R7.5): every recusal that changes a team has a basis -- the recused
    inspector's own declaration (signed with a key registered to that person) or the
    office's approval (by an office key) of the lead's pending request for that very
    inspector and object; a plain v1 recusal, or an approval of nothing, is refused.
    The office's rejection (by an office key, of a pending request) settles a request:
    it can then be neither approved nor rejected again.
    (That each ``by`` is the key that signed the command, the replay proves.)"""
    pending: set[tuple[Any, Any]] = set()
    for topic, state in draw_events:
        pair = (state.get("object"), state.get("person"))
        if topic == RECUSED_TOPIC:
            return (
                f"recusal of {pair[1]} from {pair[0]}: a v2 draw's recusal takes effect only "
                "with the inspector's own declaration or the office's approval"
            )
        if topic == RECUSAL_REQUESTED_TOPIC:
            pending.add(pair)
        elif topic == RECUSAL_DECLARED_TOPIC:
            _roles, person = holders.get(state["by"], (frozenset(), None))
            if person != pair[1]:
                return (
                    f"recusal of {pair[1]} from {pair[0]}: declared by key {state['by']}, "
                    "which is not the inspector's own"
                )
            pending.discard(pair)
        elif topic == RECUSAL_APPROVED_TOPIC:
            roles, _person = holders.get(state["by"], (frozenset(), None))
            if "office" not in roles:
                return (
                    f"recusal of {pair[1]} from {pair[0]}: approved by key {state['by']}, "
                    "not an office key"
                )
            if pair not in pending:
                return (
                    f"recusal of {pair[1]} from {pair[0]}: approved without a pending request "
                    "of the lead"
                )
            pending.discard(pair)
        elif topic == RECUSAL_REJECTED_TOPIC:
            roles, _person = holders.get(state["by"], (frozenset(), None))
            if "office" not in roles:
                return (
                    f"request to recuse {pair[1]} from {pair[0]}: rejected by key "
                    f"{state['by']}, not an office key"
                )
            if pair not in pending:
                return (
                    f"request to recuse {pair[1]} from {pair[0]}: rejected without a pending "
                    "request of the lead"
                )
            pending.discard(pair)
    return None


#: The record of a check under a draw basis: from it on, a pending request has lapsed.
CHECK_TOPICS = ("shuangsui.inspection.checked",)
#: From this ledger format an approval is refused once the request lapsed
#: (``ledger.areas.draws.commands.require_not_lapsed``); a rejection always is (the
#: rejection and the lapse came in together, so no ledger holds a lapsed one legitimately).
LAPSED_APPROVAL_FORMAT = 4


def ledger_format(genesis: Iterable[Event]) -> int:
    """The format the genesis recorded (1 when it records none, as format-1 ledgers)."""
    for _position, _stream, _topic, state in genesis:
        return int(state.get("format") or 1)
    return 1


def decision_topics(ledger_format: int) -> set[str]:
    """The office's decisions on a request that are refused once it lapsed."""
    if ledger_format >= LAPSED_APPROVAL_FORMAT:
        return {RECUSAL_REJECTED_TOPIC, RECUSAL_APPROVED_TOPIC}
    return {RECUSAL_REJECTED_TOPIC}


def _positioned(events: list[Event], task: str, number: int) -> Stream:
    """Draw ``task``/``number``'s stream as (position, topic, state)."""
    return _task_streams(events, task).get(number, [])


def check_lapsed(
    stream: Stream, task: str, number: int, checks: Iterable[Event], ledger_format: int
) -> str | None:
    """R7.4 (issue 11 part 5, ``require_not_lapsed``): a request still pending when the
    object's check under the draw is recorded lapses; the office's decision on it after
    that check is refused -- a rejection always, an approval from ledger format 4
    (:data:`LAPSED_APPROVAL_FORMAT`; a format-3 ledger keeps the rule it was written
    under). The handler refuses both; this finds them when the operator wrote them
    into the log (or a bundle) itself. The first one, or None."""
    topics = decision_topics(ledger_format)
    decided = [(p, t, s) for p, t, s in stream if t in topics]
    if not decided:
        return None
    reference = f"{task}/{number}"
    wanted = {
        str(inspection_id("draw", reference, state["object"])): state["object"]
        for _p, _t, state in decided
    }
    first: dict[str, int] = {}
    for position, stream_id, _topic, _state in checks:
        obj = wanted.get(str(stream_id))
        if obj is not None and obj not in first:
            first[obj] = position
    for position, topic, state in decided:
        checked = first.get(state["object"])
        if checked is not None and checked < position:
            return _(
                "request to recuse {person} from {obj}: {decision} at position {position}, "
                "after the object's check under draw {reference} was recorded at position "
                "{checked}: the request had lapsed (R7.4)",
                person=state["person"],
                obj=state["object"],
                decision=_("approved") if topic == RECUSAL_APPROVED_TOPIC else _("rejected"),
                position=position,
                reference=reference,
                checked=checked,
            )
    return None


#: The opening of an inspection (a draw basis' names the draw): a bundle holds it.
OPENED_TOPICS = ("shuangsui.inspection.opened",)


def check_lapse_provable(
    read: EventReader,
    task: str,
    number: int,
    state: Callable[[str], tuple[bool, str | None]] | None,
) -> str | None:
    """For a draw *slice*: whether it can show that every office decision on a recusal
    request came before the object's check (:func:`check_lapsed` only sees the checks a
    bundle holds, and the operator building one could leave the inspection out). The
    inspection under the draw of every object with such a decision is in the slice --
    then the state proofs show it whole -- or the slice's state proofs show the log
    holds no such stream at its checkpoint. ``state``: the slice's state lookup
    (:func:`ledger.audit.bundles.slice_state`; None for a full bundle, which holds
    everything, or a slice before format 3, which proves nothing complete)."""
    if state is None:
        return None
    topics = decision_topics(ledger_format(read(GENESIS_TOPICS)))
    events = _task_events(read, task)
    objects = sorted({s["object"] for _p, t, s in _positioned(events, task, number) if t in topics})
    if not objects:
        return None
    held = {str(e[1]) for e in read(OPENED_TOPICS)}
    reference = f"{task}/{number}"
    for obj in objects:
        stream = str(inspection_id("draw", reference, obj))
        if stream in held:
            continue
        proved, value = state(stream_key(stream))
        if not proved:
            return _(
                "the bundle does not prove whether {obj} was checked under draw {reference} "
                "before the office decided its recusal request (no state proof for its "
                "inspection stream {stream})",
                obj=obj,
                reference=reference,
                stream=stream,
            )
        if value is not None:
            return _(
                "the bundle leaves out the inspection of {obj} under draw {reference} "
                "(stream {stream}, versions and last position {value} in the log): it "
                "hides whether the office decided the recusal request after the check",
                obj=obj,
                reference=reference,
                stream=stream,
                value=value,
            )
    return None


def _check_recusals(
    commitment: Mapping[str, Any],
    seed: bytes,
    officers: Sequence[Officer],
    assignments: list[dict[str, Any]],
    later: DrawEvents,
) -> tuple[str | None, int]:
    """Replay the recusals recorded after the run on the recomputed assignments, each
    replacement recomputed (a v2 request changes nothing until declared or approved);
    (first difference or None, how many recusals took effect)."""
    by_object = {a["object"]: a for a in assignments}
    loads = team_loads(assignments)
    earlier: dict[str, list[str]] = {}
    for topic, state in later:
        if topic not in EFFECTIVE_RECUSAL_TOPICS:
            continue
        obj, person = state["object"], state["person"]
        assignment = by_object.get(obj)
        if assignment is None or person not in assignment["team"]:
            return f"recusal of {person} from {obj}: not on the team for that object", 0
        expected = replacement_for(
            commitment, seed, officers, assignment, person, loads, earlier.get(obj, [])
        )
        if expected != state["replacement"]:
            return (
                f"recusal of {person} from {obj}: recorded replacement "
                f"{state['replacement']}, recomputed {expected}"
            ), 0
        assignment["team"] = [expected if p == person else p for p in assignment["team"]]
        loads[person] -= 1
        loads[expected] = loads.get(expected, 0) + 1
        earlier.setdefault(obj, []).append(person)
    return None, sum(len(v) for v in earlier.values())
