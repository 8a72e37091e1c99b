"""A county set up from the command line, as the operators of Anyue would do it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.config import Settings
from tests.support.cli import ok, run
from tools.cli import cli
from tools.fakecounty import write_generated_objects

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def county(sqlite_settings: Settings, tmp_path: Path) -> tuple[Settings, dict[str, str]]:
    s = sqlite_settings
    ok(s, "init")
    office = str(s.keys_dir / "office.key")
    keys = {"office": office}
    for code, name, kind, role in (
        ("SCJGJ", "安岳县市场监督管理局", "market_supervision", "department"),
        ("SFJ", "安岳县司法局", "judicial", "judicial"),
    ):
        ok(s, "department", "register", "--key", office, code, "--name", name, "--kind", kind)
        key = tmp_path / f"{code}.key"
        ok(s, "keygen", str(key), "--label", name)
        roles = ["--role", "department"] + (["--role", "judicial"] if role == "judicial" else [])
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
            *roles,
            "--organisation",
            code,
        )
        keys[code] = str(key)
    return s, keys


def test_lists_plans_and_the_report(county: tuple[Settings, dict[str, str]]) -> None:
    s, keys = county
    ok(
        s,
        "items",
        "draft",
        "--key",
        keys["SCJGJ"],
        "--reason",
        "enact",
        str(EXAMPLES / "items.json"),
    )
    ok(s, "items", "publish", "--key", keys["SCJGJ"], "1")
    shown = json.loads(ok(s, "items", "show", "SCJGJ").stdout)
    assert shown["published"] == 1 and len(shown["versions"][0]["items"]) == 3
    report = json.loads(ok(s, "items", "report").stdout)
    scjgj = next(r for r in report if r["department"] == "SCJGJ")
    assert scjgj["key_items"] == 1 and scjgj["general_caps"] == {
        "SCJG-DJ-002": "0.05",
        "SCJG-JL-003": "0.1",
    }
    # R3.5: the joint list names the provincial list it follows, with its work rules
    joint_file = Path(s.home) / "joint.json"
    joint_file.write_text(json.dumps([{"department": "SCJGJ", "code": "SCJG-DJ-002"}]))
    office = keys["office"]
    refused = run(
        s, "items", "draft-joint", "--key", office, "--reason", "工作实际情况", str(joint_file)
    )
    assert refused.exit_code == 2 and "follows" in refused.output and "四川省" in refused.output
    follows = ("--follows", "四川省市场监管领域部门联合抽查事项清单（第二版）")
    rules = ("--standard", "联合抽查工作规则", "--standard", "抽查工作指引")
    ok(s, "items", "draft-joint", "--key", office, "--reason", "修改", *follows, *rules,
       str(joint_file))  # fmt: skip
    ok(s, "items", "publish-joint", "--key", office, "1")
    version = json.loads(ok(s, "items", "show", "JOINT").stdout)["versions"][0]
    assert version["follows"] == follows[1] and version["standards"] == [rules[1], rules[3]]
    ok(s, "plans", "draft", "--key", keys["SCJGJ"], "2027", str(EXAMPLES / "plan.json"))
    published = ok(s, "plans", "publish", "--key", keys["SCJGJ"], "2027", "1")
    assert "late" not in published.output
    ok(s, "task", "create", "--key", keys["SCJGJ"], str(EXAMPLES / "task.json"))
    assert json.loads(ok(s, "task", "show", "T-2027-001").stdout)["lead"] == "SCJGJ"
    refused = run(s, "items", "publish", "--key", keys["SCJGJ"], "1")
    assert refused.exit_code == 2 and "no draft version 1" in refused.output
    assert ok(s, "verify", "--allow-unwitnessed").exit_code == 0


def test_import_objects_all_or_nothing(
    county: tuple[Settings, dict[str, str]], tmp_path: Path
) -> None:
    s, keys = county
    good = tmp_path / "objects.csv"
    write_generated_objects(good, 2500, departments=("SCJGJ",))
    result = ok(s, "import", "objects", "--key", keys["SCJGJ"], str(good))
    assert "imported 2500 objects in 3 batches" in result.stdout
    size = json.loads(ok(s, "status", "--json").stdout)["size"]
    bad = tmp_path / "bad.csv"
    with good.open(encoding="utf-8") as src, bad.open("w", encoding="utf-8", newline="") as dst:
        rows = list(csv.reader(src))
        rows[3][0] = rows[3][0][:-1] + ("0" if rows[3][0][-1] != "0" else "1")  # check char
        rows[7][rows[0].index("supervisors")] = "SWJ"  # not ours
        rows[9][0] = rows[5][0]  # duplicate
        csv.writer(dst).writerows(rows[:20])
    refused = run(s, "import", "objects", "--key", keys["SCJGJ"], str(bad))
    assert refused.exit_code == 2
    assert "3 problem(s) in 3 row(s)" in refused.output
    assert "nothing was imported" in refused.output
    assert "line 4" in refused.output and "check character" in refused.output
    assert "line 8" in refused.output and "R4.1" in refused.output
    assert "line 10" in refused.output and "duplicate id, first seen on line 6" in refused.output
    assert json.loads(ok(s, "status", "--json").stdout)["size"] == size


def test_inspectors_take_effect_after_judicial_approval(
    county: tuple[Settings, dict[str, str]], tmp_path: Path
) -> None:
    s, keys = county
    sheet = tmp_path / "inspectors.csv"
    sheet.write_text(
        "人员编号,姓名,职务,工作单位,人员类别,执法证号,证件有效期起,证件有效期止,执法资质,业务专长\n"
        "S001,张三,科员,SCJGJ,执法人员,51000001,2024-01-01,2028-12-31,食品;计量,食品安全\n"
        "E001,李四,,SCJGJ,专家,,,,,食品检验\n",
        encoding="utf-8",
    )
    ok(s, "import", "inspectors", "--key", keys["SCJGJ"], str(sheet))
    pending = json.loads(ok(s, "inspectors", "pending").stdout)
    assert {p["person"] for p in pending} == {"S001", "E001"}
    assert json.loads(ok(s, "inspectors", "show", "S001").stdout)["active"] is False
    refused = run(s, "inspectors", "decide", "--key", keys["SCJGJ"], "--all-pending", "SCJGJ")
    assert refused.exit_code == 2 and "R4.2" in refused.output
    ok(s, "inspectors", "decide", "--key", keys["SFJ"], "--all-pending", "SCJGJ")
    record = json.loads(ok(s, "inspectors", "show", "S001").stdout)
    assert record["active"] is True and record["effective"]["qualifications"] == ["食品", "计量"]
    assert json.loads(ok(s, "inspectors", "pending").stdout) == []


def test_xlsx_and_csv_import_the_same_rows(
    county: tuple[Settings, dict[str, str]], tmp_path: Path
) -> None:
    import openpyxl

    s, keys = county
    source = tmp_path / "a.csv"
    write_generated_objects(source, 30, departments=("SCJGJ",))
    book = openpyxl.Workbook()
    sheet = book.active
    with source.open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    book.save(tmp_path / "a.xlsx")
    from ledger.areas.directory.importer import check_objects

    with check_objects(source, "SCJGJ") as a, check_objects(tmp_path / "a.xlsx", "SCJGJ") as b:
        assert list(a.rows()) == list(b.rows())
    ok(s, "import", "objects", "--key", keys["SCJGJ"], str(tmp_path / "a.xlsx"))


def test_a_workbook_with_several_sheets_needs_sheet(
    county: tuple[Settings, dict[str, str]], tmp_path: Path
) -> None:
    """Issue 14 §3 (R2.1 batch import): a workbook with several worksheets is refused,
    naming them, unless --sheet names one; nothing is written before that."""
    import openpyxl

    s, keys = county
    source = tmp_path / "a.csv"
    write_generated_objects(source, 12, departments=("SCJGJ",))
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本工作簿的第一个工作表只是说明"])
    sheet = book.create_sheet("名录")
    with source.open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    workbook = tmp_path / "b.xlsx"
    book.save(workbook)
    size = json.loads(ok(s, "status", "--json").stdout)["size"]
    key = ["--key", keys["SCJGJ"]]
    refused = run(s, "import", "objects", *key, str(workbook))
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "'说明', '名录'" in refused.output and "--sheet" in refused.output
    assert "2 个工作表" in refused.output and "2 worksheets" in refused.output
    unknown = run(s, "import", "objects", *key, str(workbook), "--sheet", "名单")
    assert unknown.exit_code == 2 and "no worksheet '名单'" in unknown.output
    assert "'说明', '名录'" in unknown.output
    not_a_book = run(s, "import", "objects", *key, str(source), "--sheet", "名录")
    assert not_a_book.exit_code == 2 and "--sheet is for .xlsx" in not_a_book.output
    people = run(s, "import", "inspectors", *key, str(workbook))
    assert people.exit_code == 2 and "'说明', '名录'" in people.output
    assert json.loads(ok(s, "status", "--json").stdout)["size"] == size
    done = ok(s, "import", "objects", *key, str(workbook), "--sheet", "名录")
    assert "imported 12 objects" in done.output
    assert "checking b.xlsx" in done.output  # the checking pass shows its progress too


def test_draw_ceremony_and_verify_draw(
    county: tuple[Settings, dict[str, str]], tmp_path: Path
) -> None:
    import datetime as dt

    s, keys = county
    sc = keys["SCJGJ"]
    ok(s, "items", "draft", "--key", sc, "--reason", "enact", str(EXAMPLES / "items.json"))
    ok(s, "items", "publish", "--key", sc, "1")
    sheet = tmp_path / "inspectors.csv"
    sheet.write_text(
        "id,name,position,unit,kind,certificate,certificate_from,certificate_until,"
        "qualifications,expertise\n"
        + "".join(
            f"S{i},检查员{i},科员,SCJGJ,officer,5100{i},2024-01-01,2030-12-31,all,计量\n"
            for i in range(4)
        ),
        encoding="utf-8",
    )
    ok(s, "import", "inspectors", "--key", sc, str(sheet))
    ok(s, "inspectors", "decide", "--key", keys["SFJ"], "--all-pending", "SCJGJ")
    objects = tmp_path / "objects.csv"
    write_generated_objects(objects, 300, departments=("SCJGJ",))
    ok(s, "import", "objects", "--key", sc, str(objects))
    task = json.loads((EXAMPLES / "task.json").read_text())
    task.update(inspectors=["S0", "S1", "S2", "S3"], task="T-CLI-1")
    del task["plan"]  # no 2027 plan in this county: nothing to link (R7.6)
    (tmp_path / "task.json").write_text(json.dumps(task, ensure_ascii=False))
    ok(s, "task", "create", "--key", sc, str(tmp_path / "task.json"))
    witness_key = tmp_path / "jiwei.key"
    ok(s, "keygen", str(witness_key))
    ok(
        s,
        "key",
        "register",
        "--key",
        keys["office"],
        "--public-key",
        str(witness_key.with_suffix(".pub")),
        "--holder",
        "县纪委监委",
        "--role",
        "witness",
        "--note-name",
        "jiwei.test/w",
    )
    witness_id = json.loads(witness_key.with_suffix(".pub").read_text())["key_id"]
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    committed = ok(
        s,
        "draw",
        "commit",
        "--key",
        sc,
        "T-CLI-1",
        "--witness",
        witness_id,
        "--dice",
        "--reveal-by",
        deadline,
    )
    assert "committed draw T-CLI-1/1" in committed.stdout
    secret = tmp_path / "jiwei.secret"
    early = run(
        s, "draw", "witness-commit", "--key", str(witness_key), "T-CLI-1/1", "--secret", str(secret)
    )
    assert early.exit_code == 2 and "dice are thrown and recorded before" in early.output
    assert not secret.exists()
    waiting = run(s, "draw", "run", "--key", sc, "T-CLI-1/1")
    assert waiting.exit_code == 2 and "waiting for the reveal of witness" in waiting.output
    ok(s, "draw", "dice", "--key", sc, "T-CLI-1/1", "4261536214")
    ok(s, "draw", "witness-commit", "--key", str(witness_key), "T-CLI-1/1", "--secret", str(secret))
    ok(s, "draw", "witness-reveal", "--key", str(witness_key), "T-CLI-1/1", "--secret", str(secret))
    ran = ok(s, "draw", "run", "--key", sc, "T-CLI-1/1")
    assert "organise the checks within 5 working days" in ran.stdout
    assert "identical" in ok(s, "verify-draw", "T-CLI-1/1").stdout
    bundle = tmp_path / "draw.bundle"
    ok(s, "export", "--draw", "T-CLI-1/1", "--out", str(bundle))
    offline = CliRunner().invoke(cli, ["verify-draw", "T-CLI-1/1", "--bundle", str(bundle)])
    assert offline.exit_code == 0, offline.output
    shown = json.loads(ok(s, "draw", "show", "T-CLI-1/1").stdout)
    assert shown["commitment"]["witnesses"] == [witness_id]
    assert shown["commitment"]["algorithm"] == "shuangsui-draw-v3" and shown["voided"] is None
    # Issue 11 part 5: a draw that ran cannot be voided, nor the task committed again.
    late = run(s, "draw", "void", "--key", sc, "T-CLI-1/1", "--reason", "重抽")
    assert late.exit_code == 2 and "already performed" in late.output
    again = run(
        s,
        "draw",
        "commit",
        "--key",
        sc,
        "T-CLI-1",
        "--witness",
        witness_id,
        "--reveal-by",
        deadline,
    )
    assert again.exit_code == 2 and "cannot be drawn again" in again.output
    # Issue 11 part 5: a bundle without one of the draw's events proves nothing about
    # it, even with the entry count fixed up: verify-draw refuses it (exit 1).
    lines = bundle.read_text(encoding="utf-8").splitlines()
    reveal = next(i for i, line in enumerate(lines) if "witness_signed_reveal" in line)
    rest = lines[:reveal] + lines[reveal + 1 :]
    end = json.loads(rest[-1])
    rest[-1] = json.dumps({**end, "entries": end["entries"] - 1})
    cut = tmp_path / "cut.bundle"
    cut.write_text("\n".join(rest) + "\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["verify-draw", "T-CLI-1/1", "--bundle", str(cut)])
    assert refused.exit_code == 1, refused.output
    assert "does not hold every event of the draw" in refused.output
    # Issue 11 part 4: nor a bundle cut after its last event (draw.performed left out,
    # which no gap shows): the checkpoint's state map proves the stream's last version.
    kept = [json.loads(x) for x in lines]
    kept = [
        r
        for r in kept
        if not (r["t"] == "entry" and r["event"]["topic"] == "shuangsui.draw.performed")
    ]
    entries = [r for r in kept if r["t"] == "entry"]
    kept[-1] = {**kept[-1], "entries": len(entries), "head": entries[-1]["entry_hash"]}
    kept[0] = {**kept[0], "head": entries[-1]["entry_hash"]}  # as the operator would
    cut.write_text("\n".join(json.dumps(r) for r in kept) + "\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["verify-draw", "T-CLI-1/1", "--bundle", str(cut)])
    assert refused.exit_code == 1, refused.output
    assert "does not hold every event of the draw" in refused.output
    facts = json.loads(
        CliRunner()
        .invoke(cli, ["verify-draw", "T-CLI-1/1", "--bundle", str(bundle), "--json"])
        .stdout
    )
    assert facts["ok"] and facts["complete_to_version"] == 5
    # R7.4: the office rejects the lead's recusal request through the CLI; the team
    # stays as drawn, and a request settled (or never made) cannot be rejected.
    team = shown["performed"]["assignments"][0]
    obj, person = team["object"], team["team"][0]
    asked = ok(s, "draw", "recuse", "--key", sc, "T-CLI-1/1", obj, person, "--reason", "近亲属")
    assert "requested" in asked.stdout
    lead_refused = run(
        s, "draw", "reject-recusal", "--key", sc, "T-CLI-1/1", obj, person, "--reason", "无证明"
    )
    assert lead_refused.exit_code == 2 and "Traceback" not in lead_refused.output
    assert "office" in lead_refused.output
    rejected = ok(
        s,
        "draw",
        "reject-recusal",
        "--key",
        keys["office"],
        "T-CLI-1/1",
        obj,
        person,
        "--reason",
        "未提供回避事由的证明",
    )
    assert f"{person} stays on the team for {obj}" in rejected.stdout
    again = run(
        s,
        "draw",
        "reject-recusal",
        "--key",
        keys["office"],
        "T-CLI-1/1",
        obj,
        person,
        "--reason",
        "重复",
    )
    assert again.exit_code == 2 and "no pending request to recuse" in again.output
    shown = json.loads(ok(s, "draw", "show", "T-CLI-1/1").stdout)
    assert shown["performed"]["assignments"][0]["team"] == team["team"]
    assert [r["status"] for r in shown["recusal_requests"]] == ["rejected"]
    assert "identical" in ok(s, "verify-draw", "T-CLI-1/1").stdout
