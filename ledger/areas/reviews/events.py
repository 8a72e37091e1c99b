"""Settled duty reviews (R10.4): a discipline inspector's signed verdict."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.ids import review_id


class Review(Aggregate):
    """A discipline inspector's settled verdicts for one subject (R10.4)."""

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

    @event(Created)
    def __init__(self, subject: dict[str, str]) -> None:
        self.subject = dict(subject)
        self.settled: dict[str, dict[str, Any]] = {}

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
