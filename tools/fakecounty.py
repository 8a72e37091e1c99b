"""The demo county's generated names and data: Anyue County (安岳县, division code
512021), its departments, item lists, inspectors and a directory of made-up entities.

Used by ``shuangsui demo`` (``tools/demo.py``), the tests and the benchmarks; never by
the ledger itself. Invariants: every value is valid input for the ledger's commands and
import files, and the same seed (or random generator state) always gives the same data
-- :func:`write_generated_objects` the same bytes -- so tests and benchmarks can rely on
it.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ledger.areas.directory.columns import OBJECT_COLUMNS, OBJECT_KINDS, OBJECT_STATUSES
from ledger.areas.directory.uscc import ALPHABET, make_uscc, organisation_check

# --- the object directory -----------------------------------------------------------

#: Towns (镇) of Anyue County (安岳县, division code 512021), for generated data.
ANYUE_TOWNSHIPS = (
    "岳阳镇", "石桥铺镇", "通贤镇", "龙台镇", "兴隆镇", "周礼镇", "李家镇", "镇子镇",
    "文化镇", "卧佛镇", "鸳大镇", "乾龙镇", "长河源镇", "石羊镇", "天林镇", "永清镇",
    "两板桥镇", "护建镇", "毛家镇",
)  # fmt: skip
_BRANDS = "鑫源 华兴 蜀丰 柠都 普州 佳和 永盛 恒达 宏远 圆觉 玄妙 金岳 德润 福临".split()
_TRADES = (  # (name part, industry, business scope)
    ("商贸", "批发业", "日用百货、预包装食品销售"),
    ("食品", "食品制造业", "糕点、薯类食品生产销售"),
    ("柠檬科技", "农副食品加工业", "柠檬种植、初加工及销售"),
    ("建材", "建筑装饰业", "建筑材料销售"),
    ("餐饮管理", "餐饮业", "餐饮服务"),
    ("药房", "零售业", "药品、医疗器械零售"),
    ("汽车修理", "机动车维修", "机动车维修、配件销售"),
    ("石刻艺术", "工艺美术品制造", "石雕工艺品制作销售"),
)
_SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗"
_SHOPS = ("餐馆", "超市", "理发店", "五金店", "面馆", "副食店", "农资店")
_CROPS = ("柠檬", "红薯", "生猪", "蔬菜", "柑橘", "中药材")
# kind -> (id prefix, name ending)
_OTHER_KINDS = {
    "product": ("CP", "抽检批次"),
    "project": ("XM", "建设项目"),
    "behaviour": ("XW", "经营行为"),
}
# Weighted draws as one uniform choice each (random.choices costs several times more).
_CREDIT_CLASSES = "A" * 6 + "B" * 10 + "C" * 3 + "D"  # about 30/50/15/5 %
_PENALTY_COUNTS = (0,) * 29 + (1,) * 3 + (2,)
_COMPLAINTS = ("", "", "0", "0", "0", "1", "2", "5")
_SEQUENCES = 31**6


def _entity_code(kind_digit: str, index: int, offset: int) -> str:
    # index -> 6 code characters by a bijection mod 31**6 (the multiplier is prime to
    # 31): unique for every index, and random-looking rather than consecutive; then the
    # embedded organisation code's own check character (GB 11714), so the code is sound
    # in its structure as well as in its own check character.
    number = (index * 7_919_077_981 + offset) % _SEQUENCES
    characters = ""
    for _ in range(6):
        number, rest = divmod(number, 31)
        characters += ALPHABET[rest]
    body = f"MA{characters}"
    return make_uscc(f"9{kind_digit}512021{body}{organisation_check(body)}")


def write_generated_objects(
    path: str | Path,
    count: int,
    *,
    seed: int = 0,
    departments: Sequence[str] = ("SCJGJ",),
    townships: Sequence[str] = ANYUE_TOWNSHIPS,
    chinese: bool = False,
) -> None:
    """Write a CSV of ``count`` valid, varied objects with unique ids, row by row.

    About 55% enterprises, 30% individual businesses, 7% co-operatives (USCCs of
    Anyue, 512021) and 8% products, projects and behaviours; credit classes A/B/C/D
    about 30/50/15/5%; some penalties, complaints and closed objects. The same seed
    gives the same bytes. With ``chinese`` the headers and the kind and status values
    are Chinese, as a Chinese user's file would be.
    """
    rng = random.Random(seed)
    offset = rng.randrange(_SEQUENCES)
    first_day = date(2019, 1, 1).toordinal()
    other_kinds = list(_OTHER_KINDS)
    with Path(path).open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([c.alias if chinese else c.name for c in OBJECT_COLUMNS])
        for index in range(count):
            town = rng.choice(townships)
            trade, industry, scope = rng.choice(_TRADES)
            draw = rng.random()
            if draw < 0.55:
                kind, code = "enterprise", _entity_code("1", index, offset)
                name = f"安岳县{rng.choice(_BRANDS)}{trade}有限公司"
            elif draw < 0.85:
                kind, code = "individual", _entity_code("2", index, offset)
                name = f"安岳县{town}{rng.choice(_SURNAMES)}记{rng.choice(_SHOPS)}"
                industry, scope = "零售业", "个体经营"
            elif draw < 0.92:
                kind, code = "cooperative", _entity_code("3", index, offset)
                crop = rng.choice(_CROPS)
                name = f"安岳县{town}{crop}种植专业合作社"
                industry, scope = "农业", f"{crop}种植、销售"
            else:
                kind = rng.choice(other_kinds)
                prefix, ending = _OTHER_KINDS[kind]
                code = f"{prefix}-2024-{index:07d}"
                name = f"{town}{rng.choice(_CROPS)}{ending}"
                industry, scope = "", ""
            supervisors = [rng.choice(departments)]
            if rng.random() < 0.3:  # a joint object, supervised by two departments
                second = rng.choice(departments)
                supervisors += [second] if second != supervisors[0] else []
            days = {rng.randrange(6 * 365) for _ in range(rng.choice(_PENALTY_COUNTS))}
            penalties = [date.fromordinal(first_day + day).isoformat() for day in sorted(days)]
            status = "closed" if rng.random() < 0.05 else "active"
            writer.writerow([
                code, name, OBJECT_KINDS[kind] if chinese else kind, town, industry, scope,
                ";".join(supervisors), rng.choice(_CREDIT_CLASSES), ";".join(penalties),
                rng.choice(_COMPLAINTS), OBJECT_STATUSES[status] if chinese else status,
            ])  # fmt: skip


# --- the departments, their item lists and inspectors ---------------------------------

DEPARTMENTS: dict[str, tuple[str, str, list[str], float]] = {
    # code: (name, kind, sections, share of the directory)
    "SCJGJ": (
        "安岳县市场监督管理局",
        "market_supervision",
        ["食品生产监督管理股", "信用监督管理股", "特种设备安全监察股"],
        0.46,
    ),
    "SWJ": ("国家税务总局安岳县税务局", "tax", ["征收管理股", "税务稽查局"], 0.14),
    "SSTHJJ": ("资阳市安岳生态环境局", "ecology_environment", ["环境监察执法大队"], 0.08),
    "WJJ": ("安岳县卫生健康局", "health", ["公共卫生监督股", "医疗卫生监督股"], 0.12),
    "NYNCJ": (
        "安岳县农业农村局",
        "agriculture_rural",
        ["农产品质量安全股", "农业综合执法大队"],
        0.12,
    ),
    "YJGLJ": ("安岳县应急管理局", "emergency_management", ["安全生产执法大队"], 0.08),
}
ITEMS: dict[str, list[tuple[str, str, str, str, str | None, str]]] = {
    "SCJGJ": [
        (
            "SCJG-SP-001",
            "食品生产企业许可条件及生产过程检查",
            "《中华人民共和国食品安全法》第八十七条",
            "key",
            None,
            "high",
        ),
        (
            "SCJG-DJ-002",
            "企业公示信息检查",
            "《企业信息公示暂行条例》第十四条",
            "general",
            "0.05",
            "low",
        ),
        (
            "SCJG-TZ-003",
            "特种设备使用单位检查",
            "《中华人民共和国特种设备安全法》第五十七条",
            "general",
            "0.1",
            "medium",
        ),
    ],
    "SWJ": [
        (
            "SW-FP-001",
            "发票使用情况检查",
            "《中华人民共和国发票管理办法》第三十五条",
            "general",
            "0.03",
            "medium",
        )
    ],
    "SSTHJJ": [
        ("ST-PW-001", "排污许可执行情况检查", "《排污许可管理条例》第二十九条", "key", None, "high")
    ],
    "WJJ": [
        (
            "WJ-GG-001",
            "公共场所卫生检查",
            "《公共场所卫生管理条例》第十二条",
            "general",
            "0.1",
            "medium",
        )
    ],
    "NYNCJ": [
        ("NY-NY-001", "农药经营使用检查", "《农药管理条例》第四十九条", "general", "0.05", "medium")
    ],
    "YJGLJ": [
        (
            "YJ-AQ-001",
            "安全生产主体责任落实检查",
            "《中华人民共和国安全生产法》第六十五条",
            "general",
            "0.05",
            "high",
        )
    ],
}
# Inspectors' names. (The shop names' surnames above are the same twenty in another
# order; each order is kept, as the same seed must give the same names.)
PERSON_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
PERSON_GIVEN_NAMES = "建华明国平志军红英丽强敏静伟芳娟秀玉兰杰勇涛磊洋艳"
#: The judicial bureau approves inspector changes (R4.2); it draws up no lists or plans.
JUDICIAL: dict[str, tuple[str, str, list[str], float]] = {
    "SFJ": ("安岳县司法局", "judicial", [], 0)
}


def person_name(rng: random.Random) -> str:
    """A made-up Chinese name: a surname and two given characters."""
    return rng.choice(PERSON_SURNAMES) + "".join(rng.sample(PERSON_GIVEN_NAMES, 2))


def item_rows(department: str) -> list[dict[str, Any]]:
    """The department's item list (``ITEMS``) as the rows of an ``items.draft`` command."""
    return [
        {
            "code": c,
            "name": n,
            "legal_basis": basis,
            "object_type": "enterprise",
            "content": n + "：现场核查与资料检查",
            "method": "on_site",
            "category": category,
            "risk_grade": risk,
            **({"ratio_cap": cap} if category == "general" else {}),
        }
        for c, n, basis, category, cap, risk in ITEMS[department]
    ]


def inspector_rows(
    department: str, index: int, sections: Sequence[str], rng: random.Random
) -> list[dict[str, Any]]:
    """Eight inspector-directory rows of the department (the ``index``-th in
    ``DEPARTMENTS``): seven officers and an expert, ids ``CODE-001`` to ``CODE-008``."""
    rows = []
    for n in range(1, 9):
        officer = n <= 7
        rows.append(
            {
                "id": f"{department}-{n:03d}",
                "name": person_name(rng),
                "position": "科员" if n > 2 else "股长",
                "unit": department,
                "section": sections[n % len(sections)],
                "kind": "officer" if officer else "expert",
                "certificate": f"51200{index}{n:04d}" if officer else None,
                "certificate_from": "2024-01-01" if officer else None,
                "certificate_until": "2028-12-31" if officer else None,
                "qualifications": ["general", "key"] if officer else [],
                "expertise": [sections[n % len(sections)]] if officer else ["食品检验"],
                "region": None,
                "key_id": None,
                "conflicts": [],
            }
        )
    return rows
