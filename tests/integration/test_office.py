"""The office supervises (issue 12 part 4): R10.2, R10.3, R10.6 and R3.4's list deadline,
on both backends."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

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
