"""The office supervises (issue 12 part 4): R10.2, R10.3, R10.6 and R3.4's list deadline,
on both backends."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ledger import formats
from ledger.areas.reports.commands import REPORT_FILE_MAX
from ledger.audit.hashing import sha256
from ledger.bootstrap import registry, route_table
from ledger.clock import china_today
from ledger.config import Settings
from ledger.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    StorageError,
    ValidationError,
)
from ledger.i18n import render
from ledger.replay import replay
from ledger.transparency.database import iter_chain
from projections.read import deadlines, reports
from projections.runner import update
from projections.store import Store
from tests.support.county import County, build_county
from tests.support.world import World, start_world


@pytest.fixture
def county(world: World) -> County:
    return build_county(world)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "projections.sqlite3")


def board(county: County, store: Store, today: dt.date) -> dict[tuple[str, str], str]:
    update(county.world.ledger, store)
    return {(d.kind, d.subject): d.status for d in deadlines.deadlines(store.db, today)}


def test_r10_2_every_member_owes_list_plan_and_reports_without_any_task(
    county: County, store: Store
) -> None:
    """R10.2/R10.6/R3.4/R6.5: SWJ has no plan and no task, yet owes its plan by 31 January,
    four quarterly reports and the summary by 10 December; the list is due by 31 December
    of the year it joined. The judicial bureau (a reviewer) owes nothing."""
    year = china_today().year
    owed = board(county, store, dt.date(year + 1, 1, 5))
    assert owed[("annual_plan", f"SWJ/{year}")] == "overdue"
    assert owed[("annual_plan", f"SWJ/{year + 1}")] == "due"
    assert owed[("annual", f"SWJ/{year}")] == "overdue"
    assert all(owed[("quarterly", f"SWJ/{year}-Q{q}")] == "overdue" for q in (1, 2, 3))
    assert owed[("quarterly", f"SWJ/{year}-Q4")] == "due"  # 10 January of the next year
    # SWJ published its list in the year it joined, before 31 December: met.
    assert owed[("item_list", f"SWJ/{year}-list")] == "met"
    assert not [k for k in owed if k[1].startswith("SFJ/")]


def test_r3_4_a_list_never_published_is_overdue_after_31_december(
    world: World, store: Store
) -> None:
    world.run("office", "department.register", code="WJJ", name="安岳县卫生健康局", kind="health")
    year = china_today().year
    update(world.ledger, store)
    found = {(d.kind, d.subject): d for d in deadlines.deadlines(store.db, dt.date(year + 1, 1, 1))}
    listed = found[("item_list", f"WJJ/{year}-list")]
    assert listed.status == "overdue" and listed.due == f"{year}-12-31" and listed.done is None


def _report(text: str) -> dict[str, object]:
    return {
        "kind": "quarterly",
        "year": china_today().year,
        "quarter": 1,
        "summary_sha256": sha256(text.encode()).hex(),
        "text": text,
    }


def test_r10_6_the_report_text_is_stored_not_only_its_digest(county: County, store: Store) -> None:
    text = "一季度：完成联合抽查2次，发现问题3个，已整改。"
    county.run("SCJGJ", "report.submit", **_report(text))
    update(county.world.ledger, store)
    [found] = reports.submitted(store.db, department="SCJGJ")
    assert found["text"] == text and found["department_name"] == "安岳县市场监督管理局"
    assert found["summary_sha256"] == sha256(text.encode()).hex()


def test_r10_6_a_report_without_text_or_with_a_foreign_digest_is_refused(
    county: County,
) -> None:
    size = county.world.ledger.head().position
    bare = {k: v for k, v in _report("x").items() if k != "text"}
    with pytest.raises(RuleViolationError) as caught:
        county.run("SCJGJ", "report.submit", **bare)
    assert caught.value.rule == "R10.6" and "正文" in render(caught.value.message, "zh")
    with pytest.raises(ValidationError) as invalid:
        county.run("SCJGJ", "report.submit", **{**_report("正文"), "text": "另一份正文"})
    assert "summary_sha256" in invalid.value.errors
    assert county.world.ledger.head().position == size  # nothing written


def test_r10_6_a_format_1_ledger_still_takes_a_digest_only_report(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "CURRENT", 1)
    world = start_world(sqlite_settings)
    try:
        county = build_county(world)
        bare = {k: v for k, v in _report("x").items() if k != "text"}
        assert county.run("SCJGJ", "report.submit", **bare).result["period"].endswith("-Q1")
    finally:
        world.ledger.close()


# --- notices (通报批评) and their rectification (整改), R10.2 -----------------------------


def _notice(**extra: object) -> dict[str, object]:
    due = (china_today() + dt.timedelta(days=20)).isoformat()
    return {
        "notice": "TB-01",
        "department": "SWJ",
        "finding": "第三季度工作推进情况未按期报送，工作消极懈怠",
        "rectification": "十日内补报并说明原因",
        "due": due,
        "rule": "R10.6",
        **extra,
    }


def test_r10_2_a_notice_is_tracked_until_the_unit_records_its_rectification(
    county: County, store: Store
) -> None:
    from projections.read import notices

    county.run("office", "notice.issue", **_notice())
    due = dt.date.fromisoformat(str(_notice()["due"]))
    owed = board(county, store, due + dt.timedelta(days=1))
    assert owed[("rectification", "TB-01")] == "overdue"
    [open_one] = notices.notices(store.db, due, open_only=True)
    assert open_one["state"] == "open" and open_one["department_name"].endswith("税务局")
    done = county.run(
        "SWJ", "notice.rectify", notice="TB-01", done_on=china_today().isoformat(), account="已补报"
    )
    assert done.result["late"] is False
    owed = board(county, store, due + dt.timedelta(days=1))
    assert owed[("rectification", "TB-01")] == "met"
    assert notices.notices(store.db, due, open_only=True) == []
    with pytest.raises(ConflictError):  # rectified once
        county.run(
            "SWJ", "notice.rectify", notice="TB-01", done_on=china_today().isoformat(), account="x"
        )


def test_r10_2_only_the_office_issues_and_only_the_named_unit_rectifies(county: County) -> None:
    size = county.world.ledger.head().position
    with pytest.raises(PermissionDeniedError):
        county.run("SCJGJ", "notice.issue", **_notice())
    county.run("office", "notice.issue", **_notice())
    with pytest.raises(PermissionDeniedError) as caught:
        county.run(
            "SCJGJ",
            "notice.rectify",
            notice="TB-01",
            done_on=china_today().isoformat(),
            account="x",
        )
    assert caught.value.rule == "R10.2"
    assert county.world.ledger.head().position == size + 1


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ({"department": "NOPE"}, NotFoundError),
        ({"due": china_today().isoformat()}, ValidationError),  # due the day it is issued
        ({"rectification": ""}, ValidationError),
        ({"notice": "x"}, ValidationError),  # too short an id
    ],
)
def test_r10_2_bad_notices_are_refused(
    county: County, bad: dict[str, object], error: type[Exception]
) -> None:
    size = county.world.ledger.head().position
    with pytest.raises(error):
        county.run("office", "notice.issue", **_notice(**bad))
    assert county.world.ledger.head().position == size


def test_r10_2_a_notice_is_unique_and_its_rectification_not_back_dated(county: County) -> None:
    county.run("office", "notice.issue", **_notice())
    with pytest.raises(ConflictError):
        county.run("office", "notice.issue", **_notice())
    with pytest.raises(RuleViolationError):
        county.run(
            "SWJ",
            "notice.rectify",
            notice="TB-01",
            done_on=(china_today() - dt.timedelta(days=1)).isoformat(),
            account="x",
        )
    with pytest.raises(NotFoundError):
        county.run(
            "SWJ", "notice.rectify", notice="TB-99", done_on=china_today().isoformat(), account="x"
        )


# --- the task ledger (工作任务台账), R10.3 -------------------------------------------------


def test_r10_3_the_task_ledger_holds_work_for_sections_and_people(
    county: County, store: Store
) -> None:
    from projections.read import worklist

    county.run("SCJGJ", "department.add_section", department="SCJGJ", section="信用监管股")
    due = (china_today() + dt.timedelta(days=30)).isoformat()
    county.run(
        "SCJGJ",
        "worklist.assign",
        entry="W-1",
        title="整理第四季度工作推进情况",
        section="信用监管股",
        person="S1",
        due=due,
        source="R10.6",
    )
    update(county.world.ledger, store)
    [entry] = worklist.entries(store.db, person="S1")
    assert entry["person_name"] == "检查员S1" and entry["section"] == "信用监管股"
    owed = board(county, store, dt.date.fromisoformat(due) + dt.timedelta(days=1))
    assert owed[("work", "SCJGJ/W-1")] == "overdue"
    county.run("SCJGJ", "worklist.complete", entry="W-1", done_on=china_today().isoformat())
    assert board(county, store, dt.date.fromisoformat(due))[("work", "SCJGJ/W-1")] == "met"
    with pytest.raises(ConflictError):
        county.run("SCJGJ", "worklist.complete", entry="W-1", done_on=china_today().isoformat())


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ({"section": "无此股室"}, RuleViolationError),
        ({"person": "T1"}, RuleViolationError),  # another department's inspector
        ({"due": "2001-01-01"}, ValidationError),
        ({"title": ""}, ValidationError),
    ],
)
def test_r10_3_bad_task_ledger_entries_are_refused(
    county: County, bad: dict[str, object], error: type[Exception]
) -> None:
    county.run("SCJGJ", "department.add_section", department="SCJGJ", section="信用监管股")
    size = county.world.ledger.head().position
    entry = {
        "entry": "W-1",
        "title": "任务",
        "section": "信用监管股",
        "due": (china_today() + dt.timedelta(days=3)).isoformat(),
        **bad,
    }
    with pytest.raises(error):
        county.run("SCJGJ", "worklist.assign", **entry)
    assert county.world.ledger.head().position == size


# --- the office's collation for the level above, R10.6 --------------------------------------


def test_r10_6_the_collation_is_generated_from_the_log_and_recorded_when_sent(
    county: County, store: Store
) -> None:
    year = china_today().year
    text = "一季度进展"
    county.run("SCJGJ", "report.submit", **_report(text))
    county.run("office", "notice.issue", **_notice())
    update(county.world.ledger, store)
    content = reports.collation(store.db, year, 1, china_today())
    by = {d["department"]: d for d in content["departments"]}
    assert set(by) == {"SCJGJ", "SWJ"} and content["not_reported"] == ["SWJ"]
    assert by["SCJGJ"]["report"]["summary_sha256"] == sha256(text.encode()).hex()
    assert by["SCJGJ"]["progress"] == reports.progress_report(
        store.db, "SCJGJ", year, 1, china_today()
    )
    sent = county.run(
        "office",
        "report.collate",
        year=year,
        quarter=1,
        recipient="资阳市联席会议",
        sent_on=china_today().isoformat(),
        content=content,
    )
    update(county.world.ledger, store)
    [recorded] = reports.collations(store.db)
    assert recorded["content"] == content and recorded["content_sha256"] == sent.result["sha256"]
    with pytest.raises(ConflictError):
        county.run(
            "office",
            "report.collate",
            year=year,
            quarter=1,
            recipient="x",
            sent_on=china_today().isoformat(),
            content=content,
        )


def test_r10_6_a_collation_citing_a_report_the_log_lacks_is_refused(
    county: County, store: Store
) -> None:
    year = china_today().year
    county.run("SCJGJ", "report.submit", **_report("正文"))
    update(county.world.ledger, store)
    content = reports.collation(store.db, year, 1, china_today())
    forged = {
        **content,
        "departments": [
            {**d, "report": {"submitted_on": "x", "summary_sha256": "0" * 64}}
            for d in content["departments"]
        ],
    }
    params = {"year": year, "quarter": 1, "recipient": "x", "sent_on": china_today().isoformat()}
    size = county.world.ledger.head().position
    with pytest.raises(RuleViolationError) as caught:
        county.run("office", "report.collate", content=forged, **params)
    assert caught.value.rule == "R10.6"
    with pytest.raises(ValidationError):  # another period's content
        county.run("office", "report.collate", content=content, **{**params, "quarter": 2})
    with pytest.raises(PermissionDeniedError):
        county.run("SCJGJ", "report.collate", content=content, **params)
    assert county.world.ledger.head().position == size


# --- a report filed as a file of any type (R10.6) -------------------------------------

#: The opening of a PDF with bytes no UTF-8 text has, a NUL and every byte value.
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 3 + b"\n%%EOF\n"


def _file_report(data: bytes, **extra: object) -> dict[str, object]:
    return {
        "kind": "annual",
        "year": china_today().year,
        "summary_sha256": sha256(data).hex(),
        "file": base64.b64encode(data).decode(),
        "media_type": "application/pdf",
        **extra,
    }


def test_r10_6_a_report_filed_as_a_pdf_comes_back_byte_for_byte(
    county: County, store: Store
) -> None:
    """R10.6: the annual summary as a binary file is stored in the ledger (its bytes, its
    media type), read back identical, and checked against its digest on the way out."""
    county.run("SCJGJ", "report.submit", **_file_report(PDF))
    update(county.world.ledger, store)
    period = str(china_today().year)
    [listed] = reports.submitted(store.db, department="SCJGJ")
    assert listed["media_type"] == "application/pdf" and listed["size"] == len(PDF)
    assert listed["text"] is None
    media_type, data, digest = reports.report_file(store.db, "SCJGJ", "annual", period)
    assert (media_type, data, digest) == ("application/pdf", PDF, sha256(PDF).hex())
    # a text report comes back as its UTF-8, with the text's media type
    county.run("SCJGJ", "report.submit", **_report("一季度：完成联合抽查2次。"))
    update(county.world.ledger, store)
    year = china_today().year
    text = reports.report_file(store.db, "SCJGJ", "quarterly", f"{year}-Q1")
    assert text[:2] == ("text/plain; charset=utf-8", "一季度：完成联合抽查2次。".encode())
    with pytest.raises(NotFoundError):
        reports.report_file(store.db, "SCJGJ", "quarterly", f"{year}-Q2")


def test_r10_6_a_stored_file_that_no_longer_matches_its_digest_is_not_served(
    county: County, store: Store
) -> None:
    county.run("SCJGJ", "report.submit", **_file_report(PDF))
    update(county.world.ledger, store)
    tampered = base64.b64encode(PDF[:-1] + b"X").decode()
    store.db.execute("UPDATE report_texts SET file = ?", [tampered])
    with pytest.raises(StorageError) as caught:
        reports.report_file(store.db, "SCJGJ", "annual", str(china_today().year))
    assert "摘要不一致" in render(caught.value.message, "zh")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"file": base64.b64encode(b"x" * (REPORT_FILE_MAX + 1)).decode()}, "file"),
        ({"file": "not base64!"}, "file"),
        ({"file": base64.b64encode(PDF).decode().rstrip("=") + "\n"}, "file"),
        ({"media_type": ""}, "media_type"),
        ({"media_type": "PDF please"}, "media_type"),
        ({"text": "正文"}, "file"),
        ({"summary_sha256": "0" * 64}, "summary_sha256"),
    ],
)
def test_r10_6_bad_report_files_are_refused_and_nothing_is_written(
    county: County, change: dict[str, object], field: str
) -> None:
    """R10.6: a file over the size limit, not base64, without (or with a malformed) media
    type, beside a text, or not matching its digest is refused, naming the field."""
    size = county.world.ledger.head().position
    with pytest.raises(ValidationError) as caught:
        county.run("SCJGJ", "report.submit", **_file_report(PDF, **change))
    assert field in caught.value.errors
    assert county.world.ledger.head().position == size


def test_r10_6_only_a_file_names_a_media_type(county: County) -> None:
    with pytest.raises(ValidationError) as caught:
        county.run("SCJGJ", "report.submit", **_report("正文"), media_type="application/pdf")
    assert "media_type" in caught.value.errors


def test_r10_6_a_report_file_replays_byte_for_byte(county: County) -> None:
    """The file's event (schema 3) is what re-running the signed command gives."""
    county.run("SCJGJ", "report.submit", **_file_report(PDF))
    county.run("SCJGJ", "report.submit", **_report("一季度"))
    assert replay(list(iter_chain(county.world.ledger)), registry(), route_table())


# --- the office's appraisal input for the government's performance appraisal (R10.2) ----


def test_r10_2_the_appraisal_input_is_the_logs_facts_per_member_department(
    county: County,
) -> None:
    """R10.2 纳入政府绩效考核体系: per member department, named in Chinese, what the log
    tells -- list, plan, reports (on time or not), notices and their rectification -- and
    a count of those statuses, no weights. The judicial bureau, a reviewer, is not in it."""
    from ledger.areas.reports.appraisal import appraise

    year = china_today().year
    county.run("SCJGJ", "report.submit", **_report("一季度：完成联合抽查2次。"))
    county.run("office", "notice.issue", **_notice())
    county.run(
        "SWJ", "notice.rectify", notice="TB-01", done_on=china_today().isoformat(), account="已补报"
    )
    content = appraise(county.world.ledger, year, dt.date(year, 12, 31))
    found = {d["department"]: d for d in content["departments"]}
    assert "SFJ" not in found and found["SCJGJ"]["name"] == "安岳县市场监督管理局"
    market, tax = found["SCJGJ"], found["SWJ"]
    q1 = market["reports"][0]
    assert (q1["period"], q1["due"], q1["status"]) == (f"{year}-Q1", f"{year}-04-10", "met late")
    assert q1["submitted_on"] == china_today().isoformat()
    assert [r["status"] for r in tax["reports"]] == [
        "overdue",
        "overdue",
        "overdue",
        "due",
        "overdue",
    ]
    assert market["item_list"]["status"] == "met" and market["annual_plan"]["status"] == "overdue"
    [notice] = tax["notices"]
    assert (notice["notice"], notice["status"]) == ("TB-01", "met") and market["notices"] == []
    # the summary counts the statuses above: list, plan, five reports, the notice
    assert tax["summary"]["met"] == 2 and tax["summary"]["overdue"] == 5
    assert tax["summary"]["due"] == 1 and sum(tax["summary"].values()) == 8
    assert tax["results"]["entered"] == 0 and market["tasks_led"] == []


def test_r10_2_the_office_records_the_appraisal_the_log_gives_and_replay_agrees(
    county: County, store: Store
) -> None:
    """The office signs the figures it read; the ledger recomputes them from the log as
    of the day signed and records them only if equal -- a figure changed after reading,
    or the log moving on in between, is refused with the first difference, nothing
    written. The record replays byte for byte (the replay recomputes them too)."""
    from ledger.areas.reports.appraisal import appraise

    year = china_today().year
    county.run("SCJGJ", "report.submit", **_report("一季度"))
    content = appraise(county.world.ledger, year, china_today())
    send = {
        "year": year,
        "recipient": "安岳县人民政府绩效考核",
        "sent_on": china_today().isoformat(),
    }
    size = county.world.ledger.head().position
    forged = json.loads(json.dumps(content))
    forged["departments"][0]["reports"][0]["status"] = "met"
    with pytest.raises(RuleViolationError) as caught:
        county.run("office", "report.appraise", content=forged, **send)
    assert caught.value.rule == "R10.2" and "departments[0].reports[0].status" in str(caught.value)
    assert "不一致" in render(caught.value.message, "zh")
    county.run("SWJ", "report.submit", **_report("税务一季度"))  # the log moved on
    with pytest.raises(RuleViolationError):
        county.run("office", "report.appraise", content=content, **send)
    assert county.world.ledger.head().position == size + 1
    with pytest.raises(PermissionDeniedError):
        county.run("SCJGJ", "report.appraise", content=content, **send)
    content = appraise(county.world.ledger, year, china_today())
    recorded = county.run("office", "report.appraise", content=content, **send)
    assert recorded.result["year"] == year
    with pytest.raises(ConflictError):
        county.run("office", "report.appraise", content=content, **send)
    update(county.world.ledger, store)
    [row] = reports.appraisals(store.db)
    assert row["content"] == content and row["sent_on"] == send["sent_on"]
    assert replay(list(iter_chain(county.world.ledger)), registry(), route_table())


def test_r10_2_a_malformed_appraisal_is_refused(county: County) -> None:
    year = china_today().year
    send = {"year": year, "recipient": "县政府", "sent_on": china_today().isoformat()}
    for bad in ("figures", {"year": year}, {"departments": "all"}):
        with pytest.raises(ValidationError):
            county.run("office", "report.appraise", content=bad, **send)


def test_r10_2_the_appraisal_counts_tasks_led_checks_and_publication_in_working_days(
    world: World, tmp_path: Path
) -> None:
    """The task the market bureau led: objects drawn, organised within 5 working days,
    checks by the planned end, drawn objects unchecked; its result published within 20
    working days -- counted on the calendar the log records, and ``calendar unknown``
    (never guessed) for a year the office has not recorded."""
    from ledger.areas.reports.appraisal import appraise
    from tests.support.draws import ceremony
    from tests.support.joint import BASIS, check, enter, joint_county, visit

    county = joint_county(world, tmp_path)
    ceremony(county)
    today = china_today()
    county.run("SCJGJ", "task.organise", task=BASIS["task"], draw=1, organised_on=today.isoformat())
    obj, team = visit(county)
    officer = next(p for p in team if p.startswith("S"))
    check(county, officer, obj, "SCJGJ:SC-001", [officer])
    enter(county, officer, obj, "SCJGJ:SC-001")
    county.run(
        "SCJGJ",
        "result.publish",
        basis=BASIS,
        object=obj,
        item="SCJGJ:SC-001",
        published_on=today.isoformat(),
    )

    def market(day: dt.date) -> dict[str, Any]:
        content = appraise(county.world.ledger, 2026, day)
        return next(d for d in content["departments"] if d["department"] == "SCJGJ")

    unrecorded = market(today)
    [task] = unrecorded["tasks_led"]
    [drawn] = task["draws"]
    assert task["task"] == BASIS["task"] and task["planned_end"] == "2026-12-20"
    assert drawn["organise_status"] == "calendar unknown" and drawn["organised_on"]
    assert drawn["checks_by_planned_end"] == 1 and drawn["checks_after_planned_end"] == 0
    assert drawn["objects_unchecked"] == drawn["objects"] - 1 > 0
    assert unrecorded["results"]["entered"] == 1
    assert unrecorded["results"]["calendar_unknown"] == 1
    county.run("office", "calendar.amend", days={}, declare_years=[2026, 2027], note="全年")
    recorded = market(today)
    assert recorded["tasks_led"][0]["draws"][0]["organise_status"] == "met"
    assert recorded["results"]["published_within_20_working_days"] == 1
    assert recorded["results"]["calendar_unknown"] == 0
    assert appraise(county.world.ledger, 2026, today)["calendar_years"] == [2026, 2027]
