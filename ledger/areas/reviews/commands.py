"""``review.settle``: a discipline inspector settles a verdict (R10.4)."""

from __future__ import annotations

from ledger.areas.ids import stream_id
from ledger.areas.reviews.events import Review
from ledger.commanding import Context, Outcome, command


@command("review.settle", "Settle a 'needs judgement' verdict (discipline inspector, R10.4).")
def settle(ctx: Context) -> Outcome:
    ctx.require_role("discipline", rule="R10.4")
    p = ctx.params
    subject_p = p.nested("subject")
    subject = (
        {
            "kind": subject_p.choice("kind", ("object", "task", "person", "department")),
            "id": subject_p.text("id", max_length=64),
        }
        if subject_p
        else {}
    )
    party = p.text("party", max_length=64)
    verdict = p.choice("verdict", ("exempt", "accountable"))
    reasoning = p.text("reasoning", max_length=4000)
    evidence = p.raw.get("evidence", [])
    if not isinstance(evidence, list) or not all(
        isinstance(e, int) and not isinstance(e, bool) and e > 0 for e in evidence
    ):
        p.fail("evidence", "must be a list of log positions")
    elif any(e > ctx.ledger.head().position for e in evidence):
        p.fail("evidence", "names a position beyond the log's head")
    p.done()
    found = ctx.ledger.find(stream_id("review", subject["kind"], subject["id"]))
    review = found if isinstance(found, Review) else Review(subject=subject)
    review.settle(party=party, verdict=verdict, reasoning=reasoning, evidence=tuple(evidence))
    return Outcome([review], {"subject": subject, "party": party, "verdict": verdict})
