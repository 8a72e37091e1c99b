"""The 免责/问责 analysis (R10.4): opened when a market entity turns out to have a problem.

The source (三、（三）) asks that, when a market entity has a problem, the inspectors'
工作态度 (attitude), 工作程序 (procedure), 工作方法 (method) and 客观条件 (objective
conditions) be weighed together. Each factor is prefilled from the evidence where the
log can tell, and completed by the party's department under its own detailed rules
(``review.assess`` citing a version recorded with ``review.rules``):

* procedure -- the review's rules on the checks before the problem: the defects found,
  or the rules met;
* method -- the method recorded against the method the item list prescribes;
* conditions -- the object's state at the check (not reachable, no such activity,
  closed, obstructing) and whether the problem arose after the check;
* attitude -- the log cannot tell; the department assesses it.

A factor's finding is ``favourable`` (支持免责), ``unfavourable`` (支持问责) or
``undetermined`` (待查明). The analysis is a function of the checks' reviews and the
facts; it never writes.
"""

from __future__ import annotations

from typing import Any

from ledger.areas.reviews.events import FACTOR_FINDINGS, FACTORS
from ledger.i18n import Message, _, joined
from projections.review.facts import Check, Facts
from projections.review.rules import InspectionReview

#: Results saying the object's state kept the check from finding anything.
OBJECT_STATES = {
    "not_found": "通过登记的住所（经营场所）无法联系",
    "no_activity": "未发现开展本次抽查涉及的经营活动",
    "uncooperative": "不配合检查",
    "closed": "已注销或被吊销",
}

#: Methods, in Chinese.
METHOD_NAMES = {"on_site": "实地核查", "written": "书面检查", "online_monitoring": "网络监测"}


def _factor(finding: str, detail: str, evidence: list[int]) -> dict[str, Any]:
    return {
        "finding": finding,
        "zh": FACTOR_FINDINGS[finding],
        "detail": detail,
        "evidence": sorted(set(evidence)),
    }


def _procedure(party: str, reviewed: list[InspectionReview]) -> dict[str, Any]:
    defects = [f for r in reviewed for f in r.findings if f.status == "fail" and party in f.parties]
    if defects:
        return _factor(
            "unfavourable",
            _(
                "procedural defects: {defects}",
                defects=joined(
                    [
                        _("{r} {rule}: {detail}", r=f.r, rule=f.rule, detail=f.detail)
                        for f in defects
                    ]
                ),
            ),
            [p for f in defects for p in f.evidence],
        )
    met = sorted({f.rule for r in reviewed for f in r.findings if f.status == "pass"})
    return _factor(
        "favourable",
        _("procedure followed: {rules}", rules=", ".join(met))
        if met
        else _("procedure followed: no rule failed"),
        [p for r in reviewed for f in r.findings if f.status == "pass" for p in f.evidence],
    )


def _method(checks: list[Check]) -> dict[str, Any]:
    wrong, unknown, right = [], [], []
    for c in checks:
        listed = c.codes.get(c.code, {}).get("method")
        if not listed or not c.method:
            unknown.append(c)
        elif c.method == listed:
            right.append(c)
        else:
            wrong.append((c, listed))
    if wrong:
        return _factor(
            "unfavourable",
            joined(
                [
                    _(
                        "{item}: {method_name} ({method}) recorded, the list prescribes "
                        "{listed_name} ({listed})",
                        item=c.item,
                        method_name=METHOD_NAMES.get(c.method, c.method),
                        method=c.method,
                        listed_name=METHOD_NAMES.get(listed, listed),
                        listed=listed,
                    )
                    for c, listed in wrong
                ]
            ),
            [c.at for c, _listed in wrong],
        )
    if unknown:
        return _factor("undetermined", _("the list names no method for the item"), [])
    return _factor(
        "favourable",
        joined(
            [
                _(
                    "{item}: {method_name} as listed",
                    item=c.item,
                    method_name=METHOD_NAMES.get(c.method, c.method),
                )
                for c in right
            ]
        ),
        [c.at for c in right] + [c.listed["position"] for c in right if c.listed],
    )


def _conditions(facts: Facts, checks: list[Check]) -> dict[str, Any]:
    notes: list[Message] = []
    proof: list[int] = []
    for c in checks:
        state = c.result["result"] if c.result else None
        if state in OBJECT_STATES:
            notes.append(
                _(
                    "object at the check: {state_name} ({state})",
                    state_name=OBJECT_STATES[state],
                    state=state,
                )
            )
            proof.append(c.result["position"])  # type: ignore[index]
        for problem in facts.problems_after(c):
            if problem["occurred_on"] > c.checked_on:
                notes.append(
                    _(
                        "the problem arose on {day}, after the check on {checked_on}",
                        day=problem["occurred_on"],
                        checked_on=c.checked_on,
                    )
                )
                proof.append(problem["position"])
    if notes:
        return _factor("favourable", joined(list(dict.fromkeys(notes))), proof)
    return _factor(
        "undetermined", _("the log shows no limiting condition; the department says"), []
    )


def analysis(
    facts: Facts,
    kind: str,
    subject: str,
    party: str,
    pairs: list[tuple[Check, InspectionReview]],
) -> dict[str, Any]:
    """The four factors for ``party`` over the checks whose object turned out to have a
    problem, prefilled, and completed by the department's assessment if recorded."""
    opened = [
        (c, r)
        for c, r in pairs
        if any(f.rule == "problem" and party in f.parties for f in r.findings)
    ]
    checks = [c for c, _review in opened]
    problems = {p["position"]: p for c in checks for p in facts.problems_after(c)}
    prefill = {
        "attitude": _factor(
            "undetermined",
            _("the log cannot tell; the department assesses it under its rules"),
            [],
        ),
        "procedure": _procedure(party, [r for _check, r in opened]),
        "method": _method(checks),
        "conditions": _conditions(facts, checks),
    }
    assessed = facts.assessment(kind, subject, party)
    factors = {
        name: {
            "zh": zh,
            "prefilled": prefill[name],
            "assessed": (assessed["factors"].get(name) if assessed else None),
        }
        for name, zh in FACTORS.items()
    }
    rules = None
    if assessed:
        rules = {
            "department": assessed["department"],
            "version": assessed["rules_version"],
            "title": assessed["title"],
            "sha256": assessed["rules_sha256"],
            "position": assessed["rules_position"],
            "assessed_at": assessed["position"],
        }
    return {
        "problems": [problems[k] for k in sorted(problems)],
        "checks": [c.at for c in checks],
        "factors": factors,
        "rules": rules,
        "status": "assessed" if assessed else "open",
    }
