"""The demo county exercises the issue-12 measures (R10.4 first): built small, then read
back through the CLI as an official would."""

from __future__ import annotations

import json
import sqlite3
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest

from ledger.config import Settings
from tests.support.cli import ok, run
from tools.demo import (
    APPRAISAL_RECIPIENT,
    JOINT_STANDARDS,
    PROVINCIAL_JOINT_LIST,
    THIRD_PARTY_REPORT,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(home=tmp_path_factory.mktemp("demo") / "home")
    ok(settings, "demo", "--objects", "5000")
    return settings


def test_a_defect_versus_a_real_accountability_case(demo: Settings) -> None:
    """R10.4: the 随意检查 stays a defect; the incident after a clean check opens the
    analysis, the department assesses under its rules, the discipline inspector settles
    it as accountable."""
    problems = json.loads(ok(demo, "trail", "--department", "SCJGJ", "--json").stdout)
    assert any(e.get("action") == "review.problem" for e in problems)
    arbitrary = json.loads(ok(demo, "review", "show", "--person", "WJJ-001", "--json").stdout)
    (person,) = arbitrary["verdicts"]
    assert ("R1.1", "basis") in {(d["r"], d["rule"]) for d in person["defects"]}
    # The demo's keys are fresh each build, so the draw (and whether WJJ-001 also sat on
    # the team of the object with the incident) differs: a defect, or that analysis.
    assert person["verdict"] == ("analysis" if person["analysis"] else "defect")
    assert person["verdict"] != "accountable"
    with sqlite3.connect(Path(demo.home) / "projections.sqlite3") as db:
        (obj,) = db.execute("SELECT object FROM problems WHERE kind = 'incident'").fetchone()
    review = json.loads(ok(demo, "review", "show", "--object", obj, "--json").stdout)
    settled = [v for v in review["verdicts"] if v["settled"]]
    assert [v["verdict"] for v in settled] == ["accountable"]
    analysis = settled[0]["analysis"]
    assert analysis["status"] == "settled" and analysis["rules"]["version"] == 1
    assert analysis["factors"]["method"]["assessed"]["finding"] == "unfavourable"
    assert "defect" in {v["verdict"] for v in review["verdicts"]}  # the department's lapses


def test_a_penalty_feeds_the_next_years_directed_stratum(demo: Settings) -> None:
    """R5.3, R5.4: the 2026 penalty case is on the object's record, and the 2027 task's
    commitment counts the object in its directed stratum (定向抽查)."""
    from ledger.bootstrap import open_ledger
    from ledger.draw.eligibility import task_spec
    from ledger.draw.snapshot import snapshot
    from ledger.draw.world import SNAPSHOT_TOPICS, fold
    from projections.read import directory
    from projections.store import Store

    ok(demo, "projections", "update")  # read straight from the file: bring it up to date
    store = Store(Path(demo.home) / "projections.sqlite3")
    try:
        penalised = [
            row[0]
            for row in store.db.execute(
                "SELECT object FROM credit_record WHERE kind = 'penalty_case'"
            ).fetchall()
        ]
        records = [directory.object_record(store.db, obj) for obj in penalised]
    finally:
        store.close()
    assert penalised  # at least the complaint case's (TS-2026-0815)
    for record in records:
        assert record is not None and record["penalties"]
        kinds = [e["kind"] for e in record["credit_record"]]
        assert "violation" in kinds and "penalty_case" in kinds
    shown = json.loads(ok(demo, "draw", "show", "T-2027-001/1").stdout)
    commitment = shown["commitment"]
    assert commitment["algorithm"] == "shuangsui-draw-v3"
    ledger = open_ledger(demo, read_only=True)
    try:
        world = fold(ledger.topic_events(SNAPSHOT_TOPICS))
    finally:
        ledger.close()
    snap = snapshot(world, task_spec(world, "T-2027-001"), commitment)
    assert snap.summary() == commitment["snapshot"]
    eligible = {i for members in snap.strata.values() for i, _ in members}
    # The complaint case's object (supervised by SCJGJ) at least; an object penalised by
    # another department that SCJGJ does not supervise is not eligible for its task.
    assert set(penalised) & eligible
    assert set(penalised) & eligible <= {i for i, _ in snap.strata["directed"]}
    assert "inputs verified" in ok(demo, "verify-draw", "T-2027-001/1").stdout


def test_chinese_input_and_a_concentrated_industry_made_directed(demo: Settings) -> None:
    """Issue 12 §7 and R5.3, R5.2 in the demo: its item lists and its 2027 plan are files
    in Chinese terms (实地核查, 重点检查事项, 企业 ...) read as the CLI reads them -- the
    ledger holds the codes; three verified complaints make 食品制造业 an industry with
    concentrated violations (违法违规行为相对集中的行业), whose objects the 2027 draw puts in
    its directed stratum (定向抽查); the 2027 task takes its plan entry's ratio table."""
    from ledger import formats
    from ledger.bootstrap import open_ledger
    from ledger.draw.eligibility import task_spec
    from ledger.draw.world import SNAPSHOT_TOPICS, fold

    files = Path(demo.home) / "demo"
    items_file = json.loads((files / "items-SCJGJ.json").read_text(encoding="utf-8"))
    assert {"实地核查", "重点检查事项", "企业"} <= {v for row in items_file for v in row.values()}
    plan_file = json.loads((files / "plan-2027-SCJGJ.json").read_text(encoding="utf-8"))
    assert plan_file["scope"]["kinds"] == ["企业"]
    listed = json.loads(ok(demo, "items", "show", "SCJGJ").stdout)["versions"][0]["items"]
    assert {r["method"] for r in listed} == {"on_site"}
    assert {r["object_type"] for r in listed} == {"enterprise"}
    assert {r["category"] for r in listed} <= {"general", "key"}
    version = json.loads(ok(demo, "plans", "show", "SCJGJ", "2027").stdout)["versions"][0]
    plan = version["plan"]
    assert plan["scope"]["kinds"] == ["enterprise"] and version["reason"] == "enact"
    commitment = json.loads(ok(demo, "draw", "show", "T-2027-001/1").stdout)["commitment"]
    assert commitment["snapshot"]["concentrated_industries"] == ["食品制造业"]
    ledger = open_ledger(demo, read_only=True)
    try:
        world = fold(ledger.topic_events(SNAPSHOT_TOPICS))
        format_4 = formats.since(ledger, 4)
    finally:
        ledger.close()
    spec = task_spec(world, "T-2027-001")
    assert spec["plan"] == "SCJGJ/2027"
    if format_4:  # the task took its plan entry's ratio table; the class follows the record
        assert plan["ratio_table"] and spec["ratios"] == {}
        assert commitment["task_spec"]["ratio_table"] == plan["ratio_table"]
        assert commitment["credit_rules"] == "shuangsui-credit-v1"
    from ledger.draw.snapshot import snapshot

    strata = snapshot(world, spec, commitment).strata
    objects = world.directory.objects
    food = {i for m in strata.values() for i, _ in m if objects[i][2] == "食品制造业"}
    assert food and food <= {i for i, _ in strata["directed"]}


def test_a_joint_visit_with_a_health_item_left_unchecked_and_overdue(demo: Settings) -> None:
    """R6.1, R6.6, R7.3 (issue 12.1): the 2026 joint task's visits carry checklists; the
    health bureau's item left unchecked on a joint visit is overdue on the deadline board
    with object, item and department names, and its checklist shows it; the health
    bureau's inspectors went only to objects whose checklist holds its item."""
    board = json.loads(
        ok(demo, "deadlines", "--kind", "obligation", "--status", "overdue", "--json").stdout
    )
    health = [d for d in board if d["department"] == "WJJ"]
    assert health, board
    overdue = health[0]
    assert "公共场所卫生检查" in overdue["about"] and "安岳县卫生健康局" in overdue["about"]
    task_draw, obj, item = overdue["subject"].split("|")
    assert (task_draw, item) == ("T-2026-001/1", "WJJ:WJ-GG-001")
    listed = json.loads(
        ok(demo, "inspection", "checklist", "--draw", task_draw, "--object", obj, "--json").stdout
    )
    statuses = {i["item"]: i["status"] for i in listed["items"]}
    assert statuses == {"SCJGJ:SCJG-SP-001": "checked", "WJJ:WJ-GG-001": "overdue"}
    table = ok(demo, "inspection", "checklist", "--draw", task_draw, "--object", obj).stdout
    assert "逾期未查" in table and "安岳县卫生健康局" in table
    excused = json.loads(ok(demo, "deadlines", "--kind", "obligation", "--json").stdout)
    assert any("excused" in (d["about"] or "") for d in excused)
    drawn = json.loads(ok(demo, "draw", "show", task_draw).stdout)["performed"]["assignments"]
    for assignment in drawn:
        health_sent = any(p.startswith("WJJ-") for p in assignment["team"])
        assert health_sent == ("WJJ:WJ-GG-001" in assignment["checklist"])
    review = json.loads(ok(demo, "review", "show", "--department", "WJJ", "--json").stdout)
    (wjj,) = [v for v in review["verdicts"] if v["party"] == "WJJ"]
    assert "visited" in {d["rule"] for d in wjj["defects"]}


def test_the_excuse_from_the_cli_is_refused_for_a_checked_item(demo: Settings) -> None:
    """R6.1 through the CLI: a checked item is not excused -- exit status 2, a bilingual
    message, nothing written; an object not drawn has no checklist."""
    board = json.loads(ok(demo, "deadlines", "--kind", "obligation", "--json").stdout)
    done = next(d for d in board if d["department"] == "SCJGJ" and d["status"] == "met")
    task_draw, obj, item = done["subject"].split("|")
    before = json.loads(ok(demo, "status", "--json").stdout)
    key = str(Path(demo.home) / "keys" / "demo" / "scjgj.key")
    args = ("--key", key, "--draw", task_draw, "--object", obj, "--item", item)
    refused = run(demo, "inspection", "excuse", *args, "--on", "2026-10-22", "--reason", "x")
    assert refused.exit_code == 2, refused.output
    assert "已于" in refused.output and "was checked on" in refused.output
    assert json.loads(ok(demo, "status", "--json").stdout) == before
    missing = run(demo, "inspection", "checklist", "--draw", task_draw, "--object", "NOPE")
    assert missing.exit_code != 0 and "was not drawn" in missing.output


def test_the_credit_record_of_an_object_from_the_cli(demo: Settings) -> None:
    """R5.1, R5.4 (记于市场主体名下): ``credit record OBJECT`` prints what the log records
    under the object's name -- the complaint case's violation and its penalty case --
    with the department's and the item's names, in Chinese and English; --json and --csv
    give the rows; an object not in the directory is a clear error (exit status 2)."""
    ok(demo, "projections", "update")  # read straight from the file: bring it up to date
    with sqlite3.connect(Path(demo.home) / "projections.sqlite3") as db:
        (obj,) = db.execute(
            "SELECT object FROM credit_record WHERE kind = 'penalty_case' "
            "AND basis = 'case:TS-2026-0815'"
        ).fetchone()
    table = ok(demo, "credit", "record", obj).stdout
    assert "信用记录" in table and "credit record of" in table
    assert "立案处罚 penalty_case" in table and "查实违法违规 violation" in table
    assert "安岳县市场监督管理局" in table and "SCJGJ:SCJG-SP-001（" in table
    english = ok(demo, "--lang", "en", "credit", "record", obj).stdout
    assert "credit record of" in english and "信用记录" not in english
    document = json.loads(ok(demo, "credit", "record", obj, "--json").stdout)
    assert document["object"] == obj
    assert run(demo, "credit", "record", obj, "--on", "soon").exit_code == 2
    from ledger import formats

    if formats.CURRENT >= 4:  # the demo's ledger is of the current format
        # R5.1: the penalty case makes the class a draw uses D; spent after 3 years.
        assert document["draw_class"] == "D"
        assert ("抽取按信用风险分类 D 计" in table) == (document["credit_class"] != "D")
        on = ("--on", "2030-01-01")
        later = json.loads(ok(demo, "credit", "record", obj, "--json", *on).stdout)
        assert later["draw_class"] == later["credit_class"]
    else:
        assert "draw_class" not in document
    kinds = {e["kind"]: e for e in document["entries"]}
    assert kinds["penalty_case"]["department_name"] == "安岳县市场监督管理局"
    assert kinds["violation"]["item_name"]
    csv_lines = ok(demo, "credit", "record", obj, "--csv").stdout.splitlines()
    assert csv_lines[0].startswith("day,kind,kind_name,department,department_name,item")
    assert len(csv_lines) == 1 + len(document["entries"])
    missing = run(demo, "credit", "record", "91000000000000000X")
    assert missing.exit_code == 2 and "no object 91000000000000000X" in missing.output
    assert run(demo, "credit", "record", "--help").output.count("Example") == 1


def test_the_third_party_test_report_is_listed_with_names(demo: Settings) -> None:
    """R8.1, R8.2 (issue 12 §6, demo): ``body list`` shows the body with its services'
    names, the case check that delegated testing to it -- the service, the digest of the
    report it adopted, the result, each with its name -- and the department's evaluation
    citing that delegation."""
    [body] = json.loads(ok(demo, "body", "list", "--json").stdout)
    assert body["name"] == "资阳市食品药品检验检测中心"
    assert body["services"] == ["testing"] and body["services_names"] == ["检验检测"]
    [check] = body["delegated_checks"]
    assert check["service"] == "testing" and check["service_name"] == "检验检测"
    assert check["conclusion_sha256"] == sha256(THIRD_PARTY_REPORT.encode()).hexdigest()
    assert check["result"] == "no_problem" and check["result_name"] == "未发现问题"
    assert check["department_name"] == "安岳县市场监督管理局"
    assert check["evaluated_on"] == ["2026-11-26"]
    [evaluation] = body["records"]
    assert evaluation["kind"] == "evaluation" and evaluation["delegation"]["object"]
    csv_head = ok(demo, "body", "list", "--csv").stdout.splitlines()[0]
    assert csv_head.startswith("body,name")


def test_the_joint_list_follows_the_provincial_one(demo: Settings) -> None:
    """R3.5, R3.6 (demo): the office's joint list names the Sichuan provincial list it
    follows and its work rules; the joint task's items are on it."""
    joint = json.loads(ok(demo, "items", "show", "JOINT").stdout)
    [version] = joint["versions"]
    assert version["follows"] == PROVINCIAL_JOINT_LIST
    assert version["standards"] == JOINT_STANDARDS
    listed = {i["code"] for i in version["items"]}
    task = json.loads(ok(demo, "task", "show", "T-2026-001").stdout)
    items = {f"{i['department']}:{i['code']}" for i in task["items"]}
    assert items == {"SCJGJ:SCJG-SP-001", "WJJ:WJ-GG-001"} and items <= listed


def unnamed(value: Any) -> Any:
    """``value`` without the names a listing adds beside codes (``<key>_name`` ...)."""
    if isinstance(value, dict):
        return {
            k: unnamed(v) for k, v in value.items() if not k.endswith(("_name", "_names", "_zh"))
        }
    if isinstance(value, list):
        return [unnamed(v) for v in value]
    return value


def test_the_appraisal_input_is_recorded_as_the_log_gives_it(demo: Settings) -> None:
    """R10.2 (demo): the office's 2026 appraisal input is recorded as sent, and is what
    the log gives that day, per member department with its name."""
    [sent] = json.loads(ok(demo, "report", "appraisals", "--json").stdout)
    assert sent["year"] == 2026 and sent["recipient"] == APPRAISAL_RECIPIENT
    assert sent["sent_on"] == "2026-11-27"
    computed = ok(demo, "report", "appraisal", "--year", "2026", "--today", "2026-11-27", "--json")
    assert unnamed(sent["content"]) == unnamed(json.loads(computed.stdout))
    names = {d["department"]: d["name"] for d in sent["content"]["departments"]}
    assert names["SCJGJ"] == "安岳县市场监督管理局"


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_notice_rows() -> list[list[str]]:
    """The README's table of the demo's notices (通报), cell by cell."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| 通报 notice |") :].split("\n\n", 1)[0].splitlines()
    return [[c.strip() for c in line.strip("|").split("|")] for line in table[2:]]


def test_a_notice_with_its_rectification_named_as_the_readme_shows(demo: Settings) -> None:
    """R10.2 (issue 12 §4, §7): the demo's office names a unit in a notice (通报批评) that
    the unit records as rectified (整改) before its due date, another left open past it;
    the listing, the board and the README's table show the units by name."""
    listed = json.loads(ok(demo, "notice", "list", "--json", "--today", "2026-11-28").stdout)
    by_notice = {n["notice"]: n for n in listed}
    rectified = by_notice["TB-2026-03"]
    assert rectified["state"] == "rectified" and rectified["state_zh"] == "已整改"
    assert rectified["done_on"] <= rectified["due"] and rectified["account"]
    assert (
        by_notice["TB-2026-04"]["state"] == "overdue" and by_notice["TB-2026-04"]["account"] is None
    )
    rows = readme_notice_rows()
    assert [r[0] for r in rows] == sorted(by_notice)
    for notice, unit, due, state, rectification, account in rows:
        shown = by_notice[notice]
        assert unit == f"{shown['department']} {shown['department_name']}"
        assert (due, rectification) == (shown["due"], shown["rectification"])
        assert state == f"{shown['state_zh']} {shown['state']}"
        assert account == (shown["account"] or "—")
    table = ok(demo, "notice", "list", "--today", "2026-11-28").stdout
    assert "SSTHJJ 资阳市安岳生态环境局" in table and "已整改 rectified" in table
    board = ok(demo, "deadlines", "--kind", "rectification", "--today", "2026-11-28").stdout
    (met,) = [line for line in board.splitlines() if "TB-2026-03" in line]
    assert "SSTHJJ 资阳市安岳生态环境局" in met and met.startswith("按时完成")
    assert "2026-11-04" in met
    board_json = ok(demo, "deadlines", "--kind", "rectification", "--json", "--today", "2026-11-28")
    assert {r["department_name"] for r in json.loads(board_json.stdout)} == {
        "资阳市安岳生态环境局",
        "安岳县卫生健康局",
    }


def test_the_complaints_column_reads_as_the_source_words_it() -> None:
    """§7: 查实投诉举报次数 (the source's words), never 核实投诉次数, except where the
    importer still reads that older header."""
    assert "核实投诉次数" not in README.read_text(encoding="utf-8").replace(
        "the older header 核实投诉次数 is still read", ""
    )
    from ledger.areas.directory.columns import OBJECT_COLUMNS

    complaints = next(c for c in OBJECT_COLUMNS.columns if c.name == "complaints")
    assert complaints.alias == "查实投诉举报次数" and complaints.former == ("核实投诉次数",)


def test_exports_name_every_kind_status_and_verdict(demo: Settings, tmp_path: Path) -> None:
    """§7 (R10.2, R10.4): the demo's board and duty review exported as CSV show each
    deadline's kind and status and each verdict in Chinese -- the notice's 整改, the task
    ledger's work items, a defect, the analysis -- never the code (the exports once kept
    their own shorter tables and showed ``rectification`` and ``defect`` bare)."""
    import csv

    from api.exports import KINDS, STATUS, VERDICTS

    board = tmp_path / "board.csv"
    ok(demo, "deadlines", "--today", "2026-11-28", "--export", str(board))
    with board.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    kinds = {r["时限事项"] for r in rows}
    assert KINDS["rectification"] in kinds and not kinds & set(KINDS)
    assert {r["状态"] for r in rows} <= set(STATUS.values())
    verdicts: set[str] = set()
    # SCJGJ's review holds the analysis (a problem after its checks, its own department
    # among the parties), WJJ's the defects
    for department in ("SCJGJ", "WJJ"):
        reviews = tmp_path / f"reviews-{department}.csv"
        ok(demo, "review", "show", "--department", department, "--export", str(reviews))
        with reviews.open(encoding="utf-8-sig", newline="") as f:
            verdicts |= {r["结论"] for r in csv.DictReader(f)}
    assert {VERDICTS["defect"], VERDICTS["analysis"]} <= verdicts
    assert verdicts <= set(VERDICTS.values())
