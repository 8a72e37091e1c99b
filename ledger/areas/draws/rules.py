"""The draw's state checks the commands share: the task and draw a command names, the
commitment as recorded, the reveal deadline, the next draw number, the entropy the lead
does not control (R7.5), a witness named by the commitment, an open draw."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ledger import formats
from ledger.areas.draws.events import Draw
from ledger.areas.tasks.events import JointTask
from ledger.commanding import Context
from ledger.draw.ceremony import (
    BEACON_MARGIN,
    QUICKNET,
    quicknet_round_time,
)
from ledger.draw.world import DRAW_TOPICS
from ledger.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    ValidationError,
)
from ledger.i18n import _
from ledger.ids import draw_id, task_id
from ledger.params import Params


def task_of(ctx: Context, task: str) -> JointTask:
    found = ctx.ledger.find(task_id(task))
    if not isinstance(found, JointTask):
        raise NotFoundError(_("no task {task}", task=task))
    return found


def draw_of(ctx: Context, task: str, number: int) -> Draw:
    found = ctx.ledger.find(draw_id(task, number))
    if not isinstance(found, Draw):
        raise NotFoundError(_("no draw {task}/{number}", task=task, number=number))
    return found


def commitment_of(drawn: Draw) -> dict[str, Any]:
    import json

    commitment: dict[str, Any] = json.loads(drawn.commitment)
    return commitment


def read_beacon(p: Params | None) -> int | None:
    """The drand quicknet round the draw will use, if any (R7.5)."""
    return p.integer("round", minimum=1) if p else None


#: R6.3 on format-3 ledgers: without an ``exclusion`` given, objects checked or drawn
#: in the last year are left out (a real period, not none).
DEFAULT_EXCLUSION_DAYS = 365


def read_exclusion(p: Params | None) -> tuple[int, str] | None:
    """Objects drawn in the last ``days`` are excluded, or their ratio lowered (R6.3);
    None when not given (the command applies the ledger format's default)."""
    if p is None:
        return None
    return p.integer("days", minimum=0, maximum=3650), p.choice("mode", ("exclude", "lower"))


def reveal_deadline(reveal_by: str) -> int:
    try:
        deadline = int(dt.datetime.fromisoformat(reveal_by).timestamp())
        if dt.datetime.fromisoformat(reveal_by).tzinfo is None:
            raise ValueError("no time zone")
    except ValueError:
        raise ValidationError(
            _("reveal_by must be an ISO date-time with its zone, e.g. 2027-04-01T10:00:00+08:00"),
            {"reveal_by": [_("not a date-time")]},
        ) from None
    return deadline


def next_number(ctx: Context, task: str) -> int:
    """A new draw's number: after every earlier, unperformed one (R7.5: never a re-draw).

    Format 2: one open draw per task -- every earlier draw must have been voided, with
    its reason recorded (``draw.void``), before a new commitment; a draw that ran stays
    the task's draw for good."""
    number = 1
    one_open = formats.since(ctx.ledger, 2)
    while (earlier := ctx.ledger.find(draw_id(task, number))) is not None:
        if earlier.performed is not None:
            raise ConflictError(
                _(
                    "{task} was drawn in draw {number}; it cannot be drawn again",
                    task=task,
                    number=number,
                ),
                rule="R7.5",
            )
        if one_open and earlier.voided is None:
            raise ConflictError(
                _(
                    "draw {task}/{number} is still open: one open draw per task; void it "
                    "first with its reason (draw.void)",
                    task=task,
                    number=number,
                ),
                rule="R7.5",
            )
        number += 1
    return number


def check_entropy(
    ctx: Context, witnesses: tuple[str, ...], beacon_round: int | None, deadline: int, now: int
) -> dict[str, Any] | None:
    """Check the entropy the lead does not control (R7.5); the committed beacon, if any."""
    if not witnesses and beacon_round is None:
        raise RuleViolationError(
            _(
                "a draw needs entropy its lead does not control: at least one witness "
                "or a public beacon round"
            ),
            rule="R7.5",
        )
    for key_id in witnesses:
        key = ctx.ledger.key(key_id)
        if key is None or not key.active or "witness" not in key.roles:
            raise RuleViolationError(
                _("{key_id} is not a registered witness key", key_id=key_id), rule="R7.5"
            )
    if deadline <= now:
        raise ValidationError(
            _("reveal_by must be after the commitment"), {"reveal_by": [_("past")]}
        )
    if beacon_round is None:
        return None
    if quicknet_round_time(beacon_round) <= now:
        raise RuleViolationError(
            _(
                "drand round {beacon_round} is not in the future; its value would be "
                "known at commitment",
                beacon_round=beacon_round,
            ),
            rule="R7.5",
        )
    if not formats.since(ctx.ledger, 2):
        return {**QUICKNET, "round": beacon_round}
    published = quicknet_round_time(beacon_round)
    if published - now < BEACON_MARGIN:
        raise RuleViolationError(
            _(
                "drand round {beacon_round} is published {delay} s after the commitment; "
                "it must be at least {margin} s after (longer than the request window), "
                "or its value could be known when the commitment is signed",
                beacon_round=beacon_round,
                delay=published - now,
                margin=BEACON_MARGIN,
            ),
            rule="R7.5",
        )
    return {**QUICKNET, "round": beacon_round, "margin": BEACON_MARGIN}


def witness_of(ctx: Context, drawn: Draw) -> str:
    if ctx.actor_id not in commitment_of(drawn)["witnesses"]:
        raise PermissionDeniedError(
            _("key {actor_id} is not a witness named in the draw", actor_id=ctx.actor_id),
            rule="R7.5",
        )
    return ctx.actor_id


def require_open(drawn: Draw) -> None:
    if drawn.performed is not None:
        raise ConflictError(
            _("draw {task}/{number} is already performed", task=drawn.task, number=drawn.number)
        )
    if drawn.voided is not None:
        raise ConflictError(
            _(
                "draw {task}/{number} was voided ({reason})",
                task=drawn.task,
                number=drawn.number,
                reason=drawn.voided["reason"],
            ),
            rule="R7.5",
        )


def stream_events(
    ctx: Context, drawn: Draw, topics: Sequence[str] = DRAW_TOPICS
) -> list[tuple[str, dict[str, Any]]]:
    """The draw stream's (topic, state) of these topics, in order (the other draws'
    events are not decoded: a performed draw's results are large)."""
    stream = str(draw_id(drawn.task, drawn.number))
    events = ctx.ledger.topic_events(topics, streams=(stream,))
    return [(t, s) for __, st, t, s in events if st == stream]
