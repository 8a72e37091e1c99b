"""The draw: commit, witnesses commit and reveal, dice, beacon, run, recuse (R7.4, R7.5).

The lead commits everything the draw depends on *before* any entropy exists; the
entropy arrives afterwards from parties the lead does not control; the run is a pure
function of the two (``ledger.draw.ceremony.perform``), so anyone can recompute it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ledger import formats
from ledger.areas.departments.rules import require_operator
from ledger.areas.draws.events import Draw
from ledger.areas.draws.rules import (
    DEFAULT_EXCLUSION_DAYS,
    check_entropy,
    commitment_of,
    draw_of,
    next_number,
    read_beacon,
    read_exclusion,
    require_open,
    reveal_deadline,
    stream_events,
    task_of,
    witness_of,
)
from ledger.audit.collector import paused_gc
from ledger.clock import CHINA
from ledger.commanding import Command, Context, Outcome, Route
from ledger.draw.algorithm import ALGORITHM, ALGORITHM_V2, ALGORITHM_V3, MATCHING_V2, DrawError
from ledger.draw.ceremony import (
    BEACON_MARGIN,
    DICE_TOPICS,
    WITNESS_REVEALED_TOPICS,
    approved_recusals,
    commitment_for,
    commitment_hash,
    commitment_text,
    perform,
    quicknet_round_time,
    replacement_for,
    sources_for,
    steer_proof,
    team_loads,
    verify_beacon,
    witness_commitment,
    witness_signature_ok,
    witness_statement,
)
from ledger.draw.eligibility import CREDIT_RULES_V1, officers_for, task_spec
from ledger.draw.snapshot import snapshot
from ledger.draw.world import INSPECTOR_TOPICS, SNAPSHOT_TOPICS, TASK_TOPICS, fold
from ledger.errors import (
    AuthorisationError,
    ConflictError,
    LedgerError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    ValidationError,
)
from ledger.fields import boolean, choice, integer, nested, shape_of, text, text_list
from ledger.i18n import _
from ledger.ids import inspection_id
from ledger.roles import DEPARTMENT, INSPECTOR, OFFICE, WITNESS

HEX = r"[0-9a-f]+"
#: The events :func:`~ledger.draw.ceremony.sources_for` reads the entropy from.
ENTROPY_TOPICS = (*WITNESS_REVEALED_TOPICS, *DICE_TOPICS, "shuangsui.draw.beacon")
B64 = r"[A-Za-z0-9+/]+={0,2}"


@dataclass(frozen=True)
class CommitDraw(Command):
    """Commit a draw's inputs, witnesses and entropy sources (R7.4, R7.5)."""

    ACTION = "draw.commit"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/tasks/{task}/draws")

    task: str = text(max_length=40)
    witnesses: tuple[str, ...] = text_list(required=False)
    dice: bool = boolean()
    beacon: int | None = nested(
        read_beacon, required=False, shape=shape_of(round=integer(minimum=1))
    )
    reveal_by: str = text(max_length=40)
    fallback: str = choice(("skip", "wait"))
    exclusion: tuple[int, str] | None = nested(
        read_exclusion,
        required=False,
        shape=shape_of(days=integer(minimum=0, maximum=3650), mode=choice(("exclude", "lower"))),
    )
    experts_per_object: int = integer(required=False, minimum=0, maximum=5)
    daily_per_object: int = integer(
        required=False,
        minimum=0,
        maximum=5,
        description="Daily-supervision staff (从事日常监管工作的人员) per object beside its "
        "enforcement officers (R4.2; format 4).",
    )

    def handle(self, ctx: Context) -> Outcome:
        return commit(ctx, self)


def commit(ctx: Context, c: CommitDraw) -> Outcome:
    lead = require_operator(ctx)
    task, witnesses, dice, beacon_round = c.task, c.witnesses, c.dice, c.beacon
    if c.daily_per_object and not formats.since(ctx.ledger, 4):
        raise ValidationError(
            _(
                "daily-supervision staff join a draw's teams from format 4 "
                "(daily_per_object); this ledger is of format {format}",
                format=formats.of(ctx.ledger),
            ),
            {"daily_per_object": [_("before format 4")]},
        )
    reveal_by, mode = c.reveal_by, c.fallback
    format_3 = formats.since(ctx.ledger, 3)
    if c.exclusion is not None:
        days, exclusion_mode = c.exclusion
    else:  # R6.3: format 3 defaults to a real period (formats 1 and 2 had none)
        days, exclusion_mode = (DEFAULT_EXCLUSION_DAYS if format_3 else 0), "exclude"
    exclusion: dict[str, Any] = {"days": days, "mode": exclusion_mode}
    if format_3:
        # v3 (R6.3): case checks count for the period too; directed objects are exempt.
        exclusion["checks"] = True
    experts = c.experts_per_object
    deadline = reveal_deadline(reveal_by)
    now = ctx.authorisation.created
    joint = task_of(ctx, task)
    if joint.lead != lead:
        raise PermissionDeniedError(
            _("the draw of {task} is committed by its lead {lead}", task=task, lead=joint.lead),
            rule="R7.1",
        )
    beacon_spec = check_entropy(ctx, witnesses, beacon_round, deadline, now)
    number = next_number(ctx, task)
    head = ctx.ledger.head().position
    with paused_gc():  # a million objects, no cycles: issue 15.4
        world = fold(ctx.ledger.topic_events(SNAPSHOT_TOPICS, up_to=head))
        spec = task_spec(world, task)
        params: dict[str, Any] = {
            "inspection_date": spec["planned_start"],
            "exclusion": exclusion,
        }
        # Format 3 draws under v3 (the credit record feeds eligibility), format 2 under v2
        # (a format-2 ledger written before format 3 must replay byte for byte); a draw
        # keeps the version it recorded, so verify-draw recomputes it under that one.
        if formats.since(ctx.ledger, 3):
            algorithm = ALGORITHM_V3
        else:
            algorithm = ALGORITHM_V2 if formats.since(ctx.ledger, 2) else ALGORITHM
        if formats.since(ctx.ledger, 3):
            # Checklists, territory and expertise (R6.1, R6.6, R7.3): verify-draw
            # recomputes whichever matching a draw's commitment names.
            params["matching_rules"] = MATCHING_V2
        if formats.since(ctx.ledger, 4):
            # R5.1 (分类分级动态监管): the class each object is drawn under follows the
            # log's credit record -- a penalty lowers it (ledger.draw.eligibility).
            params["credit_rules"] = CREDIT_RULES_V1
            # R4.2 (format 4): daily-supervision staff join each team beside its officers.
            params["daily_per_object"] = c.daily_per_object
        if (
            format_3
            and (spec.get("directed") or {}).get("industries")
            and not ((world.policy or {}).get("concentration"))
        ):
            raise RuleViolationError(
                _(
                    "{task} directs checks at industries with concentrated violations, but "
                    "the office has set no threshold (credit.policy)",
                    task=task,
                ),
                rule="R5.3",
            )
        snap = snapshot(world, spec, {**params, "algorithm": algorithm})
    if not snap.strata:
        raise RuleViolationError(
            _("no object in the directory is eligible for {task}", task=task), rule="R7.2"
        )
    commitment = commitment_for(
        spec,
        snap,
        task=task,
        draw=number,
        lead=lead,
        as_of_position=head,
        params=params,
        experts_per_object=experts,
        witnesses=witnesses,
        dice=dice,
        beacon=beacon_spec,
        fallback={"reveal_by": deadline, "mode": mode},
        committed_at=now,
        algorithm=algorithm,
    )
    text = commitment_text(commitment)
    digest = commitment_hash(text).hex()
    drawn = Draw(task=task, number=number, commitment=text, commitment_hash=digest)
    return Outcome(
        [drawn],
        {
            "task": task,
            "draw": number,
            "commitment_hash": digest,
            "snapshot": commitment["snapshot"],
        },
    )


@dataclass(frozen=True)
class _DrawCommand(Command):
    """A command on one draw of a task: ``/tasks/{task}/draws/{draw}/...``."""

    task: str = text(max_length=40)
    draw: int = integer(minimum=1)


@dataclass(frozen=True)
class WitnessCommit(_DrawCommand):
    """A witness commits to a secret value: SHA-256(value || nonce)."""

    ACTION = "draw.witness_commit"
    ROLES = frozenset({WITNESS})
    ROUTE = Route("POST", "/api/v1/tasks/{task}/draws/{draw:int}/witness-commitments")

    commitment: str = text(max_length=64, pattern=r"[0-9a-f]{64}")
    signature: str = text(
        required=False,
        max_length=100,
        pattern=B64,
        description="v2: the witness's Ed25519 signature (base64) of its statement "
        "over the draw's commitment (ledger.draw.ceremony.witness_statement)",
    )

    def handle(self, ctx: Context) -> Outcome:
        return witness_commit(ctx, self.task, self.draw, self.commitment, self.signature or None)


def _witness_signature(
    ctx: Context, drawn: Draw, kind: str, signature: str | None, **fields: str
) -> str | None:
    """v2: the witness's own signature over its statement, checked with its registered
    key -- so the operator cannot record a contribution the witness did not make, nor
    move it to another commitment (R7.5). None for a v1 draw (which takes none)."""
    if not steer_proof(commitment_of(drawn)):
        if signature is not None:
            raise ValidationError(
                _("a shuangsui-draw-v1 draw takes no witness signature"),
                {"signature": [_("not for a v1 draw")]},
            )
        return None
    if signature is None:
        raise ValidationError(
            _("a witness signs its statement over the draw's commitment"),
            {"signature": [_("required")]},
        )
    message = witness_statement(
        kind,
        task=drawn.task,
        draw=drawn.number,
        commitment_hash=drawn.commitment_hash,
        witness=ctx.actor_id,
        **fields,
    )
    key = ctx.ledger.key(ctx.actor_id)
    if key is None or not witness_signature_ok(key.public_key_bytes, signature, message):
        raise AuthorisationError(
            _(
                "witness {actor_id}: the signature is not the witness's over this draw's "
                "commitment {commitment}...",
                actor_id=ctx.actor_id,
                commitment=drawn.commitment_hash[:16],
            ),
            rule="R7.5",
        )
    return signature


def witness_commit(
    ctx: Context, task: str, number: int, digest: str, signature: str | None = None
) -> Outcome:
    drawn = draw_of(ctx, task, number)
    key_id = witness_of(ctx, drawn)
    require_open(drawn)
    if drawn.reveals:
        raise ConflictError(_("reveals have begun; no more commitments"), rule="R7.5")
    if key_id in drawn.witness_commitments:
        raise ConflictError(_("witness {key_id} has already committed", key_id=key_id))
    commitment = commitment_of(drawn)
    if steer_proof(commitment) and commitment["dice"] and drawn.dice is None:
        raise ConflictError(
            _("the dice are thrown and recorded before the first witness commitment"),
            rule="R7.5",
        )
    signed = _witness_signature(ctx, drawn, "commit", signature, commitment=digest)
    if signed is None:
        drawn.witness_commit(key_id=key_id, commitment=digest)
    else:
        drawn.witness_commit_signed(key_id=key_id, commitment=digest, signature=signed)
    return Outcome([drawn], {"task": task, "draw": number, "witness": key_id})


@dataclass(frozen=True)
class WitnessReveal(_DrawCommand):
    """A witness reveals the value and nonce it committed to."""

    ACTION = "draw.witness_reveal"
    ROLES = frozenset({WITNESS})
    ROUTE = Route("POST", "/api/v1/tasks/{task}/draws/{draw:int}/witness-reveals")

    value: str = text(max_length=128, pattern=HEX)
    nonce: str = text(max_length=128, pattern=HEX)
    signature: str = text(
        required=False,
        max_length=100,
        pattern=B64,
        description="v2: the witness's Ed25519 signature (base64) of its reveal statement",
    )

    def handle(self, ctx: Context) -> Outcome:
        return witness_reveal(
            ctx, self.task, self.draw, self.value, self.nonce, self.signature or None
        )


def witness_reveal(
    ctx: Context, task: str, number: int, value: str, nonce: str, signature: str | None = None
) -> Outcome:
    if len(value) < 32 or len(value) % 2 or len(nonce) < 32 or len(nonce) % 2:
        raise ValidationError(
            _("value and nonce are 16 to 64 bytes of hex"),
            {"value": [_("too short or odd")], "nonce": [_("too short or odd")]},
        )
    drawn = draw_of(ctx, task, number)
    key_id = witness_of(ctx, drawn)
    require_open(drawn)
    named = commitment_of(drawn)["witnesses"]
    if set(drawn.witness_commitments) != set(named):
        raise ConflictError(_("every witness commits before any reveals"), rule="R7.5")
    if key_id in drawn.reveals:
        raise ConflictError(_("witness {key_id} has already revealed", key_id=key_id))
    expected = drawn.witness_commitments[key_id]
    if witness_commitment(value, nonce) != expected:
        raise RuleViolationError(
            _("the reveal does not match the witness's commitment"), rule="R7.5"
        )
    signed = _witness_signature(ctx, drawn, "reveal", signature, value=value, nonce=nonce)
    if signed is None:
        drawn.witness_reveal(key_id=key_id, value=value, nonce=nonce)
    else:
        drawn.witness_reveal_signed(key_id=key_id, value=value, nonce=nonce, signature=signed)
    return Outcome([drawn], {"task": task, "draw": number, "witness": key_id})


@dataclass(frozen=True)
class RecordDice(_DrawCommand):
    """Record the dice digits thrown at the draw ceremony."""

    ACTION = "draw.dice"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/tasks/{task}/draws/{draw:int}/dice")

    digits: str = text(max_length=100, pattern=r"[1-6]{10,100}")

    def handle(self, ctx: Context) -> Outcome:
        return dice(ctx, self.task, self.draw, self.digits)


def dice(ctx: Context, task: str, number: int, digits: str) -> Outcome:
    drawn = draw_of(ctx, task, number)
    commitment = commitment_of(drawn)
    require_open(drawn)
    if not commitment["dice"]:
        raise ConflictError(_("this draw's commitment names no dice"))
    if drawn.dice is not None:
        raise ConflictError(_("the dice are already recorded"))
    if ctx.actor_id not in commitment["witnesses"]:
        ctx.require_department(commitment["lead"], rule="R7.5")
    if steer_proof(commitment):
        _dice_before_other_entropy(ctx, drawn, commitment)
        drawn.throw_dice(digits=digits, by=ctx.actor_id, at=ctx.authorisation.created)
    else:
        drawn.record_dice(digits=digits, by=ctx.actor_id)
    return Outcome([drawn], {"task": task, "draw": number})


def _dice_before_other_entropy(ctx: Context, drawn: Draw, commitment: dict[str, Any]) -> None:
    """v2: the dice are fixed before any other entropy can be known (R7.5) -- before the
    first witness commitment, and the beacon's margin before its round is published --
    so the lead cannot throw until the seed suits it."""
    if drawn.witness_commitments:
        raise ConflictError(
            _(
                "the dice come too late: witnesses have already committed, and the dice "
                "are thrown and recorded before the first witness commitment"
            ),
            rule="R7.5",
        )
    spec = commitment["beacon"]
    if spec is not None and ctx.authorisation.created > (
        quicknet_round_time(spec["round"]) - spec.get("margin", BEACON_MARGIN)
    ):
        raise ConflictError(
            _(
                "the dice come too late: they are recorded at least {margin} s before "
                "drand round {round} is published",
                margin=BEACON_MARGIN,
                round=spec["round"],
            ),
            rule="R7.5",
        )


@dataclass(frozen=True)
class RecordBeacon(_DrawCommand):
    """Record the committed drand round, verified offline (drand-verify)."""

    ACTION = "draw.beacon"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/tasks/{task}/draws/{draw:int}/beacon")

    round: int = integer(minimum=1)
    signature: str = text(max_length=400, pattern=HEX)

    def handle(self, ctx: Context) -> Outcome:
        return beacon(ctx, self.task, self.draw, self.round, self.signature)


def beacon(ctx: Context, task: str, number: int, round_number: int, signature: str) -> Outcome:
    drawn = draw_of(ctx, task, number)
    spec = commitment_of(drawn)["beacon"]
    require_open(drawn)
    if spec is None or spec["round"] != round_number:
        raise RuleViolationError(
            _("round {round_number} is not the committed beacon round", round_number=round_number),
            rule="R7.5",
        )
    randomness = verify_beacon(round_number, signature)
    drawn.record_beacon(round=round_number, signature=signature, randomness=randomness)
    return Outcome([drawn], {"task": task, "draw": number, "randomness": randomness})


@dataclass(frozen=True)
class RunDraw(_DrawCommand):
    """Run the committed draw: seed, selection, matching (R7.4)."""

    ACTION = "draw.run"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/tasks/{task}/draws/{draw:int}/run")

    def handle(self, ctx: Context) -> Outcome:
        return run(ctx, self.task, self.draw)


def run(ctx: Context, task: str, number: int) -> Outcome:
    drawn = draw_of(ctx, task, number)
    commitment = commitment_of(drawn)
    ctx.require_department(commitment["lead"], rule="R7.1")
    require_open(drawn)
    run_at = ctx.authorisation.created
    # The entropy only (what sources_for reads): not every earlier draw's results.
    draw_events = stream_events(ctx, drawn, ENTROPY_TOPICS)
    sources, missing = sources_for(commitment, draw_events, run_at)
    if missing:
        raise ConflictError(
            _("the draw cannot run yet: waiting for {missing}", missing=", ".join(missing)),
            rule="R7.5",
        )
    with paused_gc():  # a million objects and tickets, no cycles: issue 15.4
        world = fold(ctx.ledger.topic_events(SNAPSHOT_TOPICS, up_to=commitment["as_of_position"]))
        snap = snapshot(world, task_spec(world, task), commitment)
        if snap.summary() != commitment["snapshot"]:
            raise LedgerError(_("internal: the snapshot no longer matches the commitment"))
        try:
            result = perform(commitment, drawn.commitment, sources, snap)
        except DrawError as exc:
            raise RuleViolationError(
                _("inspectors cannot be matched -- {exc}", exc=exc), rule="R7.4"
            ) from exc
        organise_from = dt.datetime.fromtimestamp(run_at, CHINA).date().isoformat()
        drawn.perform(
            run_at=run_at,
            organise_from=organise_from,
            seed=result["seed"],
            sources=tuple(result["sources"]),
            strata=result["strata"],
            drawn=tuple(tuple(d) for d in result["drawn"]),
            assignments=tuple(result["assignments"]),
        )
    return Outcome(
        [drawn],
        {
            "task": task,
            "draw": number,
            "seed": result["seed"],
            "strata": result["strata"],
            "drawn": len(result["drawn"]),
            "organise_from": organise_from,
        },
    )


@dataclass(frozen=True)
class Recuse(_DrawCommand):
    """Recuse an inspector from one object (回避); the next officer replaces them.

    v2 (format 2): sent by the inspector's own key it is their signed declaration and
    takes effect; sent by the lead it is a request that takes effect only when the
    office approves it (``draw.approve_recusal``)."""

    ACTION = "draw.recuse"
    ROLES = frozenset({DEPARTMENT, INSPECTOR})
    ROUTE = Route("POST", "/api/v1/tasks/{task}/draws/{draw:int}/recusals")

    object: str = text(max_length=64)
    person: str = text(max_length=40)
    reason: str = text(max_length=500)

    def handle(self, ctx: Context) -> Outcome:
        return recuse(ctx, self.task, self.draw, self.object, self.person, self.reason)


def _performed_assignment(drawn: Draw, obj: str, person: str) -> dict[str, Any]:
    if drawn.performed is None:
        raise ConflictError(_("the draw has not been performed"))
    assignment = next((a for a in drawn.performed["assignments"] if a["object"] == obj), None)
    if assignment is None or person not in assignment["team"]:
        raise NotFoundError(_("{person} is not on the team for {obj}", person=person, obj=obj))
    return dict(assignment)


def _replacement(
    ctx: Context, drawn: Draw, commitment: dict[str, Any], assignment: dict[str, Any], person: str
) -> str:
    """Who replaces ``person`` on ``assignment``'s object: the next eligible officer by
    ticket, the object's earlier recusals passed over (R7.4)."""
    assert drawn.performed is not None
    topics = INSPECTOR_TOPICS + TASK_TOPICS
    world = fold(ctx.ledger.topic_events(topics, up_to=commitment["as_of_position"]))
    officers = officers_for(
        world, task_spec(world, commitment["task"]), commitment["inspection_date"]
    )
    # ``performed`` already reflects earlier recusals (the aggregate applies them).
    obj = assignment["object"]
    earlier = [r["person"] for r in drawn.recusals if r["object"] == obj]
    try:
        return replacement_for(
            commitment,
            bytes.fromhex(drawn.performed["seed"]),
            officers,
            assignment,
            person,
            team_loads(drawn.performed["assignments"]),
            earlier,
        )
    except DrawError as exc:
        raise RuleViolationError(exc.message, rule="R7.4") from exc


def recuse(ctx: Context, task: str, number: int, obj: str, person: str, reason: str) -> Outcome:
    drawn = draw_of(ctx, task, number)
    commitment = commitment_of(drawn)
    own = ctx.actor is not None and ctx.actor.person == person
    if not approved_recusals(commitment):
        # A v1 or v2 draw keeps the rules it was run under: the lead's (or the person's
        # own department key) recusal takes effect at once; an inspector key may not
        # send it.
        if ctx.actor is None or DEPARTMENT not in ctx.actor.roles:
            raise PermissionDeniedError(
                _(
                    "draw.recuse of a shuangsui-draw-v1 draw needs a key with role "
                    "department; key {actor_id} has {held}",
                    actor_id=ctx.actor_id,
                    held=", ".join(ctx.actor.roles) if ctx.actor else "none",
                )
            )
        if drawn.performed is None:
            raise ConflictError(_("the draw has not been performed"))
        if not own:
            ctx.require_department(commitment["lead"], rule="R7.4")
        assignment = _performed_assignment(drawn, obj, person)
        new = _replacement(ctx, drawn, commitment, assignment, person)
        drawn.recuse(object=obj, person=person, reason=reason, replacement=new, by=ctx.actor_id)
        return Outcome(
            [drawn],
            {"task": task, "draw": number, "object": obj, "recused": person, "replacement": new},
        )
    if not own:
        if ctx.actor is None or DEPARTMENT not in ctx.actor.roles:
            raise PermissionDeniedError(
                _(
                    "key {actor_id} belongs to {owner}, not to {person}: an inspector "
                    "declares only their own recusal",
                    actor_id=ctx.actor_id,
                    owner=ctx.actor.person if ctx.actor else None,
                    person=person,
                ),
                rule="R7.4",
            )
        ctx.require_department(commitment["lead"], rule="R7.4")
    assignment = _performed_assignment(drawn, obj, person)
    if not own:
        if drawn.pending_request(obj, person) is not None:
            raise ConflictError(
                _(
                    "the recusal of {person} from {obj} is already requested and awaits the "
                    "inspector's declaration or the office's approval",
                    person=person,
                    obj=obj,
                ),
                rule="R7.4",
            )
        drawn.request_recusal(object=obj, person=person, reason=reason, by=ctx.actor_id)
        return Outcome(
            [drawn],
            {
                "task": task,
                "draw": number,
                "object": obj,
                "recused": person,
                "status": "requested",
                "replacement": None,
            },
        )
    new = _replacement(ctx, drawn, commitment, assignment, person)
    drawn.declare_recusal(
        object=obj, person=person, reason=reason, replacement=new, by=ctx.actor_id
    )
    return Outcome(
        [drawn],
        {
            "task": task,
            "draw": number,
            "object": obj,
            "recused": person,
            "status": "declared",
            "replacement": new,
        },
    )


@dataclass(frozen=True)
class ApproveRecusal(_DrawCommand):
    """The office approves the lead's pending request to recuse an inspector (批准回避);
    it takes effect, and the next officer by ticket replaces them (v2, R7.4)."""

    ACTION = "draw.approve_recusal"
    ROLES = frozenset({OFFICE})
    ROUTE = Route("POST", "/api/v1/tasks/{task}/draws/{draw:int}/recusal-approvals")

    object: str = text(max_length=64)
    person: str = text(max_length=40)

    def handle(self, ctx: Context) -> Outcome:
        return approve_recusal(ctx, self.task, self.draw, self.object, self.person)


def approve_recusal(ctx: Context, task: str, number: int, obj: str, person: str) -> Outcome:
    drawn = draw_of(ctx, task, number)
    commitment = commitment_of(drawn)
    if not approved_recusals(commitment):
        raise ConflictError(
            _(
                "draw {task}/{number} is a {algorithm} draw: its recusals took effect "
                "when recorded; there is nothing to approve",
                task=task,
                number=number,
                algorithm=commitment.get("algorithm", ALGORITHM),
            )
        )
    assignment = _performed_assignment(drawn, obj, person)
    request = drawn.pending_request(obj, person)
    if request is None:
        raise NotFoundError(
            _(
                "no pending request to recuse {person} from {obj} in draw {task}/{number}",
                person=person,
                obj=obj,
                task=task,
                number=number,
            )
        )
    if formats.since(ctx.ledger, 4):
        require_not_lapsed(ctx, task, number, obj, person)
    new = _replacement(ctx, drawn, commitment, assignment, person)
    drawn.approve_recusal(
        object=obj,
        person=person,
        reason=request["reason"],
        replacement=new,
        by=ctx.actor_id,
        requested_by=request["by"],
    )
    return Outcome(
        [drawn],
        {
            "task": task,
            "draw": number,
            "object": obj,
            "recused": person,
            "status": "approved",
            "replacement": new,
        },
    )


def require_not_lapsed(ctx: Context, task: str, number: int, obj: str, person: str) -> None:
    """A pending recusal request lapses (回避申请失效) once the object's check under the
    draw is recorded: the source has the lead organise the checks with the team it drew
    within 5 working days of the draw (R7.4), so once that team has checked the object
    a decision could only rewrite who did (format 4 for an approval)."""
    # The inspection stream of a draw basis is named by ``TASK/N`` (the inspections
    # area's ``basis_reference``; not imported: that area reads draws).
    check = ctx.ledger.find(inspection_id("draw", f"{task}/{number}", obj))
    if check is not None and getattr(check, "checks", None):
        raise ConflictError(
            _(
                "the request to recuse {person} from {obj} in draw {task}/{number} lapsed: "
                "the object's check under the draw is already recorded",
                person=person,
                obj=obj,
                task=task,
                number=number,
            ),
            rule="R7.4",
        )


@dataclass(frozen=True)
class RejectRecusal(_DrawCommand):
    """The office rejects the lead's pending request to recuse an inspector (驳回回避申请),
    with its reason; the team stays as drawn (v3 draws, R7.4)."""

    ACTION = "draw.reject_recusal"
    ROLES = frozenset({OFFICE})
    ROUTE = Route("POST", "/api/v1/tasks/{task}/draws/{draw:int}/recusal-rejections")

    object: str = text(max_length=64)
    person: str = text(max_length=40)
    reason: str = text(max_length=500)

    def handle(self, ctx: Context) -> Outcome:
        return reject_recusal(ctx, self.task, self.draw, self.object, self.person, self.reason)


def reject_recusal(
    ctx: Context, task: str, number: int, obj: str, person: str, reason: str
) -> Outcome:
    drawn = draw_of(ctx, task, number)
    commitment = commitment_of(drawn)
    if not approved_recusals(commitment):
        raise ConflictError(
            _(
                "draw {task}/{number} is a {algorithm} draw: its recusals took effect when "
                "recorded; there is no request to reject",
                task=task,
                number=number,
                algorithm=commitment.get("algorithm", ALGORITHM),
            ),
            rule="R7.4",
        )
    request = drawn.pending_request(obj, person)
    if request is None:
        raise NotFoundError(
            _(
                "no pending request to recuse {person} from {obj} in draw {task}/{number}",
                person=person,
                obj=obj,
                task=task,
                number=number,
            )
        )
    require_not_lapsed(ctx, task, number, obj, person)
    drawn.reject_recusal(
        object=obj, person=person, reason=reason, by=ctx.actor_id, requested_by=request["by"]
    )
    return Outcome(
        [drawn],
        {
            "task": task,
            "draw": number,
            "object": obj,
            "recused": person,
            "status": "rejected",
            "replacement": None,
        },
    )


@dataclass(frozen=True)
class VoidDraw(_DrawCommand):
    """Void an unrun draw with its reason, before any of its entropy is revealed (作废);
    only then may the task be committed again (one open draw per task, R7.5)."""

    ACTION = "draw.void"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/tasks/{task}/draws/{draw:int}/void")

    reason: str = text(max_length=500)

    def handle(self, ctx: Context) -> Outcome:
        return void(ctx, self.task, self.draw, self.reason)


def void(ctx: Context, task: str, number: int, reason: str) -> Outcome:
    drawn = draw_of(ctx, task, number)
    commitment = commitment_of(drawn)
    ctx.require_department(commitment["lead"], rule="R7.5")
    require_open(drawn)
    if drawn.reveals:
        raise ConflictError(
            _(
                "draw {task}/{number} can no longer be voided: witnesses have begun to "
                "reveal, so its outcome is being fixed; it runs, with the fallback it "
                "committed to",
                task=task,
                number=number,
            ),
            rule="R7.5",
        )
    spec = commitment["beacon"]
    if spec is not None and ctx.authorisation.created > (
        quicknet_round_time(spec["round"]) - spec.get("margin", BEACON_MARGIN)
    ):
        raise ConflictError(
            _(
                "draw {task}/{number} can no longer be voided: drand round {round} is "
                "(about to be) public",
                task=task,
                number=number,
                round=spec["round"],
            ),
            rule="R7.5",
        )
    drawn.void(reason=reason, by=ctx.actor_id)
    return Outcome([drawn], {"task": task, "draw": number, "voided": reason})


COMMANDS = (
    CommitDraw,
    WitnessCommit,
    WitnessReveal,
    RecordDice,
    RecordBeacon,
    RunDraw,
    Recuse,
    ApproveRecusal,
    RejectRecusal,
    VoidDraw,
)
