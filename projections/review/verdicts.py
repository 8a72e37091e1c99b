"""Parties, verdicts and settlements: 尽职照单免责、失职照单问责 (R10.4).

Every party a finding names gets a verdict: with a failed rule, *accountable*; else with
a judgement finding, *needs judgement*; else *exempt*. A person's review judges only that
person; a department's review judges the department and its own inspectors. A
discipline inspector's ``review.settle`` event for the subject and party replaces the
computed verdict, and the verdict says so (``settled``: the computed one, the reasoning,
the evidence and the event's position).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from projections.review.facts import Facts
from projections.review.rules import RULES, Finding, InspectionReview

VERDICTS = {
    "exempt": "尽职照单免责",
    "accountable": "失职照单问责",
    "needs judgement": "需纪检人员研判",
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


@dataclass
class Review:
    kind: str
    subject: str
    as_of: str
    inspections: list[InspectionReview]
    verdicts: list[Verdict]

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for inspection in out["inspections"]:
            for finding in inspection["findings"]:
                finding["r"] = RULES[finding["rule"]].r
        return out


def _judged(facts: Facts, kind: str, subject: str, party: str) -> bool:
    """Whether the subject's review gives ``party`` a verdict."""
    if kind == "person":
        return party == subject
    if kind == "department":
        return party == subject or facts.member(party, subject)
    return True


def parties(
    facts: Facts, kind: str, subject: str, reviewed: list[InspectionReview]
) -> dict[str, dict[str, Any]]:
    """Each party judged: its failed and judgement findings (as text) and their evidence."""
    found: dict[str, dict[str, Any]] = {}
    for inspection in reviewed:
        for finding in inspection.findings:
            for party in finding.parties:
                if not _judged(facts, kind, subject, party):
                    continue
                entry = found.setdefault(party, {"fail": [], "judgement": [], "evidence": set()})
                if finding.status in ("fail", "judgement"):
                    entry[finding.status].append(_cited(finding))
                    entry["evidence"].update(finding.evidence)
    return found


def _cited(finding: Finding) -> str:
    return f"{finding.r} {finding.rule}: {finding.detail}"


def verdicts(
    facts: Facts, kind: str, subject: str, reviewed: list[InspectionReview]
) -> list[Verdict]:
    """Each party's verdict, by party; a settled review replaces the computed one."""
    settled = facts.settled(kind, subject)
    out = []
    for party, entry in sorted(parties(facts, kind, subject, reviewed).items()):
        party_kind, name = facts.party(party)
        verdict = (
            "accountable"
            if entry["fail"]
            else "needs judgement"
            if entry["judgement"]
            else "exempt"
        )
        result = Verdict(
            party,
            party_kind,
            name,
            verdict,
            entry["fail"] + entry["judgement"],
            sorted(entry["evidence"]),
        )
        if party in settled:
            s = settled[party]
            result.settled = {
                "computed": verdict,
                "reasoning": s["reasoning"],
                "evidence": s["evidence"],
                "position": s["position"],
            }
            result.verdict = s["verdict"]
        out.append(result)
    return out
