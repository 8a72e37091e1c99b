"""``review.settle``: a discipline inspector settles a verdict (R10.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.areas.reviews.events import Review
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ValidationError
from ledger.fields import choice, custom, nested, shape_of, text
from ledger.ids import review_id
from ledger.params import Params
from ledger.roles import DISCIPLINE

SUBJECT_KINDS = ("object", "task", "person", "department")


def read_subject(p: Params | None) -> dict[str, Any]:
    """What the review is about: an object, a task, a person or a department."""
    if p is None:
        return {}
    return {"kind": p.choice("kind", SUBJECT_KINDS), "id": p.text("id", max_length=64)}


def read_evidence(p: Params, name: str) -> tuple[int, ...]:
    """Log positions the verdict rests on."""
    evidence = p.raw.get(name, [])
    if not isinstance(evidence, list) or not all(
        isinstance(e, int) and not isinstance(e, bool) and e > 0 for e in evidence
    ):
        p.fail(name, "must be a list of log positions")
        return ()
    return tuple(evidence)


@dataclass(frozen=True)
class SettleReview(Command):
    """Settle a 'needs judgement' verdict (discipline inspector, R10.4)."""

    ACTION = "review.settle"
    ROLES = frozenset({DISCIPLINE})
    ROUTE = Route("POST", "/api/v1/reviews/settlements")
    RULE = "R10.4"

    subject: dict[str, Any] = nested(
        read_subject,
        shape=shape_of(kind=choice(SUBJECT_KINDS), id=text(max_length=64)),
    )
    party: str = text(max_length=64)
    verdict: str = choice(("exempt", "accountable"))
    reasoning: str = text(max_length=4000)
    evidence: tuple[int, ...] = custom("integers", read_evidence)

    def handle(self, ctx: Context) -> Outcome:
        if any(e > ctx.ledger.head().position for e in self.evidence):
            raise ValidationError(
                "invalid parameters", {"evidence": ["names a position beyond the log's head"]}
            )
        subject = self.subject
        found = ctx.ledger.find(review_id(subject["kind"], subject["id"]))
        review = found if isinstance(found, Review) else Review(subject=subject)
        review.settle(
            party=self.party, verdict=self.verdict, reasoning=self.reasoning, evidence=self.evidence
        )
        return Outcome([review], {"subject": subject, "party": self.party, "verdict": self.verdict})


COMMANDS = (SettleReview,)
