"""Carrying out, trails, the deadline board and the duty review from the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import Result

from ledger.areas.directory.importer import import_objects
from ledger.config import Settings
from ledger.keys import write_key_file
from tests.support.cli import ok, run
from tests.support.county import County, add_people, build_county, objects
from tests.support.world import World
from tests.vectors.testkeys import fixed_key
from tools.fakecounty import write_generated_objects


def refused(settings: Settings, *args: str) -> Result:
    result = run(settings, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def county(sqlite_world: World, tmp_path: Path) -> tuple[County, dict[str, str], list[str]]:
    """A county built by commands; the key files the CLI signs with written beside it."""
    county = build_county(sqlite_world)
    add_people(county)
    source = tmp_path / "objects.csv"
    write_generated_objects(source, 30, departments=("SCJGJ",), seed=5)
    import_objects(source, "SCJGJ", county.submitter("SCJGJ"))
    settings = sqlite_world.settings
    settings.keys_dir.mkdir(parents=True, exist_ok=True)
    write_key_file(settings.ledger_key_path, fixed_key("ledger"))
    files = {}
    for name, key in county.keys.items():
        files[name] = str(write_key_file(tmp_path / f"{name}.key", key))
    return county, files, objects(county)


def test_a_case_inspection_through_the_cli(
    county: tuple[County, dict[str, str], list[str]], tmp_path: Path
) -> None:
    c, keys, ids = county
    s = c.world.settings
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    obj = ids[0]
    case = ["--case", "TS-1", "--trigger", "complaint", "--reference", "12315-1"]
    target = ["--object", obj, "--item", "SCJGJ:SC-001", *case]
    conclusion = tmp_path / "report.pdf"
    conclusion.write_bytes(b"%PDF test conclusion")
    # R8.1: the delegated body is in the register, qualified for testing that day.
    ok(
        s,
        "body",
        "register",
        "--key",
        keys["SCJGJ"],
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
    out = ok(
        s,
        "inspection",
        "record",
        "--key",
        keys["S1"],
        *target,
        "--method",
        "on_site",
        "--inspector",
        "S1",
        "--inspector",
        "S2",
        "--on",
        today,
        "--delegated",
        "testing",
        "--body",
        "SCSJY",
        "--conclusion",
        str(conclusion),
    )
    assert "recorded at position" in out.output
    # Someone not present cannot enter the result; the error names the rule, no traceback.
    bad = refused(
        s,
        "result",
        "enter",
        "--key",
        keys["S3"],
        *target,
        "--result",
        "violation",
        "--formed-on",
        today,
    )
    assert "谁检查谁录入" in bad.output
    ok(
        s,
        "result",
        "enter",
        "--key",
        keys["S2"],
        *target,
        "--result",
        "violation",
        "--details",
        "标签不规范",
        "--formed-on",
        today,
    )
    ok(s, "result", "publish", "--key", keys["SCJGJ"], *target, "--on", today)
    ok(
        s,
        "result",
        "follow-up",
        "--key",
        keys["SCJGJ"],
        *target,
        "--kind",
        "penalty_case",
        "--case-number",
        "安市监罚〔2026〕1号",
        "--on",
        today,
    )
    # Two bases at once, or none, is a usage error.
    both = refused(
        s,
        "result",
        "publish",
        "--key",
        keys["SCJGJ"],
        "--object",
        obj,
        "--item",
        "SCJGJ:SC-001",
        "--draw",
        "T/1",
        "--no-basis",
        "x",
        "--on",
        today,
    )
    assert "exactly one basis" in both.output

    trail = ok(s, "trail", "--object", obj, "--bundle", str(tmp_path / "trail.json"))
    assert "inspection.published" in trail.output and "20个工作日" in trail.output
    verified = ok(s, "verify", "--allow-unwitnessed", "--bundle", str(tmp_path / "trail.json"))
    assert "ok" in verified.output.lower()
    entries = json.loads(ok(s, "trail", "--object", obj, "--json").stdout)
    assert [e["position"] for e in entries] == sorted(e["position"] for e in entries)

    shown = ok(s, "review", "show", "--object", obj)
    assert "尽职照单免责" in shown.output and "R9.1" in shown.output
    as_json = json.loads(ok(s, "review", "show", "--object", obj, "--json").stdout)
    assert {v["verdict"] for v in as_json["verdicts"]} == {"exempt"}
    refused(s, "review", "show", "--object", obj, "--task", "T-1")
    missing = refused(s, "review", "show", "--object", "NOPE")
    assert "no object NOPE" in missing.output

    board = json.loads(ok(s, "deadlines", "--json", "--kind", "publish").stdout)
    assert [d["status"] for d in board] == ["met"]
    feed = json.loads(ok(s, "feed", "--limit", "5").stdout)
    assert feed["items"][0]["object"] == obj
    coverage = json.loads(ok(s, "coverage", "--json").stdout)
    assert any(r["item"] == "SC-001" and r["case_inspections"] == 1 for r in coverage)
    year = int(today[:4])
    progress = json.loads(ok(s, "progress", "--department", "SCJGJ", "--year", str(year)).stdout)
    assert progress["results"] == {"violation": 1} and progress["published"] == 1
    assert "rebuilt from" in ok(s, "projections", "rebuild").output
    assert "applied 0 entries" in ok(s, "projections", "update").output


def test_an_arbitrary_inspection_is_found_and_settled(
    county: tuple[County, dict[str, str], list[str]],
) -> None:
    c, keys, ids = county
    s = c.world.settings
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    target = ["--object", ids[1], "--item", "SCJGJ:SC-001", "--no-basis", "领导交办"]
    ok(
        s,
        "inspection",
        "record",
        "--key",
        keys["SCJGJ"],
        *target,
        "--method",
        "written",
        "--inspector",
        "S3",
        "--on",
        today,
    )
    review = json.loads(ok(s, "review", "show", "--person", "S3", "--json").stdout)
    assert review["verdicts"] == [
        {
            "party": "S3",
            "kind": "person",
            "name": "检查员S3",
            "verdict": "defect",
            "rules": ["R1.1 basis: arbitrary check: no draw and no case lead"],
            "evidence": [review["inspections"][0]["findings"][1]["evidence"][0]],
            "settled": None,
            "defects": [
                {
                    "rule": "basis",
                    "r": "R1.1",
                    "detail": "arbitrary check: no draw and no case lead",
                    "evidence": [review["inspections"][0]["findings"][1]["evidence"][0]],
                    "detail_zh": "随意检查：未经抽取，也无案件线索",
                }
            ],
            "analysis": None,
            "rules_zh": ["R1.1 basis：随意检查：未经抽取，也无案件线索"],
        }
    ]
    refused(
        s,
        "review",
        "settle",
        "--key",
        keys["SCJGJ"],
        "--person",
        "S3",
        "--party",
        "S3",
        "--verdict",
        "exempt",
        "--reasoning",
        "x",
    )
    ok(
        s,
        "review",
        "settle",
        "--key",
        keys["discipline"],
        "--person",
        "S3",
        "--party",
        "S3",
        "--verdict",
        "exempt",
        "--reasoning",
        "经核实系上级书面交办的专项检查",
        "--evidence",
        str(review["verdicts"][0]["evidence"][0]),
    )
    shown = ok(s, "review", "show", "--person", "S3")
    assert "settled by review event" in shown.output and "尽职照单免责" in shown.output
    summary = Path(s.home) / "q3.txt"
    summary.write_text("第三季度工作进展", encoding="utf-8")
    ok(
        s,
        "report",
        "submit",
        "--key",
        keys["SCJGJ"],
        "--kind",
        "quarterly",
        "--year",
        "2026",
        "--quarter",
        "3",
        "--summary",
        str(summary),
    )
    board = json.loads(ok(s, "deadlines", "--json", "--kind", "quarterly").stdout)
    # R10.2/R10.6: every member department owes its quarterly reports, plan or no plan
    # (the judicial bureau reviews, it is not a supervising member).
    owed = {(d["department"], d["subject"]): d["done"] for d in board}
    assert {d for d, _ in owed} == {"SCJGJ", "SWJ"}
    assert len(owed) == 8 and owed[("SCJGJ", "SCJGJ/2026-Q3")] is not None
    assert owed[("SWJ", "SWJ/2026-Q3")] is None
    assert "Usage" in run(s, "trail").output or run(s, "trail").exit_code == 2


def test_the_analysis_from_the_command_line(
    county: tuple[County, dict[str, str], list[str]], tmp_path: Path
) -> None:
    """R10.4 from the CLI: a problem opens the analysis, the department records its rules
    and assesses, the discipline inspector settles; bad inputs exit 2 with no traceback."""
    c, keys, ids = county
    s = c.world.settings
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    target = ["--object", ids[2], "--item", "SCJGJ:SC-001", "--case", "TS-9"]
    target += ["--trigger", "complaint", "--reference", "12315-9"]
    ok(
        s,
        "inspection",
        "record",
        "--key",
        keys["S1"],
        *target,
        "--method",
        "written",
        "--inspector",
        "S1",
        "--on",
        today,
    )
    ok(
        s,
        "result",
        "enter",
        "--key",
        keys["S1"],
        *target,
        "--result",
        "no_problem",
        "--formed-on",
        today,
    )
    unknown = refused(
        s,
        "review",
        "problem",
        "--key",
        keys["SCJGJ"],
        "--object",
        "NOPE",
        "--kind",
        "incident",
        "--on",
        today,
        "--reference",
        "r",
        "--description",
        "d",
    )
    assert "no object NOPE" in unknown.output
    out = ok(
        s,
        "review",
        "problem",
        "--key",
        keys["SCJGJ"],
        "--object",
        ids[2],
        "--kind",
        "complaint",
        "--on",
        today,
        "--reference",
        "12315-10",
        "--description",
        "投诉经查实",
    )
    assert "投诉举报经查实" in out.output
    shown = json.loads(ok(s, "review", "show", "--object", ids[2], "--json").stdout)
    s1 = next(v for v in shown["verdicts"] if v["party"] == "S1")
    assert s1["verdict"] == "analysis" and s1["analysis"]["status"] == "open"
    text = tmp_path / "rules.txt"
    text.write_text("第一条 按清单履职的，免责。", encoding="utf-8")
    out = ok(
        s,
        "review",
        "rules",
        "--key",
        keys["SCJGJ"],
        "--version",
        "1",
        "--title",
        "细则",
        "--text",
        str(text),
        "--effective-from",
        "2026-01-01",
    )
    assert "sha256" in out.output
    factors = tmp_path / "factors.json"
    factors.write_text("{not json", encoding="utf-8")
    bad = refused(
        s,
        "review",
        "assess",
        "--key",
        keys["SCJGJ"],
        "--object",
        ids[2],
        "--party",
        "S1",
        "--factors",
        str(factors),
        "--rules-version",
        "1",
    )
    assert "JSON" in bad.output
    one = {"finding": "favourable", "note": "ok"}
    factors.write_text(json.dumps({"attitude": one, "procedure": one}), encoding="utf-8")
    missing = refused(
        s,
        "review",
        "assess",
        "--key",
        keys["SCJGJ"],
        "--object",
        ids[2],
        "--party",
        "S1",
        "--factors",
        str(factors),
        "--rules-version",
        "1",
    )
    assert "factors.method" in missing.output
    four = {k: one for k in ("attitude", "procedure", "method", "conditions")}
    factors.write_text(json.dumps(four), encoding="utf-8")
    ok(
        s,
        "review",
        "assess",
        "--key",
        keys["SCJGJ"],
        "--object",
        ids[2],
        "--party",
        "S1",
        "--factors",
        str(factors),
        "--rules-version",
        "1",
    )
    assert "部门已评定" in ok(s, "review", "show", "--object", ids[2]).output
    ghost = refused(
        s,
        "review",
        "settle",
        "--key",
        keys["discipline"],
        "--object",
        ids[2],
        "--party",
        "GHOST",
        "--verdict",
        "exempt",
        "--reasoning",
        "x",
    )
    assert "GHOST" in ghost.output
    ok(
        s,
        "review",
        "settle",
        "--key",
        keys["discipline"],
        "--object",
        ids[2],
        "--party",
        "S1",
        "--verdict",
        "exempt",
        "--reasoning",
        "事后发生，已按清单履职",
    )
    assert "已结案" in ok(s, "review", "show", "--object", ids[2]).output
