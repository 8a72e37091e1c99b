"""The Chinese names of the codes the ledger records (issue 12 §7: Chinese in, Chinese out).

A file or an option may give a code (``on_site``) or its Chinese name (``实地核查``); the
README shows both. The tools layer maps a name to its code (:func:`code`) *before* the
command is signed, so the signed parameters, the events and the ledger format carry the
codes only; outputs show the names beside the codes (:func:`name`).

Invariants: each table lists every code of its vocabulary (the tables the areas already
keep are used as they are, in both directions); a code's first name is the one shown;
no name belongs to two codes of one vocabulary; a code or a name not in the table is
passed through unchanged, so the ledger's own check names what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ledger.areas.bodies.events import OVERSIGHT_NAMES, SERVICE_NAMES
from ledger.areas.directory.columns import OBJECT_KINDS, OBJECT_STATUSES
from ledger.areas.inspections.events import RESULTS
from ledger.areas.inspectors.events import KIND_NAMES as INSPECTOR_KIND_NAMES
from ledger.areas.items.events import REASON_NAMES
from ledger.areas.reviews.events import PROBLEM_KINDS


def _names(table: Mapping[str, str | tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {code: (names,) if isinstance(names, str) else names for code, names in table.items()}


#: vocabulary -> code -> its Chinese names (the first is the one shown).
TERMS: dict[str, dict[str, tuple[str, ...]]] = {
    # 立改废释 (R3.4): the one-character names, the words, and 工作实际情况.
    "reason": {
        code: (short, *words)
        for (code, short), words in zip(
            REASON_NAMES.items(),
            (("制定",), ("修改",), ("废止",), ("解释",), ()),
            strict=True,
        )
    },
    "object_kind": _names(OBJECT_KINDS),
    "object_status": _names(OBJECT_STATUSES),
    "item_method": {
        "on_site": ("实地核查",),
        "written": ("书面检查",),
        "online_monitoring": ("网络监测",),
        "delegated_testing": ("委托检验检测", "委托检测"),
    },
    "category": {"general": ("一般检查事项", "一般"), "key": ("重点检查事项", "重点")},
    "risk_grade": {"low": ("低", "低风险"), "medium": ("中", "中风险"), "high": ("高", "高风险")},
    "matching": {"grouped": ("分组",), "dispersed": ("分散",)},
    "inspector_kind": _names(INSPECTOR_KIND_NAMES),
    "result": _names(RESULTS),
    "trigger": {
        "complaint": ("投诉举报",),
        "referral": ("转办交办",),
        "data_monitoring": ("数据监测",),
    },
    "follow_up": {"penalty_case": ("立案处罚",), "judicial_referral": ("移送司法机关",)},
    "problem_kind": _names(PROBLEM_KINDS),
    "service": _names(SERVICE_NAMES),
    "oversight": _names(OVERSIGHT_NAMES),
    "report_kind": {"quarterly": ("季度报告", "季度"), "annual": ("年度总结", "年度")},
    "verdict": {"exempt": ("尽职照单免责", "免责"), "accountable": ("失职照单问责", "问责")},
}

#: Inspection methods are the item methods a check can record (no delegated testing).
TERMS["inspection_method"] = {
    k: v for k, v in TERMS["item_method"].items() if k != "delegated_testing"
}


def code(vocabulary: str, value: Any) -> Any:
    """The code of ``value`` (a code or one of its names); anything else unchanged."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    for known, names in TERMS[vocabulary].items():
        if text == known or text in names:
            return known
    return value


def codes(vocabulary: str, values: Any) -> Any:
    """:func:`code` of each value of a list; anything else unchanged."""
    if isinstance(values, list):
        return [code(vocabulary, v) for v in values]
    return values


def name(vocabulary: str, value: str) -> str:
    """The Chinese name shown for a code (the code itself when it has none)."""
    names = TERMS[vocabulary].get(value)
    return names[0] if names else value


def labelled(vocabulary: str, value: str) -> str:
    """``code（名称）``: the code with its Chinese name, for outputs."""
    shown = name(vocabulary, value)
    return value if shown == value else f"{value}（{shown}）"


def accepted(vocabulary: str) -> Iterable[str]:
    """Every code and every name of a vocabulary, codes first."""
    table = TERMS[vocabulary]
    return [*table, *(n for names in table.values() for n in names)]
