"""The office's supervision from the command line (issue 12 part 4: R10.2, R10.3, R10.6)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ledger.clock import china_today
from ledger.config import Settings
from tests.support.cli import ok, run


@pytest.fixture
def county(sqlite_settings: Settings, tmp_path: Path) -> tuple[Settings, dict[str, str]]:
    s = sqlite_settings
    ok(s, "init")
    office = str(s.keys_dir / "office.key")
    keys = {"office": office}
    code, name = "SWJ", "国家税务总局安岳县税务局"
    ok(s, "department", "register", "--key", office, code, "--name", name, "--kind", "tax")
    key = tmp_path / f"{code}.key"
    ok(s, "keygen", str(key), "--label", name)
    ok(
        s,
        "key",
        "register",
        "--key",
        office,
        "--public-key",
        str(key.with_suffix(".pub")),
        "--holder",
        name,
        "--role",
        "department",
        "--organisation",
        code,
    )
    keys[code] = str(key)
    return s, keys


def test_r10_2_notice_issue_rectify_and_list(county: tuple[Settings, dict[str, str]]) -> None:
    s, keys = county
    today = china_today()
    due = (today + dt.timedelta(days=10)).isoformat()
    issued = ok(
        s,
        "notice",
        "issue",
        "--key",
        keys["office"],
        "TB-2026-01",
        "--department",
        "SWJ",
        "--finding",
        "未按期报送季度工作推进情况",
        "--rectification",
        "补报并说明原因",
        "--due",
        due,
    )
    assert "已通报" in issued.output
    listed = ok(s, "notice", "list", "--open")
    assert "TB-2026-01" in listed.output and "整改中" in listed.output
    refused = run(
        s,
        "notice",
        "rectify",
        "--key",
        keys["office"],
        "TB-2026-01",
        "--on",
        today.isoformat(),
        "--account",
        "x",
    )
    assert refused.exit_code == 2 and "needs a key with role department" in refused.output
    ok(
        s,
        "notice",
        "rectify",
        "--key",
        keys["SWJ"],
        "TB-2026-01",
        "--on",
        today.isoformat(),
        "--account",
        "已补报",
    )
    rows = json.loads(ok(s, "notice", "list", "--json").stdout)
    assert rows[0]["state"] == "rectified" and rows[0]["account"] == "已补报"
    board = json.loads(ok(s, "deadlines", "--json", "--kind", "rectification").stdout)
    assert board[0]["status"] == "met"


def test_r10_6_report_text_and_collation(
    county: tuple[Settings, dict[str, str]], tmp_path: Path
) -> None:
    s, keys = county
    year = china_today().year
    summary = tmp_path / "q1.txt"
    summary.write_text("一季度工作推进情况\n", encoding="utf-8")
    ok(
        s,
        "report",
        "submit",
        "--key",
        keys["SWJ"],
        "--kind",
        "quarterly",
        "--year",
        str(year),
        "--quarter",
        "1",
        "--summary",
        str(summary),
    )
    [listed] = json.loads(ok(s, "report", "list", "--json").stdout)
    assert listed["text"] == "一季度工作推进情况"
    # R10.6: a report of any type is stored as its bytes and comes back identical.
    pdf = tmp_path / "q2.pdf"
    content = b"%PDF-1.7\n\xff\xfe\x00" + bytes(range(256)) + b"%%EOF"
    pdf.write_bytes(content)
    submit = ("report", "submit", "--key", keys["SWJ"], "--kind", "quarterly", "--year")
    ok(s, *submit, str(year), "--quarter", "2", "--summary", str(pdf))
    listed = {r["period"]: r for r in json.loads(ok(s, "report", "list", "--json").stdout)}
    assert listed[f"{year}-Q2"]["media_type"] == "application/pdf"
    assert listed[f"{year}-Q2"]["size"] == len(content)
    out = tmp_path / "back.pdf"
    fetch = ("report", "file", "--department", "SWJ", "--kind", "quarterly", "--year", str(year))
    written = ok(s, *fetch, "--quarter", "2", "--output", str(out))
    assert out.read_bytes() == content and "与报告一致" in written.output
    # no extension, not UTF-8: recorded as application/octet-stream, with --media-type as given
    odd = tmp_path / "q3"
    odd.write_bytes(b"\xff\xfe\x00")
    ok(s, *submit, str(year), "--quarter", "3", "--summary", str(odd))
    ok(s, *fetch, "--quarter", "3", "--output", str(out))
    assert out.read_bytes() == b"\xff\xfe\x00"
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ok(s, *submit, str(year), "--quarter", "4", "--summary", str(odd), "--media-type", docx)
    listed = {r["period"]: r for r in json.loads(ok(s, "report", "list", "--json").stdout)}
    assert listed[f"{year}-Q3"]["media_type"] == "application/octet-stream"
    assert listed[f"{year}-Q4"]["media_type"] == docx
    # over the size limit: refused before anything is signed
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.truncate(8 * 1024 * 1024 + 1)
    refused = run(
        s,
        "report",
        "submit",
        "--key",
        keys["SWJ"],
        "--kind",
        "annual",
        "--year",
        str(year),
        "--summary",
        str(big),
    )
    assert refused.exit_code == 2 and "8388608" in refused.output and "最大" in refused.output
    assert str(year) not in {
        r["period"] for r in json.loads(ok(s, "report", "list", "--json").stdout)
    }
    missing_report = run(s, *fetch, "--quarter", "1", "--output", "-")
    assert (
        missing_report.exit_code == 0
        and missing_report.stdout_bytes.strip() == "一季度工作推进情况".encode()
    )
    none = run(
        s,
        "report",
        "file",
        "--department",
        "SWJ",
        "--kind",
        "annual",
        "--year",
        str(year),
        "--output",
        str(out),
    )
    assert none.exit_code != 0 and "未报送" in none.output
    draft = json.loads(ok(s, "report", "collate", "--year", str(year), "--quarter", "1").stdout)
    assert draft["reported"] == 1 and draft["departments"][0]["department"] == "SWJ"
    missing = run(
        s, "report", "collate", "--year", str(year), "--quarter", "1", "--key", keys["office"]
    )
    assert missing.exit_code == 2 and "--sent-on" in missing.output
    sent = ok(
        s,
        "report",
        "collate",
        "--year",
        str(year),
        "--quarter",
        "1",
        "--key",
        keys["office"],
        "--sent-on",
        china_today().isoformat(),
    )
    assert "汇总材料已报送" in sent.output
    [recorded] = json.loads(ok(s, "report", "collations", "--json").stdout)
    assert recorded["period"] == f"{year}-Q1" and recorded["content"]["reported"] == 1


def test_r10_3_worklist_from_the_command_line(county: tuple[Settings, dict[str, str]]) -> None:
    s, keys = county
    ok(s, "department", "add-section", "--key", keys["SWJ"], "SWJ", "征收管理股")
    due = (china_today() + dt.timedelta(days=5)).isoformat()
    ok(
        s,
        "worklist",
        "assign",
        "--key",
        keys["SWJ"],
        "W-1",
        "--title",
        "补报季度进展",
        "--section",
        "征收管理股",
        "--due",
        due,
    )
    assert "补报季度进展" in ok(s, "worklist", "list").output
    refused = run(
        s,
        "worklist",
        "assign",
        "--key",
        keys["SWJ"],
        "W-2",
        "--title",
        "x",
        "--section",
        "无此股室",
        "--due",
        due,
    )
    assert refused.exit_code == 2 and "股室" in refused.output
    ok(s, "worklist", "complete", "--key", keys["SWJ"], "W-1", "--on", china_today().isoformat())
    [entry] = json.loads(ok(s, "worklist", "list", "--json").stdout)
    assert entry["done_on"] == china_today().isoformat()


def test_r4_1_import_objects_lists_warnings_until_confirmed(
    county: tuple[Settings, dict[str, str]], tmp_path: Path
) -> None:
    from ledger.areas.directory.uscc import make_uscc, organisation_check

    s, keys = county
    code = make_uscc("92512021MA000001" + organisation_check("MA000001"))
    sheet = tmp_path / "objects.csv"
    sheet.write_text(
        "统一社会信用代码或编号,名称,类型,乡镇,监管部门,信用风险分类\n"
        f"{code},岳阳镇某某经营部,企业,岳阳镇,SWJ,B\n",
        encoding="utf-8",
    )
    refused = run(s, "import", "objects", "--key", keys["SWJ"], str(sheet))
    assert refused.exit_code == 2 and "--confirm-warnings" in refused.output
    assert "row 1" in refused.output and "个体工商户" in refused.output
    done = ok(s, "import", "objects", "--key", keys["SWJ"], str(sheet), "--confirm-warnings")
    assert "imported 1 objects" in done.output
    zeros = tmp_path / "zeros.csv"
    zeros.write_text(
        "统一社会信用代码或编号,名称,类型,乡镇,监管部门,信用风险分类\n"
        "000000000000000000,无名,企业,岳阳镇,SWJ,B\n",
        encoding="utf-8",
    )
    bad = run(s, "import", "objects", "--key", keys["SWJ"], str(zeros), "--confirm-warnings")
    assert bad.exit_code == 2 and "all zeros" in bad.output


def test_r8_2_body_oversee_names_the_delegation_it_is_of(
    county: tuple[Settings, dict[str, str]],
) -> None:
    """R8.2 from the command line: the delegation is named by four options together; a
    delegation the log does not hold is refused with the rule, nothing written."""
    s, keys = county
    ok(
        s,
        "body",
        "register",
        "--key",
        keys["office"],
        "SCSJY",
        "--name",
        "四川省食品检验研究院",
        "--qualification",
        "CMA 192300000000",
        "--service",
        "testing",
        "--scope",
        "食品",
        "--valid-from",
        "2024-01-01",
        "--valid-until",
        "2099-12-31",
    )
    oversee = ("body", "oversee", "--key", keys["SWJ"], "SCSJY", "--kind", "supervision")
    day = ("--on", china_today().isoformat(), "--finding", "抽查原始记录")
    partial = run(s, *oversee, *day, "--basis", "case", "--item", "SWJ:SW-001")
    assert partial.exit_code == 2 and "--reference" in partial.output and "缺少" in partial.output
    cited = ("--basis", "case", "--reference", "TS-1", "--object", "X1", "--item", "SWJ:SW-001")
    refused = run(s, *oversee, *day, *cited)
    assert refused.exit_code != 0 and "R8.2" in refused.output and "没有委托给" in refused.output
    [listed] = json.loads(ok(s, "body", "list", "--json").stdout)
    assert listed["records"] == []


def test_r10_2_report_appraisal_prints_records_and_lists(
    county: tuple[Settings, dict[str, str]],
) -> None:
    """R10.2 from the command line: the appraisal input with department names in Chinese,
    as JSON, recorded by the office as sent (the ledger recomputes it), then listed."""
    s, keys = county
    year = str(china_today().year)
    shown = ok(s, "report", "appraisal", "--year", year)
    assert "SWJ 国家税务总局安岳县税务局" in shown.output
    assert "年度抽查计划" in shown.output and "annual plan" in shown.output
    data = json.loads(ok(s, "report", "appraisal", "--year", year, "--json").stdout)
    assert [d["name"] for d in data["departments"]] == ["国家税务总局安岳县税务局"]
    today = ("--today", china_today().isoformat())
    mixed = run(s, "report", "appraisal", "--year", year, "--key", keys["office"], *today)
    assert mixed.exit_code == 2 and "--today" in mixed.output
    sent = ok(
        s,
        "report",
        "appraisal",
        "--year",
        year,
        "--key",
        keys["office"],
        "--sent-on",
        china_today().isoformat(),
    )
    assert "绩效考核材料已记录" in sent.output
    [recorded] = json.loads(ok(s, "report", "appraisals", "--json").stdout)
    assert (
        recorded["year"] == int(year)
        and recorded["content"]["departments"][0]["department"] == "SWJ"
    )
    again = run(
        s, "report", "appraisal", "--year", year, "--key", keys["office"], "--sent-on", today[1]
    )
    assert again.exit_code != 0 and "已报送" in again.output
