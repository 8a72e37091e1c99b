"""The duty review's log (R10.4): settled verdicts, the departments' assessments of the
four factors, their detailed rules, and the problems a market entity turned out to have.

* :class:`Review` -- one stream per subject: a discipline inspector's settlements and the
  departments' assessments of a party (工作态度、工作程序、工作方法、客观条件);
* :class:`DutyRules` -- one stream per department: its versioned detailed rules on
  exemption and accountability (细化追责免责相关办法), which an assessment cites;
* :class:`ObjectProblems` -- one stream per object: an incident or a verified complaint
  (a later violation is read from the results), which opens the 免责/问责 analysis.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.ids import duty_rules_id, object_problems_id, review_id

#: The four factors the source names (三、（三）), in its order.
FACTORS = {
    "attitude": "工作态度",
    "procedure": "工作程序",
    "method": "工作方法",
    "conditions": "客观条件",
}

#: What a factor says about the party, once weighed.
FACTOR_FINDINGS = {
    "favourable": "支持免责",
    "unfavourable": "支持问责",
    "undetermined": "待查明",
}

#: How a market entity turns out to have a problem (市场主体出现问题).
PROBLEM_KINDS = {
    "violation": "其后发现违法违规行为",
    "incident": "发生安全质量事故",
    "complaint": "投诉举报经查实",
}


class Review(Aggregate):
    """A subject's settled verdicts and its parties' assessments (R10.4)."""

    TOPIC = "shuangsui.review"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.review.opened"
        subject: dict[str, str]

    class Settled(Aggregate.Event):
        TOPIC = "shuangsui.review.settled"
        party: str
        verdict: str
        reasoning: str
        evidence: tuple[int, ...]

    class Assessed(Aggregate.Event):
        TOPIC = "shuangsui.review.assessed"
        party: str
        department: str
        factors: dict[str, dict[str, str]]
        rules: dict[str, Any]

    @event(Created)
    def __init__(self, subject: dict[str, str]) -> None:
        self.subject = dict(subject)
        self.settled: dict[str, dict[str, Any]] = {}
        self.assessed: dict[str, dict[str, Any]] = {}

    @staticmethod
    def create_id(subject: dict[str, str], **_: Any) -> Any:
        return review_id(subject["kind"], subject["id"])

    @event(Settled)
    def settle(self, party: str, verdict: str, reasoning: str, evidence: tuple[int, ...]) -> None:
        self.settled[party] = {
            "verdict": verdict,
            "reasoning": reasoning,
            "evidence": list(evidence),
        }

    @event(Assessed)
    def assess(
        self,
        party: str,
        department: str,
        factors: dict[str, dict[str, str]],
        rules: dict[str, Any],
    ) -> None:
        self.assessed[party] = {"department": department, "factors": factors, "rules": rules}


class DutyRules(Aggregate):
    """A department's detailed rules on exemption and accountability, by version."""

    TOPIC = "shuangsui.duty_rules"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.duty_rules.opened"
        department: str

    class Versioned(Aggregate.Event):
        TOPIC = "shuangsui.duty_rules.versioned"
        version: int
        title: str
        text: str
        sha256: str
        effective_from: str

    @event(Created)
    def __init__(self, department: str) -> None:
        self.department = department
        self.versions: dict[int, dict[str, Any]] = {}

    @staticmethod
    def create_id(department: str, **_: Any) -> Any:
        return duty_rules_id(department)

    @event(Versioned)
    def add_version(
        self, version: int, title: str, text: str, sha256: str, effective_from: str
    ) -> None:
        self.versions[version] = {
            "title": title,
            "sha256": sha256,
            "effective_from": effective_from,
        }


class ObjectProblems(Aggregate):
    """Problems a market entity turned out to have, after it was checked."""

    TOPIC = "shuangsui.object_problems"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.object_problems.opened"
        object: str

    class Recorded(Aggregate.Event):
        TOPIC = "shuangsui.object_problems.recorded"
        kind: str
        occurred_on: str
        department: str
        item: str
        reference: str
        description: str

    @event(Created)
    def __init__(self, object: str) -> None:
        self.object = object
        self.problems: list[dict[str, Any]] = []

    @staticmethod
    def create_id(object: str, **_: Any) -> Any:
        return object_problems_id(object)

    @event(Recorded)
    def record(
        self,
        kind: str,
        occurred_on: str,
        department: str,
        item: str,
        reference: str,
        description: str,
    ) -> None:
        self.problems.append({"kind": kind, "occurred_on": occurred_on, "reference": reference})
