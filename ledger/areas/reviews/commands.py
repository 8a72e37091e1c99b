"""``review.*``: the duty review's signed acts (R10.4).

* ``review.settle`` -- a discipline inspector's settlement closes a party's review;
* ``review.rules`` -- a department records a version of its detailed rules on exemption
  and accountability (各成员单位细化追责免责相关办法);
* ``review.assess`` -- a department completes the four factors for a party of its own,
  citing a version of its rules;
* ``review.problem`` -- a market entity turned out to have a problem (an incident, a
  verified complaint, a violation found outside the results), which opens the analysis.

On a format-2 ledger each names only subjects and parties the log knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger import formats
from ledger.areas.inspectors.events import Inspector
from ledger.areas.reviews import rules
from ledger.areas.reviews.events import (
    FACTOR_FINDINGS,
    FACTORS,
    PROBLEM_KINDS,
    DutyRules,
    ObjectProblems,
    Review,
)
from ledger.audit.hashing import sha256
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from ledger.fields import choice, custom, date, integer, nested, past_date, shape_of, text
from ledger.i18n import _
from ledger.ids import duty_rules_id, inspector_id, object_problems_id, review_id
from ledger.params import Params
from ledger.roles import DEPARTMENT, DISCIPLINE, OFFICE

SUBJECT_KINDS = tuple(rules.SUBJECT_KINDS)


def read_subject(p: Params | None) -> dict[str, Any]:
    """What the review is about: an object, a task, a person or a department."""
    if p is None:
        return {}
    return {"kind": p.choice("kind", SUBJECT_KINDS), "id": p.text("id", max_length=64)}


def subject() -> Any:
    return nested(
        read_subject,
        description="评查对象 what the review is about: {kind: object|task|person|department, id}",
        shape=shape_of(kind=choice(SUBJECT_KINDS), id=text(max_length=64)),
    )


def read_evidence(p: Params, name: str) -> tuple[int, ...]:
    """Log positions the verdict rests on."""
    evidence = p.raw.get(name, [])
    if not isinstance(evidence, list) or not all(
        isinstance(e, int) and not isinstance(e, bool) and e > 0 for e in evidence
    ):
        p.fail(name, _("must be a list of log positions"))
        return ()
    return tuple(evidence)


def _review(ctx: Context, subject: dict[str, Any]) -> Review:
    found = ctx.ledger.find(review_id(subject["kind"], subject["id"]))
    return found if isinstance(found, Review) else Review(subject=subject)


@dataclass(frozen=True)
class SettleReview(Command):
    """Settle a party's review: exempt or accountable (discipline inspector, R10.4)."""

    ACTION = "review.settle"
    ROLES = frozenset({DISCIPLINE})
    ROUTE = Route("POST", "/api/v1/reviews/settlements")
    RULE = "R10.4"

    subject: dict[str, Any] = subject()
    party: str = text(max_length=64)
    verdict: str = choice(("exempt", "accountable"))
    reasoning: str = text(max_length=4000)
    evidence: tuple[int, ...] = custom("integers", read_evidence)

    def handle(self, ctx: Context) -> Outcome:
        if any(e > ctx.ledger.head().position for e in self.evidence):
            raise ValidationError(
                _("invalid parameters"), {"evidence": [_("names a position beyond the log's head")]}
            )
        subject = self.subject
        if formats.since(ctx.ledger, 2):
            rules.require_subject(ctx, subject["kind"], subject["id"])
            rules.require_party(ctx, self.party)
        if self.verdict == "accountable" and formats.since(ctx.ledger, 5):
            rules.require_analysis(ctx, subject["kind"], subject["id"], self.party)
        review = _review(ctx, subject)
        review.settle(
            party=self.party, verdict=self.verdict, reasoning=self.reasoning, evidence=self.evidence
        )
        return Outcome([review], {"subject": subject, "party": self.party, "verdict": self.verdict})


@dataclass(frozen=True)
class RecordDutyRules(Command):
    """Record a version of the department's detailed rules on exemption and
    accountability (细化追责免责相关办法, R10.4)."""

    ACTION = "review.rules"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/reviews/rules")
    RULE = "R10.4"

    version: int = integer(minimum=1, description="版本号, 1 for the first, then each next")
    title: str = text(max_length=200, description="办法名称")
    text: str = text(max_length=100_000, description="办法全文 the rules' full text")
    effective_from: str = date(description="施行日期")

    def handle(self, ctx: Context) -> Outcome:
        department = ctx.actor_department()
        ctx.require_department(department, rule="R10.4")
        found = ctx.ledger.find(duty_rules_id(department))
        document = found if isinstance(found, DutyRules) else DutyRules(department=department)
        expected = len(document.versions) + 1
        if self.version != expected:
            raise ConflictError(
                _(
                    "the next version of {department}'s rules is {expected}, not {version}",
                    department=department,
                    expected=expected,
                    version=self.version,
                ),
                rule="R10.4",
            )
        digest = sha256(self.text.encode("utf-8")).hex()
        document.add_version(
            version=self.version,
            title=self.title,
            text=self.text,
            sha256=digest,
            effective_from=self.effective_from,
        )
        return Outcome(
            [document], {"department": department, "version": self.version, "sha256": digest}
        )


def read_factors(p: Params, name: str) -> dict[str, dict[str, str]]:
    """The four factors, each ``{finding, note}``."""
    factors = p.nested(name)
    if factors is None:
        return {}
    out = {}
    for factor in FACTORS:
        one = factors.nested(factor)
        if one is not None:
            out[factor] = {
                "finding": one.choice("finding", tuple(FACTOR_FINDINGS)),
                "note": one.text("note", max_length=4000),
            }
    extra = set(factors.raw) - set(FACTORS)
    if extra:
        p.fail(name, _("unknown factors: {factors}", factors=", ".join(sorted(extra))))
    return out


FACTOR_SHAPE = shape_of(finding=choice(tuple(FACTOR_FINDINGS)), note=text(max_length=4000))


@dataclass(frozen=True)
class AssessParty(Command):
    """Complete the four factors for a party of the department's own, under a version of
    its detailed rules (工作态度、工作程序、工作方法、客观条件, R10.4)."""

    ACTION = "review.assess"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/reviews/assessments")
    RULE = "R10.4"

    subject: dict[str, Any] = subject()
    party: str = text(max_length=64)
    factors: dict[str, dict[str, str]] = custom(
        "object",
        read_factors,
        description="attitude, procedure, method, conditions: each {finding, note}",
        shape=shape_of(**{name: nested(lambda p: None, shape=FACTOR_SHAPE) for name in FACTORS}),
    )
    rules_version: int = integer(minimum=1, description="the version of the rules cited")

    def handle(self, ctx: Context) -> Outcome:
        department = ctx.actor_department()
        ctx.require_department(department, rule="R10.4")
        subject = self.subject
        rules.require_subject(ctx, subject["kind"], subject["id"])
        kind = rules.require_party(ctx, self.party)
        if kind == "department" and self.party != department:
            raise PermissionDeniedError(
                _(
                    "{department} assesses only itself and its own inspectors, not {party}",
                    department=department,
                    party=self.party,
                ),
                rule="R10.4",
            )
        if kind == "person":
            person = ctx.ledger.find(inspector_id(self.party))
            if not isinstance(person, Inspector) or person.department != department:
                raise PermissionDeniedError(
                    _(
                        "{party} is not an inspector of {department}",
                        party=self.party,
                        department=department,
                    ),
                    rule="R10.4",
                )
        document = ctx.ledger.find(duty_rules_id(department))
        if not isinstance(document, DutyRules) or self.rules_version not in document.versions:
            raise NotFoundError(
                _(
                    "{department} has recorded no version {rules_version} of its rules "
                    "(review.rules first)",
                    department=department,
                    rules_version=self.rules_version,
                ),
                rule="R10.4",
            )
        cited = {
            "department": department,
            "version": self.rules_version,
            "sha256": document.versions[self.rules_version]["sha256"],
        }
        review = _review(ctx, subject)
        review.assess(party=self.party, department=department, factors=self.factors, rules=cited)
        return Outcome([review], {"subject": subject, "party": self.party, "rules": cited})


@dataclass(frozen=True)
class RecordProblem(Command):
    """Record that a market entity turned out to have a problem -- an incident, a verified
    complaint, a violation found outside a check -- which opens the 免责/问责 analysis of
    the checks before it (R10.4)."""

    ACTION = "review.problem"
    ROLES = frozenset({DEPARTMENT, OFFICE})
    ROUTE = Route("POST", "/api/v1/reviews/problems")
    RULE = "R10.4"

    object: str = text(max_length=64)
    kind: str = choice(tuple(PROBLEM_KINDS))
    occurred_on: str = past_date(description="发生或查实日期")
    item: str = text(required=False, max_length=80, description="DEPARTMENT:CODE, if one")
    reference: str = text(max_length=200, description="事故报告、投诉编号或案件编号")
    description: str = text(max_length=4000)

    def handle(self, ctx: Context) -> Outcome:
        department = "OFFICE" if ctx.is_office else ctx.actor_department()
        if not rules.object_known(ctx, self.object):
            raise NotFoundError(
                _("no object {object} in the directory", object=self.object),
                rule="R10.4",
            )
        found = ctx.ledger.find(object_problems_id(self.object))
        problems = (
            found if isinstance(found, ObjectProblems) else ObjectProblems(object=self.object)
        )
        problems.record(
            kind=self.kind,
            occurred_on=self.occurred_on,
            department=department,
            item=self.item,
            reference=self.reference,
            description=self.description,
        )
        return Outcome([problems], {"object": self.object, "kind": self.kind})


COMMANDS = (SettleReview, RecordDutyRules, AssessParty, RecordProblem)
