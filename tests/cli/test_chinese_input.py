"""Chinese in (issue 12 §7): item, plan and task files and the CLI's options take the
Chinese names the README shows beside the codes; the name becomes the code before the
command is signed, so the ledger records codes only (R3.4's reasons included)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger import terms
from ledger.areas.bodies.events import OVERSIGHT, SERVICES
from ledger.areas.directory.events import OBJECT_KINDS
from ledger.areas.inspections.events import FOLLOW_UPS, RESULTS, TRIGGERS
from ledger.areas.inspections.events import METHODS as INSPECTION_METHODS
from ledger.areas.inspectors.events import KINDS as INSPECTOR_KINDS
from ledger.areas.items.events import CATEGORIES, METHODS, REASONS, RISK_GRADES
from ledger.areas.reviews.events import PROBLEM_KINDS
from ledger.areas.tasks.events import MATCHING
from ledger.config import Settings
from tests.support.cli import ok, run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def county(sqlite_settings: Settings, tmp_path: Path) -> tuple[Settings, dict[str, str]]:
    """A ledger with the market bureau registered and its operator's key."""
    s = sqlite_settings
    ok(s, "init")
    office = str(s.keys_dir / "office.key")
    name = "安岳县市场监督管理局"
    kind = ("--kind", "market_supervision")
    ok(s, "department", "register", "--key", office, "SCJGJ", "--name", name, *kind)
    key = tmp_path / "SCJGJ.key"
    ok(s, "keygen", str(key), "--label", name)
    public = ("--public-key", str(key.with_suffix(".pub")), "--holder", name)
    role = ("--role", "department", "--organisation", "SCJGJ")
    ok(s, "key", "register", "--key", office, *public, *role)
    return s, {"office": office, "SCJGJ": str(key)}


@pytest.mark.parametrize(
    ("vocabulary", "codes"),
    [
        ("reason", REASONS),
        ("object_kind", OBJECT_KINDS),
        ("item_method", METHODS),
        ("inspection_method", INSPECTION_METHODS),
        ("category", CATEGORIES),
        ("risk_grade", RISK_GRADES),
        ("matching", MATCHING),
        ("inspector_kind", INSPECTOR_KINDS),
        ("result", tuple(RESULTS)),
        ("trigger", TRIGGERS),
        ("follow_up", FOLLOW_UPS),
        ("problem_kind", tuple(PROBLEM_KINDS)),
        ("service", SERVICES),
        ("oversight", OVERSIGHT),
    ],
)
def test_every_code_has_a_chinese_name_and_back(vocabulary: str, codes: tuple[str, ...]) -> None:
    table = terms.TERMS[vocabulary]
    assert set(table) == set(codes)
    names = [n for code in codes for n in table[code]]
    assert len(names) == len(set(names)), "a name belongs to one code"
    for code in codes:
        assert terms.code(vocabulary, code) == code
        for shown in table[code]:
            assert terms.code(vocabulary, shown) == code
            assert terms.code(vocabulary, f" {shown} ") == code
        assert terms.name(vocabulary, code) == table[code][0] != code
    assert terms.code(vocabulary, "no-such-term") == "no-such-term"
    assert terms.code(vocabulary, 7) == 7


def test_the_reasons_as_the_source_words_them() -> None:
    """R3.4: 立改废释 by one character or the word, and 工作实际情况."""
    assert [terms.code("reason", r) for r in ("立", "修改", "废止", "释", "工作实际情况")] == [
        "enact",
        "amend",
        "repeal",
        "interpret",
        "practice",
    ]
    assert terms.labelled("category", "key") == "key（重点检查事项）"


def test_chinese_files_and_options_are_signed_as_codes(
    county: tuple[Settings, dict[str, str]],
    tmp_path: Path,
) -> None:
    s, keys = county
    items = json.loads((EXAMPLES / "items.json").read_text(encoding="utf-8"))
    chinese = {"enterprise": "企业", "individual": "个体工商户"}
    for item in items:
        item["object_type"] = chinese[item["object_type"]]
        item["method"] = {"on_site": "实地核查", "written": "书面检查"}[item["method"]]
        item["category"] = {"key": "重点检查事项", "general": "一般检查事项"}[item["category"]]
        item["risk_grade"] = {"high": "高", "medium": "中风险", "low": "低"}[item["risk_grade"]]
    path = tmp_path / "items.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    drafted = ok(s, "items", "draft", "--key", keys["SCJGJ"], "--reason", "制定", str(path))
    # Chinese out: the department's name beside its code, Chinese then English
    assert drafted.output == (
        "SCJGJ（安岳县市场监督管理局） 抽查事项清单：已起草第 1 版（3 项） / "
        "SCJGJ（安岳县市场监督管理局）: drafted version 1 (3 items)\n"
    )
    shown = json.loads(ok(s, "items", "show", "SCJGJ").stdout)["versions"][0]
    assert shown["reason"] == "enact"
    assert [
        (i["object_type"], i["method"], i["category"], i["risk_grade"]) for i in shown["items"]
    ] == [
        ("enterprise", "on_site", "key", "high"),
        ("enterprise", "written", "general", "low"),
        ("individual", "on_site", "general", "medium"),
    ]
    # R3.4: any reason on any version, in Chinese too
    ok(s, "items", "draft", "--key", keys["SCJGJ"], "--reason", "工作实际情况", str(path))
    assert json.loads(ok(s, "items", "show", "SCJGJ").stdout)["versions"][0]["reason"] == "practice"
    ok(s, "items", "publish", "--key", keys["SCJGJ"], "1")

    plan = json.loads((EXAMPLES / "plan.json").read_text(encoding="utf-8"))
    plan["scope"]["kinds"] = ["企业"]
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    ok(s, "plans", "draft", "--key", keys["SCJGJ"], "--reason", "修改", "2027", str(plan_file))
    drafted = json.loads(ok(s, "plans", "show", "SCJGJ", "2027").stdout)
    assert "修改" not in json.dumps(drafted, ensure_ascii=False)
    assert "企业" not in json.dumps(drafted["versions"], ensure_ascii=False)
    ok(s, "plans", "publish", "--key", keys["SCJGJ"], "2027", "1")

    task = json.loads((EXAMPLES / "task.json").read_text(encoding="utf-8"))
    task["scope"]["kinds"], task["matching"] = ["企业"], "分散"
    task_file = tmp_path / "task.json"
    task_file.write_text(json.dumps(task, ensure_ascii=False), encoding="utf-8")
    created_line = run(s, "--lang", "en", "task", "create", "--key", keys["SCJGJ"], str(task_file))
    assert created_line.output == "task T-2027-001 created, led by SCJGJ（安岳县市场监督管理局）\n"
    created = json.loads(ok(s, "task", "show", "T-2027-001").stdout)
    assert created["matching"] == "dispersed" and created["scope"]["kinds"] == ["enterprise"]


def test_an_unknown_term_is_refused_with_the_accepted_ones(
    county: tuple[Settings, dict[str, str]],
) -> None:
    s, keys = county
    refused = run(s, "items", "draft", "--key", keys["SCJGJ"], "--reason", "随便", "x.json")
    assert refused.exit_code == 2 and "修改" in refused.output and "enact" in refused.output


def test_the_complaints_column_reads_as_the_source_words_it(tmp_path: Path) -> None:
    """R5.3 (投诉举报多发易发且被查实): the header is 查实投诉举报次数; a file written
    with the first wording, 核实投诉次数, is still read the same."""
    from ledger.areas.directory.columns import OBJECT_COLUMNS
    from ledger.areas.directory.files import iter_rows
    from ledger.areas.directory.uscc import make_uscc

    column = next(c for c in OBJECT_COLUMNS if c.name == "complaints")
    assert column.alias == "查实投诉举报次数"
    values = {
        "id": make_uscc("91512021MA0000007"),
        "name": "安岳县柠都食品有限公司",
        "kind": "enterprise",
        "region": "岳阳镇",
        "supervisors": "SCJGJ",
        "credit_class": "B",
        "complaints": "3",
    }
    row = ",".join(values.get(c.name, "") for c in OBJECT_COLUMNS)
    now = tmp_path / "now.csv"
    now.write_text(",".join(c.alias for c in OBJECT_COLUMNS) + "\n" + row + "\n", "utf-8")
    before = tmp_path / "before.csv"
    before.write_text(now.read_text("utf-8").replace("查实投诉举报次数", "核实投诉次数"), "utf-8")
    read_now = list(iter_rows(now, OBJECT_COLUMNS))
    assert read_now == list(iter_rows(before, OBJECT_COLUMNS))
    assert read_now[0][1]["complaints"] == 3
