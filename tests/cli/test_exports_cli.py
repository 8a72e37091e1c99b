"""The CLI's exports (issue 13, clause 5): ``--export FILE`` on the feed, deadlines, task
ledger, coverage, trail and review listings writes the same CSV or XLSX as the pages'
downloads: Chinese headers, names beside codes."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from api import exports
from tests.support.api import make_api
from tests.support.cli import ok, run
from tests.support.pages import publish_county
from tests.support.world import World


@pytest.fixture
def county_home(sqlite_world: World, tmp_path: Path) -> tuple[World, str]:
    api = make_api(sqlite_world)
    facts = publish_county(api.county, tmp_path)
    api.app.extensions["shuangsui"].close()
    return sqlite_world, facts.published


LISTINGS = [
    (("feed",), "results"),
    (("deadlines",), "deadlines"),
    (("task-ledger",), "task_ledger"),
    (("coverage",), "coverage"),
    (("trail", "--department", "SCJGJ"), "trail"),
    (("review", "show", "--department", "SCJGJ"), "reviews"),
]


@pytest.mark.parametrize(("args", "listing"), LISTINGS)
def test_every_listing_exports_with_chinese_headers(
    county_home: tuple[World, str], tmp_path: Path, args: tuple[str, ...], listing: str
) -> None:
    world, _ = county_home
    headers = [h for _, h in exports.COLUMNS[listing]]
    target = tmp_path / f"{listing}.csv"
    result = ok(world.settings, *args, "--export", str(target))
    assert "已导出" in result.output
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == headers and len(rows) > 1
    book = tmp_path / f"{listing}.xlsx"
    ok(world.settings, *args, "--export", str(book))
    sheet = load_workbook(book).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == headers


def test_the_feed_export_shows_names_and_no_withheld_result(
    county_home: tuple[World, str], tmp_path: Path
) -> None:
    world, published = county_home
    target = tmp_path / "feed.csv"
    ok(world.settings, "feed", "--export", str(target))
    text = target.read_text(encoding="utf-8-sig")
    assert published in text and "未发现问题" in text and "发现违法违规行为" not in text
    assert re.search(r"市场监督管理局|SCJGJ", text)


def test_a_bad_export_name_is_refused(county_home: tuple[World, str], tmp_path: Path) -> None:
    world, _ = county_home
    result = run(world.settings, "coverage", "--export", str(tmp_path / "x.pdf"))
    assert result.exit_code == 2 and ".csv or .xlsx" in result.output
