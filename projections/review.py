"""The duty review (R10.4): 尽职照单免责、失职照单问责.

For a subject (an object, a task, a person, a department) the review gathers every
inspection the subject took part in and applies the rules of the list to each:

====================  ======  =====================================================
rule                  R       passes when
====================  ======  =====================================================
``listed``            R3.4    the item was on the department's published list when
                              the check was recorded
``basis``             R1.1    the object was drawn, or a case lead (trigger and
                              reference) was recorded; otherwise 随意检查
``team``              R7.4    each inspector present was drawn for the object (after
                              recusals), active, certified on the day (officers),
                              qualified for the item and not conflicted with the object
``organised``         R7.4    the lead organised the checks within 5 working days of
                              the draw
``entered``           R9.1    the result was entered by an inspector assigned to the
                              object (谁检查谁录入)
``published``         R9.1    the result was published within 20 working days of being
                              formed, or withheld with its legal basis
``followed``          R9.2    a violation was followed by a penalty case or a judicial
                              referral (no fixed period in the source; we hold it due by
                              the publication deadline, and say so in the finding)
``missed``            R10.4   (judgement) a later check of the same object and item
                              found a problem this check reported none of
====================  ======  =====================================================

Each check is ``pass``, ``fail``, ``pending`` (its deadline has not come), ``judgement``
or ``n/a``, with the parties it concerns and the log positions that prove it. A party
with a failed rule is *accountable*; else one with a judgement finding *needs
judgement*; else *exempt*. A discipline inspector's ``review.settle`` event for the
subject and party replaces a computed verdict, and the review says so. The review reads
the projections only; it never writes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlite_utils

from ledger.areas.inspections.events import RESULTS
from ledger.draw.eligibility import certified_on
from ledger.errors import NotFoundError, ValidationError
from projections.queries import SUBJECT_KINDS, judged, rows, subject_exists, work_calendar

RULES = {
    "listed": ("R3.4", "抽查事项在公布的清单内", "item on the published list"),
    "basis": ("R1.1", "随机抽取或有案件线索，非随意检查", "drawn or a recorded case lead"),
    "team": (
        "R7.4",
        "检查人员随机选派、持证、具备资格、无利害关系",
        "inspectors drawn, certified, qualified, not conflicted",
    ),
    "organised": ("R7.4", "抽取后5个工作日内组织实施", "organised within 5 working days"),
    "entered": ("R9.1", "谁检查谁录入", "result entered by an assigned inspector"),
    "published": (
        "R9.1",
        "20个工作日内公示或依法不予公示",
        "published within 20 working days or lawfully withheld",
    ),
    "followed": ("R9.2", "违法行为依法立案或移送", "violation followed up"),
    "missed": (
        "R10.4",
        "其后检查发现问题（需研判履职情况）",
        "a later check found a problem (judge attitude and conditions)",
    ),
}
VERDICTS = {
    "exempt": "尽职照单免责",
    "accountable": "失职照单问责",
    "needs judgement": "需纪检人员研判",
}
PROBLEM_RESULTS = ("violation", "corrected")


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
        return RULES[self.rule][0]


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
                finding["r"] = RULES[finding["rule"]][0]
        return out


class _Facts:
    """Cached look-ups over the projection for one review."""

    def __init__(self, db: sqlite_utils.Database, today: dt.date) -> None:
        self.db, self.today = db, today
        self.calendar = work_calendar(db)
        self._versions: dict[str, list[dict[str, Any]]] = {}
        self._records: dict[str, list[dict[str, Any]]] = {}

    def item_list_at(self, department: str, position: int) -> dict[str, Any] | None:
        if department not in self._versions:
            self._versions[department] = rows(
                self.db,
                "SELECT version, items, position FROM item_versions WHERE "
                "department = ? AND position IS NOT NULL ORDER BY position",
                (department,),
            )
        current = None
        for version in self._versions[department]:
            if version["position"] < position:
                current = version
        return current

    def inspector_at(self, person: str, position: int) -> dict[str, Any] | None:
        if person not in self._records:
            self._records[person] = rows(
                self.db,
                "SELECT position, record FROM inspector_versions WHERE person = ? "
                "ORDER BY position",
                (person,),
            )
        current = None
        for version in self._records[person]:
            if version["position"] < position:
                current = {**json.loads(version["record"]), "position": version["position"]}
        active = rows(self.db, "SELECT active FROM inspectors WHERE person = ?", (person,))
        if current is not None and active and not active[0]["active"]:
            retired = rows(
                self.db,
                "SELECT MAX(position) AS p FROM inspector_proposals WHERE "
                "person = ? AND action = 'retire' AND decision = 'approved'",
                (person,),
            )[0]["p"]
            if retired is not None and retired < position:
                current["retired_at"] = retired
        return current

    def deadline(self, kind: str, subject: str) -> Any:
        found = rows(
            self.db, "SELECT * FROM deadlines WHERE kind = ? AND subject = ?", (kind, subject)
        )
        return judged(found[0], self.calendar, self.today) if found else None


def _team(db: sqlite_utils.Database, reference: str, obj: str) -> tuple[list[str], int] | None:
    task, _, number = reference.rpartition("/")
    found = rows(
        db,
        "SELECT a.team, d.performed_position FROM assignments a JOIN draws d ON "
        "d.task = a.task AND d.draw = a.draw WHERE a.task = ? AND a.draw = ? AND "
        "a.object = ?",
        (task, int(number), obj),
    )
    if not found:
        return None
    return json.loads(found[0]["team"]), found[0]["performed_position"]


def _deadline_finding(
    rule: str, deadline: Any, parties: list[str], what: str, evidence: list[int]
) -> Finding:
    if deadline is None:
        return Finding(rule, "n/a", f"no {what} deadline recorded", [], evidence)
    proof = [p for p in (deadline.opened_at, deadline.done_at) if p] + evidence
    if deadline.status == "met":
        return Finding(
            rule, "pass", f"{what} on {deadline.done}, due {deadline.due}", parties, proof
        )
    if deadline.status == "met late":
        return Finding(
            rule, "fail", f"{what} on {deadline.done}, late: due {deadline.due}", parties, proof
        )
    if deadline.status == "overdue":
        return Finding(rule, "fail", f"not {what}; due {deadline.due}", parties, proof)
    if deadline.status == "due":
        return Finding(rule, "pending", f"{what} due {deadline.due}", parties, proof)
    if deadline.status == "calendar unknown":
        return Finding(rule, "judgement", deadline.problem or "calendar unknown", parties, proof)
    return Finding(
        rule, "pass" if deadline.done else "pending", f"{what}: {deadline.status}", parties, proof
    )


def review_inspection(
    facts: _Facts, check: dict[str, Any], result: dict[str, Any] | None
) -> InspectionReview:
    db = facts.db
    obj, basis, reference, item = check["object"], check["basis"], check["reference"], check["item"]
    department = check["department"]
    present = json.loads(check["inspectors"])
    at = check["position"]
    everyone = [department, *present]
    findings: list[Finding] = []

    # R3.4 -- the item on the department's published list at the time of the check.
    item_department, _, code = item.partition(":")
    listed = facts.item_list_at(item_department, at)
    codes = {i["code"]: i for i in json.loads(listed["items"])} if listed else {}
    if listed is not None and code in codes:
        findings.append(
            Finding(
                "listed",
                "pass",
                f"{item} on list version {listed['version']}",
                [department],
                [listed["position"], at],
            )
        )
    else:
        where = f"list version {listed['version']}" if listed else "no published list"
        findings.append(
            Finding(
                "listed",
                "fail",
                f"{item} not on {where} when checked",
                [department],
                [at] + ([listed["position"]] if listed else []),
            )
        )

    # R1.1 -- drawn, or a case lead; else arbitrary.
    drawn = _team(db, reference, obj) if basis == "draw" else None
    if basis == "draw" and drawn is not None:
        findings.append(Finding("basis", "pass", f"drawn in {reference}", everyone, [drawn[1], at]))
    elif basis == "case":
        findings.append(Finding("basis", "pass", f"case lead {reference}", everyone, [at]))
    else:
        why = "not drawn in " + reference if basis == "draw" else "no draw and no case lead"
        findings.append(Finding("basis", "fail", f"随意检查: {why}", everyone, [at]))

    # R7.4 -- each inspector present: drawn, active, certified, qualified, not conflicted.
    team = drawn[0] if drawn else None
    item_row = codes.get(code, {})
    tokens = {code, item_row.get("object_type"), item_row.get("category"), "all"}
    for person in present:
        problems, proof = [], [at]
        if team is not None and person not in team:
            problems.append("not drawn for this object")
            proof.append(drawn[1])  # type: ignore[index]
        record = facts.inspector_at(person, at)
        if record is None:
            problems.append("not on the inspector directory")
        else:
            proof.append(record["position"])
            if "retired_at" in record:
                problems.append("retired from the directory")
                proof.append(record["retired_at"])
            if record.get("kind") == "officer":
                day = check["checked_on"]
                if not certified_on(record, day):
                    problems.append(f"no valid enforcement certificate on {day}")
                if item_row and not tokens & set(record.get("qualifications", [])):
                    problems.append(f"not qualified for {item}")
            if obj in record.get("conflicts", []):
                problems.append("declared a conflict with this object (应回避)")
        if problems:
            findings.append(
                Finding(
                    "team", "fail", f"{person}: " + "; ".join(problems), [person, department], proof
                )
            )
        else:
            findings.append(
                Finding(
                    "team",
                    "pass",
                    f"{person}: "
                    + ("drawn, " if team is not None else "")
                    + "certified, qualified, no conflict",
                    [person],
                    proof,
                )
            )

    # R7.4 -- organised within 5 working days of the draw.
    if basis == "draw":
        lead = rows(db, "SELECT lead FROM tasks WHERE task = ?", (reference.rpartition("/")[0],))
        findings.append(
            _deadline_finding(
                "organised",
                facts.deadline("organise", reference),
                [lead[0]["lead"]] if lead else [],
                "organised",
                [],
            )
        )

    # R9.1 / R9.2 -- the result.
    if result is None:
        for rule in ("entered", "published", "followed"):
            findings.append(Finding(rule, "pending", "no result entered yet", [], [at]))
    else:
        allowed = team if team is not None else present
        entered_ok = result["entered_by"] in allowed
        findings.append(
            Finding(
                "entered",
                "pass" if entered_ok else "fail",
                f"entered by {result['entered_by']}" + ("" if entered_ok else ", not assigned"),
                [result["entered_by"]],
                [result["position"]],
            )
        )
        subject = f"{obj}|{item}|{basis}:{reference}"
        if result["withheld_on"]:
            findings.append(
                Finding(
                    "published",
                    "pass",
                    f"withheld on {result['withheld_on']}: {result['legal_basis']}",
                    [department],
                    [result["position"], result["decided_position"]],
                )
            )
        else:
            findings.append(
                _deadline_finding(
                    "published",
                    facts.deadline("publish", subject),
                    [department],
                    "published",
                    [result["position"]],
                )
            )
        if result["result"] == "violation":
            if result["followed_up"]:
                findings.append(
                    Finding(
                        "followed",
                        "pass",
                        result["followed_up"],
                        [department],
                        [result["position"], result["followed_position"]],
                    )
                )
            else:
                publish = facts.deadline("publish", subject)
                late = publish is not None and publish.due and publish.due < facts.today.isoformat()
                findings.append(
                    Finding(
                        "followed",
                        "fail" if late else "pending",
                        "no penalty case or referral recorded"
                        + (f" by {publish.due} (held due with publication)" if late else ""),
                        [department],
                        [result["position"]],
                    )
                )
        else:
            findings.append(Finding("followed", "n/a", RESULTS[result["result"]], [], []))
        # R10.4 judgement -- nothing found here, a problem found later.
        if result["result"] not in PROBLEM_RESULTS:
            later = rows(
                db,
                "SELECT position, result, formed_on FROM results WHERE object = ? "
                "AND item = ? AND position > ? AND result IN (?, ?) ORDER BY position",
                (obj, item, result["position"], *PROBLEM_RESULTS),
            )
            if later:
                findings.append(
                    Finding(
                        "missed",
                        "judgement",
                        f"reported {result['result']} on {result['formed_on']}; "
                        "a later check found "
                        f"{later[0]['result']} on {later[0]['formed_on']}",
                        [*present, result["entered_by"]],
                        [result["position"], later[0]["position"]],
                    )
                )
    return InspectionReview(
        obj,
        basis,
        reference,
        item,
        department,
        check["checked_on"],
        present,
        result["result"] if result else None,
        findings,
    )


def _inspections(db: sqlite_utils.Database, kind: str, subject: str) -> list[dict[str, Any]]:
    if kind == "object":
        return rows(db, "SELECT * FROM inspections WHERE object = ? ORDER BY position", (subject,))
    if kind == "task":
        return rows(
            db,
            "SELECT * FROM inspections WHERE basis = 'draw' AND reference LIKE ? ORDER BY position",
            (f"{subject}/%",),
        )
    if kind == "department":
        return rows(
            db, "SELECT * FROM inspections WHERE department = ? ORDER BY position", (subject,)
        )
    return rows(
        db,
        "SELECT i.* FROM inspections i WHERE EXISTS (SELECT 1 FROM "
        "json_each(i.inspectors) j WHERE j.value = ?) OR EXISTS (SELECT 1 FROM results r "
        "WHERE r.object = i.object AND r.basis = i.basis AND r.reference = i.reference "
        "AND r.item = i.item AND r.entered_by = ?) ORDER BY i.position",
        (subject, subject),
    )


def review(db: sqlite_utils.Database, kind: str, subject: str, today: dt.date) -> Review:
    """The duty review of ``subject`` as of ``today``."""
    if kind not in SUBJECT_KINDS:
        raise ValidationError(f"unknown subject kind {kind!r}", {"kind": list(SUBJECT_KINDS)})
    if not subject_exists(db, kind, subject):
        raise NotFoundError(f"no {kind} {subject} in the projections")
    facts = _Facts(db, today)
    reviewed = []
    for check in _inspections(db, kind, subject):
        found = rows(
            db,
            "SELECT * FROM results WHERE object = ? AND basis = ? AND reference = ? AND item = ?",
            (check["object"], check["basis"], check["reference"], check["item"]),
        )
        reviewed.append(review_inspection(facts, check, found[0] if found else None))
    return Review(kind, subject, today.isoformat(), reviewed, verdicts(db, kind, subject, reviewed))


def verdicts(
    db: sqlite_utils.Database, kind: str, subject: str, reviewed: list[InspectionReview]
) -> list[Verdict]:
    parties: dict[str, dict[str, Any]] = {}
    for inspection in reviewed:
        for finding in inspection.findings:
            for party in finding.parties:
                if kind == "person" and party != subject:
                    continue
                if kind == "department" and party != subject and not _member(db, party, subject):
                    continue
                entry = parties.setdefault(party, {"fail": [], "judgement": [], "evidence": set()})
                if finding.status in ("fail", "judgement"):
                    entry[finding.status].append(f"{finding.r} {finding.rule}: {finding.detail}")
                    entry["evidence"].update(finding.evidence)
    settled = {
        r["party"]: r
        for r in db.query(
            "SELECT * FROM reviews WHERE subject_kind = ? AND subject = ?", (kind, subject)
        )
    }
    out = []
    for party, entry in sorted(parties.items()):
        department = rows(db, "SELECT name FROM departments WHERE code = ?", (party,))
        person = rows(db, "SELECT name FROM inspectors WHERE person = ?", (party,))
        name = department[0]["name"] if department else person[0]["name"] if person else None
        verdict = (
            "accountable"
            if entry["fail"]
            else "needs judgement"
            if entry["judgement"]
            else "exempt"
        )
        result = Verdict(
            party,
            "department" if department else "person",
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
                "evidence": json.loads(s["evidence"]),
                "position": s["position"],
            }
            result.verdict = s["verdict"]
        out.append(result)
    return out


def _member(db: sqlite_utils.Database, person: str, department: str) -> bool:
    return bool(
        rows(db, "SELECT 1 FROM inspectors WHERE person = ? AND unit = ?", (person, department))
    )


def render(result: Review) -> str:
    """The review as text: Chinese labels with the English ids."""
    lines = [f"履职评查 duty review — {result.kind} {result.subject} (as of {result.as_of})", ""]
    if not result.inspections:
        lines.append("  no inspections touch this subject")
    for i in result.inspections:
        outcome = f"{RESULTS.get(i.result, '—')} ({i.result})" if i.result else "未录入结果"
        lines.append(
            f"■ {i.object}  {i.item}  {i.basis}:{i.reference}  checked {i.checked_on}"
            f"  by {', '.join(i.inspectors)}  → {outcome}"
        )
        for f in i.findings:
            mark = {"pass": "✓", "fail": "✗", "pending": "…", "judgement": "?", "n/a": "·"}
            zh = RULES[f.rule][1]
            proof = f"  @{','.join(map(str, f.evidence))}" if f.evidence else ""
            lines.append(f"   {mark[f.status]} {f.r} {zh} [{f.rule}] {f.detail}{proof}")
        lines.append("")
    lines.append("结论 verdicts:")
    for v in result.verdicts:
        label = f"{v.party}" + (f" {v.name}" if v.name else "")
        lines.append(f"  {label}: {VERDICTS[v.verdict]} ({v.verdict})")
        for rule in v.rules:
            lines.append(f"      - {rule}")
        if v.evidence:
            lines.append(f"      evidence positions: {', '.join(map(str, v.evidence))}")
        if v.settled:
            lines.append(
                f"      settled by review event @{v.settled['position']} (computed: "
                f"{v.settled['computed']}): {v.settled['reasoning']}"
            )
    return "\n".join(lines)
