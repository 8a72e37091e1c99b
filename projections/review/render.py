"""The duty review as text for a terminal: Chinese labels with the English ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.areas.inspections.events import RESULTS
from ledger.areas.reviews.events import FACTOR_FINDINGS, PROBLEM_KINDS
from ledger.i18n import bilingual
from projections.review.rules import RULES
from projections.review.verdicts import VERDICTS, Review

MARKS = {"pass": "✓", "fail": "✗", "pending": "…", "judgement": "?", "n/a": "·"}


def _analysis(a: dict[str, Any], say: Callable[[Any], str]) -> list[str]:
    """The 免责/问责 analysis: the problems, the four factors, the rules cited."""
    status = {
        "open": "待部门评定 open",
        "assessed": "部门已评定 assessed",
        "settled": "已结案 settled",
    }
    lines = [f"      综合分析 analysis ({status[a['status']]}):"]
    for p in a["problems"]:
        zh = PROBLEM_KINDS.get(p["kind"], p["kind"])
        lines.append(
            f"        问题 problem: {zh} ({p['kind']}) {p['occurred_on']} {p['reference']}"
        )
    for name, factor in a["factors"].items():
        pre = factor["prefilled"]
        lines.append(
            f"        {factor['zh']} {name}: {pre['zh']} ({pre['finding']}) — {say(pre['detail'])}"
        )
        if factor["assessed"]:
            done = factor["assessed"]
            zh = FACTOR_FINDINGS[done["finding"]]
            lines.append(f"          部门评定 assessed: {zh} ({done['finding']}) — {done['note']}")
    if a["rules"]:
        r = a["rules"]
        lines.append(
            f"        依据 under: {r['department']} 《{r['title']}》 v{r['version']} "
            f"@{r['position']} (sha256 {r['sha256'][:12]}…)"
        )
    return lines


def render(result: Review, lang: str = "zh") -> str:
    """The review as text: Chinese labels with the English ids; each finding's detail in
    Chinese then English (``lang="zh"``) or English only (``"en"``)."""

    def say(message: Any) -> str:
        return bilingual(message) if lang == "zh" else str(message)

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
            lines.append(f"   {MARKS[f.status]} {f.r} {zh} [{f.rule}] {say(f.detail)}{proof}")
        lines.append("")
    lines.append("结论 verdicts:")
    for v in result.verdicts:
        label = f"{v.party}" + (f" {v.name}" if v.name else "")
        lines.append(f"  {label}: {VERDICTS[v.verdict]} ({v.verdict})")
        for d in v.defects:
            lines.append(f"      程序瑕疵 defect: {d['r']} {d['rule']}: {say(d['detail'])}")
        for rule in v.rules[len(v.defects) :]:
            lines.append(f"      - {rule}")
        if v.evidence:
            lines.append(f"      evidence positions: {', '.join(map(str, v.evidence))}")
        if v.analysis:
            lines.extend(_analysis(v.analysis, say))
        if v.settled:
            lines.append(
                f"      settled by review event @{v.settled['position']} (computed: "
                f"{v.settled['computed']}): {v.settled['reasoning']}"
            )
    return "\n".join(lines)
