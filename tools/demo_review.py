"""The demo county's duty review (R10.4): a procedural defect, and a real 问责 case.

The 随意检查 the demo records (``tools/demo.py``) stays a *defect*: nothing went wrong at
the entity, so no analysis opens and nobody is 问责. Here a drawn object the market
supervision bureau found in order has a food-safety incident weeks later: the analysis
opens for the inspectors present; the bureau records its detailed rules
(细化追责免责相关办法) and assesses the inspector who entered the result; the discipline
inspector settles the case as accountable with a signed event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.areas.inspections.events import Inspection
from ledger.ids import inspection_id

if TYPE_CHECKING:
    from tools.demo import Demo

ITEM = "SCJGJ:SCJG-SP-001"
RULES = """安岳县市场监督管理局“双随机、一公开”监管追责免责实施细则（试行）
第一条 严格依据抽查事项清单和工作要求开展检查，市场主体事后出现问题的，综合分析执法检查人员
工作态度、工作程序、工作方法和客观条件，依法依规免于追究责任。
第二条 未按清单规定的检查方式核查、检查记录不完整，致使应当发现的问题未被发现的，依法问责。
"""


def incident_after_a_clean_check(demo: Demo, task: str, assignments: list[dict[str, Any]]) -> None:
    demo.say("the duty review: an incident after a clean check, assessed and settled (R10.4)")
    for job in assignments:
        found = demo.ledger.find(inspection_id("draw", f"{task}/1", job["object"]))
        entered = found.results.get(ITEM) if isinstance(found, Inspection) else None
        if entered and entered["result"] == "no_problem":
            break
    else:
        return
    obj, person = job["object"], entered["entered_by"]
    demo.run(
        "scjgj",
        "review.rules",
        at="2026-11-02",
        version=1,
        title="安岳县市场监督管理局双随机抽查追责免责实施细则（试行）",
        text=RULES,
        effective_from="2026-11-02",
    )
    demo.run(
        "scjgj",
        "review.problem",
        at="2026-11-05",
        object=obj,
        kind="incident",
        occurred_on="2026-11-04",
        item=ITEM,
        reference="安岳县食安办〔2026〕11号",
        description="食品安全事故：进货查验记录缺失，所售食品来源不明",
    )
    subject = {"kind": "object", "id": obj}
    demo.run(
        "scjgj",
        "review.assess",
        at="2026-11-10",
        subject=subject,
        party=person,
        rules_version=1,
        factors={
            "attitude": {"finding": "favourable", "note": "按期到场检查，态度端正"},
            "procedure": {"finding": "favourable", "note": "抽取、组织、录入、公示均合规"},
            "method": {
                "finding": "unfavourable",
                "note": "仅查看证照，未按清单核查进货查验记录（细则第二条）",
            },
            "conditions": {"finding": "unfavourable", "note": "检查时问题已存在，可以发现"},
        },
    )
    demo.run(
        "jiwei",
        "review.settle",
        at="2026-11-20",
        subject=subject,
        party=person,
        verdict="accountable",
        reasoning="检查方法不当，未按清单核查进货查验记录，致使问题未被发现：失职照单问责",
        evidence=[demo.ledger.head().position],
    )
