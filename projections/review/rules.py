"""The duty review's rules (R10.4): one function per rule, in a registry that orders them.

====================  ======  =====================================================
rule                  R       passes when
====================  ======  =====================================================
``listed``            R3.4    the item was on the department's published list when
                              the check was recorded
``basis``             R1.1    the object was drawn for one of the task's items (R7.2),
                              or a case lead (trigger and reference) was recorded;
                              otherwise 随意检查
``team``              R7.4    each inspector present was drawn for the object (after
                              recusals), active, certified on the day (officers),
                              qualified for the item and not conflicted with the object
``recusals``          R7.4    the object's team was not changed by recusing officers
                              one after another (at most one recusal per object and
                              draw), and the lead's recusals over all its draws stay
                              within :data:`LEAD_RECUSAL_SHARE` of its team places
``organised``         R7.4    the lead organised the checks within 5 working days of
                              the draw
``entered``           R9.1    the result was entered by an inspector assigned to the
                              object and present at that item's check (谁检查谁录入)
``published``         R9.1    the result was published within 20 working days of being
                              formed, or withheld with its legal basis
``followed``          R9.2    a violation was followed by a penalty case or a judicial
                              referral (no fixed period in the source; we hold it due by
                              the publication deadline, and say so in the finding)
``visited``           R6.1    every item on a drawn object's checklist was checked on
                              the joint visit, or excused by its department with a
                              reason, by the task's planned end (judged per object
                              and item: :mod:`projections.review.obligations`)
``problem``           R10.4   (judgement) the object turned out to have a problem
                              after the check reported none: a later check's
                              violation, an incident or a verified complaint; the
                              免责/问责 analysis opens (:mod:`.analysis`)
====================  ======  =====================================================

Each rule is a function of the review's :class:`~projections.review.facts.Facts` and one
:class:`~projections.review.facts.Check`, returning its findings (none when it does not
apply); :data:`RULES` holds them in the order above, which is the order findings are
reported in. A finding is ``pass``, ``fail``, ``pending`` (its deadline has not come),
``judgement`` or ``n/a``, with the parties it concerns and the log positions that prove
it. Rules never read the database: they ask the facts. A failed rule is a procedural
defect (程序瑕疵) recorded with its rule and evidence, never a verdict by itself
(:mod:`projections.review.verdicts`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ledger.areas.inspections.events import RESULTS
from ledger.areas.reviews.events import PROBLEM_KINDS
from ledger.draw.eligibility import certified_on
from ledger.i18n import Message, _, joined
from projections.read.deadlines import Deadline
from projections.review.facts import PROBLEM_RESULTS, Check, Facts


@dataclass
class Finding:
    rule: str
    status: str  # pass | fail | pending | judgement | n/a
    detail: str
    parties: list[str] = field(default_factory=list)
    evidence: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.evidence = list(dict.fromkeys(p for p in self.evidence if p))

    @property
    def r(self) -> str:
        return RULES[self.rule].r


RuleFunction = Callable[[Facts, Check], list[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    r: str  # the requirement it checks (SPEC.md)
    zh: str
    en: str
    apply: RuleFunction


#: rule id -> rule, in the order findings are reported.
RULES: dict[str, Rule] = {}


def rule(id: str, r: str, zh: str, en: str) -> Callable[[RuleFunction], RuleFunction]:
    def register(fn: RuleFunction) -> RuleFunction:
        if id in RULES:
            raise ValueError(f"rule {id} is defined twice")
        RULES[id] = Rule(id, r, zh, en, fn)
        return fn

    return register


@dataclass
class InspectionReview:
    object: str
    basis: str
    reference: str
    item: str
    department: str
    checked_on: str
    inspectors: list[str]
    result: str | None
    findings: list[Finding]


def review_inspection(facts: Facts, check: Check) -> InspectionReview:
    """Every rule applied to one check, findings in the rules' order."""
    return InspectionReview(
        check.object,
        check.basis,
        check.reference,
        check.item,
        check.department,
        check.checked_on,
        check.present,
        check.result["result"] if check.result else None,
        [finding for r in RULES.values() for finding in r.apply(facts, check)],
    )


def deadline_finding(
    rule: str, deadline: Deadline | None, parties: list[str], what: str, evidence: list[int]
) -> Finding:
    """A deadline's status as a finding: met passes, late or overdue fails."""
    if deadline is None:
        return Finding(rule, "n/a", _("no {what} deadline recorded", what=what), [], evidence)
    proof = [p for p in (deadline.opened_at, deadline.done_at) if p] + evidence
    if deadline.status == "met":
        detail = _("{what} on {done}, due {due}", what=what, done=deadline.done, due=deadline.due)
        return Finding(rule, "pass", detail, parties, proof)
    if deadline.status == "met late":
        detail = _(
            "{what} on {done}, late: due {due}", what=what, done=deadline.done, due=deadline.due
        )
        return Finding(rule, "fail", detail, parties, proof)
    if deadline.status == "overdue":
        return Finding(
            rule, "fail", _("not {what}; due {due}", what=what, due=deadline.due), parties, proof
        )
    if deadline.status == "due":
        return Finding(
            rule, "pending", _("{what} due {due}", what=what, due=deadline.due), parties, proof
        )
    if deadline.status == "calendar unknown":
        problem = deadline.problem or _("calendar unknown")
        return Finding(rule, "judgement", problem, parties, proof)
    return Finding(
        rule,
        "pass" if deadline.done else "pending",
        _("{what}: {status}", what=what, status=deadline.status),
        parties,
        proof,
    )


@rule("listed", "R3.4", "抽查事项在公布的清单内", "item on the published list")
def item_listed(facts: Facts, c: Check) -> list[Finding]:
    """The item on the department's published list at the time of the check."""
    listed = c.listed
    if listed is not None and c.code in c.codes:
        return [
            Finding(
                "listed",
                "pass",
                _("{item} on list version {version}", item=c.item, version=listed["version"]),
                [c.department],
                [listed["position"], c.at],
            )
        ]
    where = (
        _("list version {version}", version=listed["version"]) if listed else _("no published list")
    )
    return [
        Finding(
            "listed",
            "fail",
            _("{item} not on {where} when checked", item=c.item, where=where),
            [c.department],
            [c.at] + ([listed["position"]] if listed else []),
        )
    ]


@rule("basis", "R1.1", "随机抽取或有案件线索，非随意检查", "drawn or a recorded case lead")
def drawn_or_case_lead(facts: Facts, c: Check) -> list[Finding]:
    """Drawn, or a case lead; else an arbitrary check (随意检查)."""
    everyone = [c.department, *c.present]
    if c.basis == "draw" and c.drawn is not None:
        task = c.reference.rpartition("/")[0]
        items = facts.task_items(task)
        if items is not None and c.item not in items:
            # The draw selected the object for the task's items, not this one (R7.2).
            return [
                Finding(
                    "basis",
                    "fail",
                    _(
                        "arbitrary check: {item} is not an item of task {task}; drawn in "
                        "{reference} only for {items}",
                        item=c.item,
                        task=task,
                        reference=c.reference,
                        items=", ".join(items),
                    ),
                    everyone,
                    [c.drawn[1], c.at],
                )
            ]
        drawn = _("drawn in {reference}", reference=c.reference)
        return [Finding("basis", "pass", drawn, everyone, [c.drawn[1], c.at])]
    if c.basis == "case":
        lead = _("case lead {reference}", reference=c.reference)
        return [Finding("basis", "pass", lead, everyone, [c.at])]
    why = (
        _("arbitrary check: not drawn in {reference}", reference=c.reference)
        if c.basis == "draw"
        else _("arbitrary check: no draw and no case lead")
    )
    return [Finding("basis", "fail", why, everyone, [c.at])]


def _inspector_problems(facts: Facts, c: Check, person: str) -> tuple[list[Message], list[int]]:
    """What is wrong with one inspector present at the check, and the proof."""
    problems: list[Message] = []
    proof = [c.at]
    if c.drawn is not None and person not in c.drawn[0]:
        problems.append(_("not drawn for this object"))
        proof.append(c.drawn[1])
    record = facts.inspector_at(person, c.at)
    if record is None:
        return [*problems, _("not on the inspector directory")], proof
    proof.append(record["position"])
    if "retired_at" in record:
        problems.append(_("retired from the directory"))
        proof.append(record["retired_at"])
    if record.get("kind") == "officer":
        if not certified_on(record, c.checked_on):
            problems.append(_("no valid enforcement certificate on {day}", day=c.checked_on))
        item_row = c.codes.get(c.code, {})
        tokens = {c.code, item_row.get("object_type"), item_row.get("category"), "all"}
        if item_row and not tokens & set(record.get("qualifications", [])):
            problems.append(_("not qualified for {item}", item=c.item))
    if c.object in record.get("conflicts", []):
        problems.append(_("declared a conflict with this object (to be recused)"))
    return problems, proof


@rule(
    "team",
    "R7.4",
    "检查人员随机选派、持证、具备资格、无利害关系",
    "inspectors drawn, certified, qualified, not conflicted",
)
def team_qualified(facts: Facts, c: Check) -> list[Finding]:
    """Each inspector present: drawn, active, certified, qualified, not conflicted."""
    findings = []
    for person in c.present:
        problems, proof = _inspector_problems(facts, c, person)
        if problems:
            detail = _("{person}: {problems}", person=person, problems=joined(problems))
            findings.append(Finding("team", "fail", detail, [person, c.department], proof))
        else:
            detail = (
                _("{person}: drawn, certified, qualified, no conflict", person=person)
                if c.team is not None
                else _("{person}: certified, qualified, no conflict", person=person)
            )
            findings.append(Finding("team", "pass", detail, [person], proof))
    return findings


#: More recusals than this on one object in one draw is the pattern of a lead recusing
#: officers one after another until the one it wants comes up (R7.4).
OBJECT_RECUSAL_LIMIT = 1
#: A lead whose recusals (requested -- pending, rejected or lapsed -- or in effect) exceed
#: this share of its team places, over all its draws, with at least
#: :data:`LEAD_RECUSAL_MINIMUM` of them, is flagged.
LEAD_RECUSAL_SHARE = 0.1
LEAD_RECUSAL_MINIMUM = 2
RECUSAL_STATUS = {
    "effective": _("recused, in effect"),
    "declared": _("declared by the inspector"),
    "approved": _("approved by the office"),
    "pending": _("requested, not in effect"),
    "rejected": _("requested, rejected by the office"),
    "lapsed": _("requested, lapsed when the object was checked"),
}


@rule(
    "recusals",
    "R7.4",
    "回避未被用于挑选检查人员",
    "recusals not used to pick the inspectors",
)
def recusals_not_steering(facts: Facts, c: Check) -> list[Finding]:
    """A drawn check whose object saw recusals: more than one on the object in its draw,
    or a lead whose recusals exceed its share of team places, is flagged with the
    positions that record them (the review counts recusals per lead)."""
    if c.basis != "draw" or c.drawn is None:
        return []
    recused = facts.recusals(c.reference, c.object)
    if not recused:
        return []
    leads = facts.task_leads(c.reference.rpartition("/")[0])
    stats = [facts.lead_recusals(lead) for lead in leads]
    listed = joined(
        [
            _("{person}: {status}", person=r["person"], status=RECUSAL_STATUS[r["status"]])
            for r in recused
        ]
    )
    evidence = [p for r in recused for p in r["positions"] if p]
    problems: list[Message] = []
    if len(recused) > OBJECT_RECUSAL_LIMIT:
        problems.append(
            _(
                "successive recusals: {count} recusals on this object in {reference} "
                "({listed}): the team changed one officer after another",
                count=len(recused),
                reference=c.reference,
                listed=listed,
            )
        )
    for lead, lead_stats in zip(leads, stats, strict=True):
        count, places = lead_stats["count"], lead_stats["places"]
        if count >= LEAD_RECUSAL_MINIMUM and count > LEAD_RECUSAL_SHARE * places:
            problems.append(
                _(
                    "lead {lead}: {count} recusals over {places} team places in its draws, "
                    "more than {share}",
                    lead=lead,
                    count=count,
                    places=places,
                    share=format(LEAD_RECUSAL_SHARE, ".0%"),
                )
            )
            evidence += lead_stats["positions"]
    if problems:
        return [Finding("recusals", "fail", joined(problems), leads, [*evidence, c.at])]
    return [Finding("recusals", "pass", listed, leads, [*evidence, c.at])]


@rule("organised", "R7.4", "抽取后5个工作日内组织实施", "organised within 5 working days")
def organised_in_time(facts: Facts, c: Check) -> list[Finding]:
    """A drawn check: organised within 5 working days of the draw."""
    if c.basis != "draw":
        return []
    deadline = facts.deadline("organise", c.reference)
    leads = facts.task_leads(c.reference.rpartition("/")[0])
    return [deadline_finding("organised", deadline, leads, _("organised"), [])]


def _no_result(rule: str, c: Check) -> list[Finding]:
    return [Finding(rule, "pending", _("no result entered yet"), [], [c.at])]


@rule("entered", "R9.1", "谁检查谁录入", "result entered by an assigned inspector")
def entered_by_assigned(facts: Facts, c: Check) -> list[Finding]:
    """The result entered by an inspector assigned to the object (谁检查谁录入)."""
    if c.result is None:
        return _no_result("entered", c)
    by = c.result["entered_by"]
    assigned = c.team is None or by in c.team
    present = by in c.present
    ok = assigned and present
    if ok:
        detail = _("entered by {person}", person=by)
    elif not assigned and not present:
        detail = _("entered by {person}, not assigned, not present at this item's check", person=by)
    elif not assigned:
        detail = _("entered by {person}, not assigned", person=by)
    else:
        detail = _("entered by {person}, not present at this item's check", person=by)
    return [
        Finding(
            "entered",
            "pass" if ok else "fail",
            detail,
            [by],
            [c.result["position"]],
        )
    ]


def _subject(c: Check) -> str:
    """The publication and follow-up deadlines' subject for the check's result."""
    return f"{c.object}|{c.item}|{c.basis}:{c.reference}"


@rule(
    "published",
    "R9.1",
    "20个工作日内公示或依法不予公示",
    "published within 20 working days or lawfully withheld",
)
def published_in_time(facts: Facts, c: Check) -> list[Finding]:
    """Published within 20 working days of being formed, or withheld with a legal basis."""
    result = c.result
    if result is None:
        return _no_result("published", c)
    if result["withheld_on"]:
        return [
            Finding(
                "published",
                "pass",
                _(
                    "withheld on {day}: {legal_basis}",
                    day=result["withheld_on"],
                    legal_basis=result["legal_basis"],
                ),
                [c.department],
                [result["position"], result["decided_position"]],
            )
        ]
    deadline = facts.deadline("publish", _subject(c))
    return [
        deadline_finding(
            "published", deadline, [c.department], _("published"), [result["position"]]
        )
    ]


@rule("followed", "R9.2", "违法行为依法立案或移送", "violation followed up")
def violation_followed_up(facts: Facts, c: Check) -> list[Finding]:
    """A violation followed by a penalty case or a judicial referral; no fixed period in
    the source, so it is held due with the publication deadline."""
    result = c.result
    if result is None:
        return _no_result("followed", c)
    if result["result"] != "violation":
        return [Finding("followed", "n/a", RESULTS[result["result"]], [], [])]
    if result["followed_up"]:
        return [
            Finding(
                "followed",
                "pass",
                result["followed_up"],
                [c.department],
                [result["position"], result["followed_position"]],
            )
        ]
    publish = facts.deadline("publish", _subject(c))
    due = publish.due if publish is not None else None
    late = bool(due and due < facts.today.isoformat())
    return [
        Finding(
            "followed",
            "fail" if late else "pending",
            _("no penalty case or referral recorded by {due} (held due with publication)", due=due)
            if late
            else _("no penalty case or referral recorded"),
            [c.department],
            [result["position"]],
        )
    ]


@rule(
    "visited",
    "R6.1",
    "进一次门、查多项事：清单事项逐项检查或说明理由",
    "every checklist item checked on the joint visit, or excused with a reason",
)
def checklist_visited(facts: Facts, c: Check) -> list[Finding]:
    """Judged per obligation, not per check (:mod:`projections.review.obligations`): an
    unchecked item has no check to review, and a check is what discharges one."""
    return []


@rule(
    "problem",
    "R10.4",
    "市场主体出现问题，启动免责问责综合分析",
    "the entity turned out to have a problem: weigh attitude, procedure, method, conditions",
)
def later_problem(facts: Facts, c: Check) -> list[Finding]:
    """(Judgement) nothing found here, and the object turned out to have a problem later
    (a later check's violation, an incident, a verified complaint): the analysis opens."""
    result = c.result
    if result is not None and result["result"] in PROBLEM_RESULTS:
        return []
    problems = facts.problems_after(c)
    if not problems:
        return []
    first = problems[0]
    reported = (
        _("reported {result} on {day}", result=result["result"], day=result["formed_on"])
        if result
        else _("no result")
    )
    return [
        Finding(
            "problem",
            "judgement",
            _(
                "{reported}; then {kind_name} ({kind}) on {day}: {reference}",
                reported=reported,
                kind_name=PROBLEM_KINDS[first["kind"]],
                kind=first["kind"],
                day=first["occurred_on"],
                reference=first["reference"],
            ),
            # Those present, who entered the result, and the inspecting department: the
            # parties the ledger lets a discipline inspector hold accountable here
            # (ledger/areas/reviews/rules.analysis_opened).
            list(
                dict.fromkeys(
                    [*c.present, *([result["entered_by"]] if result else []), c.department]
                )
            ),
            [result["position"] if result else c.at, *(p["position"] for p in problems)],
        )
    ]
