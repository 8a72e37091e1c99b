"""The duty review's log (R10.4): settlements, assessments of the four factors, the
departments' detailed rules, and the problems a market entity turned out to have."""

from __future__ import annotations

from typing import Any

from ledger.areas.reviews.events import DutyRules, ObjectProblems, Review
from projections.batch import Batch, Handlers, dumps

HANDLERS = Handlers()
on = HANDLERS.on


@on(Review.Created.TOPIC)
def review_opened(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "review", s["subject"]["kind"], s["subject"]["id"])


@on(Review.Settled.TOPIC)
def review_settled(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    kind, subject = b.ident(stream)
    b.execute(
        "INSERT OR REPLACE INTO reviews VALUES (?,?,?,?,?,?,?)",
        (kind, subject, s["party"], s["verdict"], s["reasoning"], dumps(s["evidence"]), position),
    )
    b.touch(kind, subject, position)


@on(Review.Assessed.TOPIC)
def review_assessed(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    kind, subject = b.ident(stream)
    b.execute(
        "INSERT OR REPLACE INTO assessments VALUES (?,?,?,?,?,?,?,?)",
        (
            kind,
            subject,
            s["party"],
            s["department"],
            dumps(s["factors"]),
            s["rules"]["version"],
            s["rules"]["sha256"],
            position,
        ),
    )
    b.touch(kind, subject, position)
    b.touch("department", s["department"], position)


@on(DutyRules.Created.TOPIC)
def duty_rules_opened(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "duty_rules", s["department"])


@on(DutyRules.Versioned.TOPIC)
def duty_rules_versioned(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    department, _ = b.ident(stream)
    b.execute(
        "INSERT OR REPLACE INTO duty_rules VALUES (?,?,?,?,?,?,?)",
        (
            department,
            s["version"],
            s["title"],
            s["text"],
            s["sha256"],
            s["effective_from"],
            position,
        ),
    )
    b.touch("department", department, position)


@on(ObjectProblems.Created.TOPIC)
def problems_opened(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    b.remember(stream, "object_problems", s["object"])


@on(ObjectProblems.Recorded.TOPIC)
def problem_recorded(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    obj, _ = b.ident(stream)
    b.execute(
        "INSERT OR REPLACE INTO problems VALUES (?,?,?,?,?,?,?,?)",
        (
            obj,
            s["kind"],
            s["occurred_on"],
            s["department"],
            s["item"],
            s["reference"],
            s["description"],
            position,
        ),
    )
    b.touch("object", obj, position)
