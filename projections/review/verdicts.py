"""Parties, verdicts and settlements: 尽职照单免责、失职照单问责 (R10.4).

Every party a finding names gets a computed status:

* a ``problem`` finding names it (the entity turned out to have a problem after its
  check): *analysis* -- the 免责/问责 analysis is open, its four factors prefilled
  (:mod:`projections.review.analysis`) and completed by the department;
* else a judgement finding (a deadline the calendar cannot judge): *needs judgement*;
* else a failed rule: *defect* -- a procedural defect (程序瑕疵) recorded with its rule
  and evidence, to be weighed if an analysis opens; not a verdict on the party;
* else *exempt* (尽职照单免责).

Only a discipline inspector's signed ``review.settle`` makes a party *accountable*
(失职照单问责) or confirms it *exempt*; it closes the review, and the verdict says so
(``settled``: the computed status, the reasoning, the evidence and the event's
position). A person's review judges only that person; a department's review judges
the department and its own inspectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from ledger.i18n import _
from projections.review.analysis import analysis
from projections.review.facts import Check, Facts
from projections.review.obligations import ObligationReview
from projections.review.rules import RULES, Finding, InspectionReview

VERDICTS = {
    "exempt": "尽职照单免责",
    "defect": "程序瑕疵（记录在案）",
    "analysis": "市场主体出现问题，待综合分析",
    "needs judgement": "需纪检人员研判",
    "accountable": "失职照单问责",
}


@dataclass
class Verdict:
    party: str
    kind: str  # person | department
    name: str | None
    verdict: str
    rules: list[str]
    evidence: list[int]
    settled: dict[str, Any] | None = None
    defects: list[dict[str, Any]] = field(default_factory=list)
    analysis: dict[str, Any] | None = None


@dataclass
class Review:
    kind: str
    subject: str
    as_of: str
    inspections: list[InspectionReview]
    verdicts: list[Verdict]
    #: The joint visits' checklist items (R6.1): checked, excused, due or overdue.
    obligations: list[ObligationReview] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for reviewed in (*out["inspections"], *out["obligations"]):
            for finding in reviewed["findings"]:
                finding["r"] = RULES[finding["rule"]].r
        return out


class Reviewed(Protocol):
    """What has findings: a reviewed check, or a reviewed obligation."""

    @property
    def findings(self) -> list[Finding]: ...


def _judged(facts: Facts, kind: str, subject: str, party: str) -> bool:
    """Whether the subject's review gives ``party`` a verdict."""
    if kind == "person":
        return party == subject
    if kind == "department":
        return party == subject or facts.member(party, subject)
    return True


def parties(
    facts: Facts, kind: str, subject: str, reviewed: Sequence[Reviewed]
) -> dict[str, dict[str, Any]]:
    """Each party judged: its failed and judgement findings and their evidence."""
    found: dict[str, dict[str, Any]] = {}
    for inspection in reviewed:
        for finding in inspection.findings:
            for party in finding.parties:
                if not _judged(facts, kind, subject, party):
                    continue
                entry = found.setdefault(
                    party, {"fail": [], "judgement": [], "problem": False, "evidence": set()}
                )
                if finding.status in ("fail", "judgement"):
                    entry[finding.status].append(finding)
                    entry["evidence"].update(finding.evidence)
                if finding.rule == "problem":
                    entry["problem"] = True
    return found


def _cited(finding: Finding) -> str:
    return _("{r} {rule}: {detail}", r=finding.r, rule=finding.rule, detail=finding.detail)


def _status(entry: dict[str, Any]) -> str:
    if entry["problem"]:
        return "analysis"
    if entry["judgement"]:
        return "needs judgement"
    return "defect" if entry["fail"] else "exempt"


def verdicts(
    facts: Facts,
    kind: str,
    subject: str,
    reviewed: list[InspectionReview],
    checks: list[Check] | None = None,
    obligations: Sequence[ObligationReview] = (),
) -> list[Verdict]:
    """Each party's verdict, by party; a settlement replaces the computed one."""
    settled = facts.settled(kind, subject)
    pairs = list(zip(checks or [], reviewed, strict=False))
    out = []
    found_for = parties(facts, kind, subject, [*reviewed, *obligations])
    for party, entry in sorted(found_for.items()):
        party_kind, name = facts.party(party)
        status = _status(entry)
        found = entry["fail"] + entry["judgement"]
        result = Verdict(
            party,
            party_kind,
            name,
            status,
            [_cited(f) for f in found],
            sorted(entry["evidence"]),
            defects=[
                {"rule": f.rule, "r": f.r, "detail": f.detail, "evidence": f.evidence}
                for f in entry["fail"]
            ],
            analysis=analysis(facts, kind, subject, party, pairs) if entry["problem"] else None,
        )
        if party in settled:
            s = settled[party]
            result.settled = {
                "computed": status,
                "reasoning": s["reasoning"],
                "evidence": s["evidence"],
                "position": s["position"],
            }
            result.verdict = s["verdict"]
            if result.analysis is not None:
                result.analysis["status"] = "settled"
        out.append(result)
    return out
