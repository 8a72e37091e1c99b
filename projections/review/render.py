"""The duty review as text for a terminal: Chinese labels with the English ids."""

from __future__ import annotations

from ledger.areas.inspections.events import RESULTS
from projections.review.rules import RULES
from projections.review.verdicts import VERDICTS, Review

MARKS = {"pass": "✓", "fail": "✗", "pending": "…", "judgement": "?", "n/a": "·"}


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
            zh = RULES[f.rule].zh
            proof = f"  @{','.join(map(str, f.evidence))}" if f.evidence else ""
            lines.append(f"   {MARKS[f.status]} {f.r} {zh} [{f.rule}] {f.detail}{proof}")
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
