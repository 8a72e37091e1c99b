"""Directory import files (R4.1-R4.3): CSV and XLSX alike, exact line numbers and reasons,
clear refusals of unreadable files, streaming speed. Every file is written to tmp_path."""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.areas.directory.columns import INSPECTOR_COLUMNS, OBJECT_COLUMNS, ColumnSpec, Row
from ledger.areas.directory.files import (
    FileCheck,
    RowError,
    batch_digest,
    batches,
    check_file,
    iter_rows,
)
from ledger.areas.directory.uscc import make_uscc
from ledger.canonical import canonical_bytes
from ledger.errors import ValidationError
from tools.fakecounty import write_generated_objects

Cells = Sequence[object]

OBJECT_HEADER = [c.name for c in OBJECT_COLUMNS]
INSPECTOR_HEADER = [c.name for c in INSPECTOR_COLUMNS]
# Sound in structure too: "MA000000" + its GB 11714 check character 7 (R4.1).
ENTERPRISE = make_uscc("91512021MA0000007")
INDIVIDUAL = make_uscc("92512021MA0000007")
COOPERATIVE = make_uscc("93512021MA0000007")
BAD_CHECK = ENTERPRISE[:17] + ("1" if ENTERPRISE[17] != "1" else "2")


def write_csv(path: Path, rows: Sequence[Cells], *, bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Cells]) -> Path:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("对象")
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in row])
    workbook.save(path)
    return path


def read_all(path: Path, spec: ColumnSpec) -> list[tuple[int, Row]]:
    return list(iter_rows(path, spec))


def obj(**values: object) -> list[object]:
    """An object row in OBJECT_HEADER order; unspecified columns are empty."""
    return [values.get(name, "") for name in OBJECT_HEADER]


def good(id_: str = ENTERPRISE, kind: str = "enterprise", **values: object) -> list[object]:
    defaults = {"name": "安岳县柠都食品有限公司", "region": "岳阳镇", "supervisors": "SCJGJ"}
    return obj(**({"id": id_, "kind": kind, "credit_class": "B"} | defaults | values))


# --- good files ------------------------------------------------------------------------


def test_generated_file_passes_and_gives_json_rows(tmp_path: Path) -> None:
    path = tmp_path / "objects.csv"
    write_generated_objects(path, 500, seed=7, departments=("SCJGJ", "SWJ", "STHJJ"))
    check = check_file(path, OBJECT_COLUMNS)
    assert check == FileCheck(500, (), False, hashlib.sha256(path.read_bytes()).hexdigest(), "csv")
    assert check and check.ok
    rows = read_all(path, OBJECT_COLUMNS)
    assert [line for line, _ in rows] == list(range(2, 502))
    for _, row in rows:
        assert list(row) == OBJECT_HEADER
        assert json.loads(canonical_bytes(row)) == row
    kinds = {row["kind"] for _, row in rows}
    assert kinds == {"enterprise", "individual", "cooperative", "product", "project", "behaviour"}
    assert {row["credit_class"] for _, row in rows} == set("ABCD")
    assert any(row["penalties"] for _, row in rows)
    assert any(row["complaints"] for _, row in rows)
    # Same seed, same bytes; the Chinese variant normalises to the same rows.
    write_generated_objects(
        tmp_path / "again.csv", 500, seed=7, departments=("SCJGJ", "SWJ", "STHJJ")
    )
    assert (tmp_path / "again.csv").read_bytes() == path.read_bytes()
    chinese = tmp_path / "中文.csv"
    write_generated_objects(
        chinese, 500, seed=7, departments=("SCJGJ", "SWJ", "STHJJ"), chinese=True
    )
    assert chinese.read_text(encoding="utf-8").startswith("统一社会信用代码或编号,名称,类型")
    assert read_all(chinese, OBJECT_COLUMNS) == rows


def test_normalised_row_has_defaults_lists_and_ints(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "o.csv",
        [
            OBJECT_HEADER,
            good(supervisors=" SCJGJ；SWJ; ", penalties="2021-03-04;2023-11-30", complaints=" 3 "),
            good(INDIVIDUAL, "individual", status="closed", industry="零售业"),
            good("CP-2024-0001", "product"),
        ],
    )
    rows = dict(read_all(path, OBJECT_COLUMNS))
    assert rows[2] == {
        "id": ENTERPRISE,
        "name": "安岳县柠都食品有限公司",
        "kind": "enterprise",
        "region": "岳阳镇",
        "industry": None,
        "scope": None,
        "supervisors": ["SCJGJ", "SWJ"],
        "credit_class": "B",
        "penalties": ["2021-03-04", "2023-11-30"],
        "complaints": 3,
        "status": "active",
    }
    assert rows[3]["status"] == "closed" and rows[3]["industry"] == "零售业"
    assert rows[3]["penalties"] == [] and rows[3]["complaints"] == 0
    assert rows[4]["id"] == "CP-2024-0001"
    assert read_all(path, OBJECT_COLUMNS) == read_all(path, OBJECT_COLUMNS)  # stable


def test_chinese_headers_and_values_in_any_order(tmp_path: Path) -> None:
    english = write_csv(
        tmp_path / "en.csv",
        [
            OBJECT_HEADER,
            good(COOPERATIVE, "cooperative", status="closed"),
            good("XW-1", "behaviour"),
        ],
    )
    chinese_header = [
        "  状态 ",
        "类型",
        "统一社会信用代码或编号",
        "名称",
        "乡镇",
        "监管部门",
        "信用风险分类",
    ]
    chinese = write_csv(
        tmp_path / "zh.csv",
        [
            chinese_header,
            [
                "注销",
                "农民专业合作社",
                COOPERATIVE,
                "安岳县柠都食品有限公司",
                "岳阳镇",
                "SCJGJ",
                "B",
            ],
            ["", "行为", "XW-1", "安岳县柠都食品有限公司", "岳阳镇", "SCJGJ", "B"],
        ],
    )
    assert check_file(chinese, OBJECT_COLUMNS).ok
    assert read_all(chinese, OBJECT_COLUMNS) == read_all(english, OBJECT_COLUMNS)


def test_bom_is_ignored(tmp_path: Path) -> None:
    rows = [OBJECT_HEADER, good()]
    plain = write_csv(tmp_path / "plain.csv", rows)
    bom = write_csv(tmp_path / "bom.csv", rows, bom=True)
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf")
    assert check_file(bom, OBJECT_COLUMNS).ok
    assert read_all(bom, OBJECT_COLUMNS) == read_all(plain, OBJECT_COLUMNS)
    assert check_file(bom, OBJECT_COLUMNS).sha256 == hashlib.sha256(bom.read_bytes()).hexdigest()


def test_blank_rows_are_skipped_and_quoted_line_breaks_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    write_csv(path, [OBJECT_HEADER, good(), ["", " ", ""], [], good(INDIVIDUAL, "individual")])
    with path.open("a", encoding="utf-8", newline="") as out:
        csv.writer(out).writerow(good(COOPERATIVE, "cooperative", scope="种植\n销售"))
        csv.writer(out).writerow(good("XM-1", "project", credit_class="X"))
    check = check_file(path, OBJECT_COLUMNS)
    # The quoted line break makes line 6 two lines of the file, one row of a spreadsheet.
    assert check.rows == 4
    assert check.errors == (
        RowError(6, "scope", "contains a line break or another control character"),
        RowError(7, "credit_class", "must be one of A, B, C, D; got 'X'"),
    )


# --- bad rows ----------------------------------------------------------------------------

MIXED = [
    OBJECT_HEADER,
    good(),  # 2
    good(BAD_CHECK),  # 3
    good("CP 1", "product"),  # 4
    good(INDIVIDUAL, "individual", credit_class="E"),  # 5
    good("XM-1", "project", penalties="2023/5/1"),  # 6
    good("XW-1", "behaviour", name=""),  # 7
    [],  # 8: blank
    good(ENTERPRISE, region="通贤镇"),  # 9: duplicate of line 2
    good(COOPERATIVE, "cooperative", complaints="-1", supervisors="scjgj"),  # 10
    good("CP-2", "产品", status="注销"),  # 11: good, Chinese values
    good(INDIVIDUAL.lower(), "individual"),  # 12
    good("CP-3", "goods", penalties="2023-02-30"),  # 13
    good("CP-4", "product", supervisors="SCJGJ;SWJ;SCJGJ", status="open"),  # 14
]
MIXED_ERRORS = (
    RowError(
        3,
        "id",
        f"'{BAD_CHECK}' check character should be {ENTERPRISE[17]}, not "
        f"{BAD_CHECK[17]} (the id of kind enterprise is its unified social credit code)",
    ),
    RowError(4, "id", "'CP 1' contains whitespace"),
    RowError(5, "credit_class", "must be one of A, B, C, D; got 'E'"),
    RowError(6, "penalties", "'2023/5/1' is not a date YYYY-MM-DD"),
    RowError(7, "name", "is required"),
    RowError(9, "id", "duplicate id, first seen on line 2"),
    RowError(
        10,
        "supervisors",
        "'scjgj' is not a department code (2-20 upper case letters, "
        "digits, '_' or '-', starting with a letter, e.g. SCJGJ)",
    ),
    RowError(10, "complaints", "'-1' is not a whole number from 0 to 999999999"),
    RowError(
        12,
        "id",
        f"'{INDIVIDUAL.lower()}' is lower case; codes are upper case (the id of "
        "kind individual is its unified social credit code)",
    ),
    RowError(
        13,
        "kind",
        "must be one of enterprise, individual, cooperative, product, project, "
        "behaviour, 企业, 个体工商户, 农民专业合作社, 产品, 项目, 行为; "
        "got 'goods'",
    ),
    RowError(13, "penalties", "'2023-02-30' is not a date YYYY-MM-DD"),
    RowError(14, "supervisors", "lists 'SCJGJ' twice"),
    RowError(14, "status", "must be one of active, closed, 存续, 注销; got 'open'"),
)


def test_mixed_rows_give_exact_lines_and_reasons(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mixed.csv", MIXED)
    check = check_file(path, OBJECT_COLUMNS)
    assert check.errors == MIXED_ERRORS
    assert (check.rows, check.truncated, bool(check)) == (12, False, False)
    assert str(check.errors[0]).startswith("line 3, id: ")
    with pytest.raises(ValidationError) as refused:
        read_all(path, OBJECT_COLUMNS)
    assert refused.value.errors == {"line 3": [str(MIXED_ERRORS[0])]}


def test_csv_and_xlsx_give_the_same_rows_and_errors(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path / "mixed.csv", MIXED)
    xlsx_path = write_xlsx(tmp_path / "mixed.xlsx", MIXED)
    from_csv, from_xlsx = (
        check_file(csv_path, OBJECT_COLUMNS),
        check_file(xlsx_path, OBJECT_COLUMNS),
    )
    assert from_xlsx.errors == from_csv.errors == MIXED_ERRORS
    assert (from_xlsx.rows, from_xlsx.format) == (12, "xlsx")
    assert from_xlsx.sha256 == hashlib.sha256(xlsx_path.read_bytes()).hexdigest()
    good_rows = [OBJECT_HEADER, MIXED[1], MIXED[10], good(COOPERATIVE, "cooperative")]
    csv_good = write_csv(tmp_path / "good.csv", good_rows)
    xlsx_good = write_xlsx(tmp_path / "good.xlsx", good_rows)
    assert check_file(xlsx_good, OBJECT_COLUMNS).ok
    assert read_all(xlsx_good, OBJECT_COLUMNS) == read_all(csv_good, OBJECT_COLUMNS)


def test_xlsx_numbers_and_dates_read_as_their_text(tmp_path: Path) -> None:
    text = write_csv(
        tmp_path / "t.csv",
        [
            OBJECT_HEADER,
            good(penalties="2023-05-01", complaints="3"),
            good("CP-1", "product", complaints="2"),
        ],
    )
    typed = write_xlsx(
        tmp_path / "t.xlsx",
        [
            OBJECT_HEADER,
            good(penalties=datetime(2023, 5, 1), complaints=3),
            good("CP-1", "product", complaints=2.0),
        ],
    )
    assert read_all(typed, OBJECT_COLUMNS) == read_all(text, OBJECT_COLUMNS)
    # Excel keeps 15 digits: an all-digit code typed as a number has lost its end.
    lossy = write_xlsx(tmp_path / "lossy.xlsx", [OBJECT_HEADER, good(9.14403001922038e17)])
    assert check_file(lossy, OBJECT_COLUMNS).errors == (
        RowError(
            2,
            "id",
            "is a number too long for a spreadsheet to keep exactly; format the column as text",
        ),
    )


def test_value_under_a_column_without_header(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "o.csv", [[*OBJECT_HEADER, ""], [*good(), ""], [*good(), "x", "y"]])
    assert check_file(path, OBJECT_COLUMNS).errors == (
        RowError(3, None, "has a value in column L, which has no header"),
        RowError(3, None, "has a value in column M, which has no header"),
        RowError(3, "id", "duplicate id, first seen on line 2"),
    )


def test_errors_are_capped(tmp_path: Path) -> None:
    rows = [OBJECT_HEADER] + [good(f"CP-{i}", "product", credit_class="Z") for i in range(50)]
    path = write_csv(tmp_path / "o.csv", rows)
    check = check_file(path, OBJECT_COLUMNS, max_errors=10)
    assert (len(check.errors), check.truncated, check.rows) == (10, True, 50)
    assert [e.line for e in check.errors] == list(range(2, 12))
    assert check.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


cell_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
row_cells = st.lists(cell_text, max_size=len(OBJECT_HEADER) + 2)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.one_of(row_cells, st.builds(good)), max_size=6), bom=st.booleans())
def test_any_text_gives_errors_never_a_traceback(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], bom: bool
) -> None:
    path = write_csv(tmp_path_factory.mktemp("any") / "o.csv", [OBJECT_HEADER, *rows], bom=bom)
    check = check_file(path, OBJECT_COLUMNS)
    assert all(isinstance(error, RowError) and error.line >= 1 for error in check.errors)
    if check.ok:
        assert len(read_all(path, OBJECT_COLUMNS)) == check.rows
    else:
        with pytest.raises(ValidationError):
            read_all(path, OBJECT_COLUMNS)


# --- headers -------------------------------------------------------------------------------


def test_unknown_and_missing_columns_on_line_1(tmp_path: Path) -> None:
    header = ["id", "名称", "kind", "乡镇", "supervisors", "备注", "信用风险分类 "]
    path = write_csv(tmp_path / "o.csv", [header, ["x"] * len(header)])
    (unknown,) = [e for e in check_file(path, OBJECT_COLUMNS).errors if e.column is None]
    assert unknown.line == 1
    assert unknown.reason.startswith(
        "unknown column '备注' in column F; the object directory's "
        "columns are id/统一社会信用代码或编号, name/名称, "
    )
    path = write_csv(tmp_path / "o.csv", [["名称", "kind", "region"], ["a", "product", "岳阳镇"]])
    assert check_file(path, OBJECT_COLUMNS).errors == (
        RowError(1, "id", "required column is missing (id or 统一社会信用代码或编号)"),
        RowError(1, "supervisors", "required column is missing (supervisors or 监管部门)"),
        RowError(1, "credit_class", "required column is missing (credit_class or 信用风险分类)"),
    )
    with pytest.raises(ValidationError, match="line 1, id: required column is missing"):
        read_all(path, OBJECT_COLUMNS)


def test_a_column_twice_and_a_semicolon_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "o.csv", [[*OBJECT_HEADER, "名称"], [*good(), "x"]])
    assert check_file(path, OBJECT_COLUMNS).errors == (
        RowError(1, "name", "appears twice (columns B and L)"),
    )
    path = tmp_path / "semicolons.csv"
    path.write_text(";".join(OBJECT_HEADER) + "\n", encoding="utf-8")
    reasons = [e.reason for e in check_file(path, OBJECT_COLUMNS).errors]
    assert "seems to separate columns with ';'" in reasons[0]


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert check_file(empty, OBJECT_COLUMNS) == FileCheck(
        0,
        (RowError(1, None, "the file is empty; line 1 must be the header"),),
        False,
        hashlib.sha256(b"").hexdigest(),
        "csv",
    )
    with pytest.raises(ValidationError, match="empty"):
        read_all(empty, OBJECT_COLUMNS)
    header_only = write_csv(tmp_path / "header.csv", [OBJECT_HEADER, []])
    assert check_file(header_only, OBJECT_COLUMNS).errors == (
        RowError(1, None, "the file has a header but no rows"),
    )
    with pytest.raises(ValidationError, match="line 1: the file has a header but no rows"):
        read_all(header_only, OBJECT_COLUMNS)
    empty_sheet = write_xlsx(tmp_path / "empty.xlsx", [])
    assert check_file(empty_sheet, OBJECT_COLUMNS).errors[0].reason.startswith("the file is empty")


# --- unreadable files ----------------------------------------------------------------------


def test_gbk_csv_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    text = ",".join(OBJECT_HEADER) + "\n" + ",".join(str(c) for c in good()) + "\n"
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(ValidationError, match=r"not UTF-8 text \(line 2 of the file.*CSV UTF-8"):
        check_file(path, OBJECT_COLUMNS)
    with pytest.raises(ValidationError, match="not UTF-8"):
        read_all(path, OBJECT_COLUMNS)


def test_xlsx_that_is_not_a_workbook(tmp_path: Path) -> None:
    not_zip = tmp_path / "objects.xlsx"
    not_zip.write_text("id,name\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="not a readable XLSX workbook"):
        check_file(not_zip, OBJECT_COLUMNS)
    other_zip = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(ValidationError, match="not a readable XLSX workbook"):
        check_file(other_zip, OBJECT_COLUMNS)
    truncated = tmp_path / "truncated.xlsx"
    write_xlsx(tmp_path / "whole.xlsx", [OBJECT_HEADER, good()])
    truncated.write_bytes((tmp_path / "whole.xlsx").read_bytes()[:-200])
    with pytest.raises(ValidationError, match="not a readable XLSX workbook"):
        read_all(truncated, OBJECT_COLUMNS)


@pytest.mark.parametrize(
    ("name", "hint"),
    [("objects.txt", "'.txt'"), ("objects.xls", ".xlsx"), ("objects", "no suffix")],
)
def test_unknown_suffix_and_missing_file(tmp_path: Path, name: str, hint: str) -> None:
    path = tmp_path / name
    path.write_text("id\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown file type") as refused:
        check_file(path, OBJECT_COLUMNS)
    assert hint in str(refused.value)
    with pytest.raises(ValidationError, match=r"cannot read missing\.csv"):
        check_file(tmp_path / "missing.csv", OBJECT_COLUMNS)


# --- inspectors ----------------------------------------------------------------------------


def person(**values: object) -> list[object]:
    officer = {
        "id": "AY-0001",
        "name": "张三",
        "position": "科员",
        "unit": "SCJGJ",
        "section": "综合执法股",
        "kind": "officer",
        "certificate": "51202100123",
        "certificate_from": "2022-01-01",
        "certificate_until": "2026-12-31",
        "qualifications": "FOOD-SALE;DRUG",
        "expertise": "食品安全；药品 零售",
        "region": "城区片区",
        "key_id": "0123456789abcdef",
        "conflicts": f"{ENTERPRISE};CP-1",
    }
    merged = officer | values
    return [merged.get(name, "") for name in INSPECTOR_HEADER]


EXPERT = {
    "kind": "专家",
    "certificate": "",
    "certificate_from": "",
    "certificate_until": "",
    "qualifications": "",
    "key_id": "",
    "conflicts": "",
    "position": "",
}
INSPECTORS = [
    INSPECTOR_HEADER,
    person(),  # 2
    person(id="AY-0002", **EXPERT),  # 3
    person(id="AY-0003", certificate="", certificate_until="2021-12-31"),  # 4
    person(id="AY-0004", **(EXPERT | {"certificate": "5120", "certificate_until": "2025-01-01"})),
    person(id="AY-0005", key_id="0123456789ABCDEF", qualifications=";", unit="市场监管局"),  # 6
    person(id="AY-0006", kind="执法人员", certificate_from="", conflicts="A B"),  # 7
]
INSPECTOR_ERRORS = (
    RowError(4, "certificate", "is required for an officer (执法人员)"),
    RowError(4, "certificate_until", "is before certificate_from (2022-01-01)"),
    RowError(5, "certificate", "must be empty for an expert (专家)"),
    RowError(5, "certificate_until", "must be empty for an expert (专家)"),
    RowError(
        6,
        "unit",
        "'市场监管局' is not a department code (2-20 upper case letters, "
        "digits, '_' or '-', starting with a letter, e.g. SCJGJ)",
    ),
    RowError(6, "key_id", "'0123456789ABCDEF' is not a key id (16 lower case hex digits)"),
    RowError(6, "qualifications", "is required for an officer (执法人员)"),
    RowError(7, "conflicts", "'A B' contains whitespace"),
    RowError(7, "certificate_from", "is required for an officer (执法人员)"),
)


def test_inspector_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "inspectors.csv", INSPECTORS)
    assert check_file(path, INSPECTOR_COLUMNS).errors == INSPECTOR_ERRORS
    xlsx = write_xlsx(tmp_path / "inspectors.xlsx", INSPECTORS)
    assert check_file(xlsx, INSPECTOR_COLUMNS).errors == INSPECTOR_ERRORS
    good_path = write_csv(tmp_path / "good.csv", INSPECTORS[:3])
    officer, expert = (row for _, row in read_all(good_path, INSPECTOR_COLUMNS))
    assert officer == {
        "id": "AY-0001",
        "name": "张三",
        "position": "科员",
        "unit": "SCJGJ",
        "section": "综合执法股",
        "kind": "officer",
        "certificate": "51202100123",
        "certificate_from": "2022-01-01",
        "certificate_until": "2026-12-31",
        "qualifications": ["FOOD-SALE", "DRUG"],
        "expertise": ["食品安全", "药品 零售"],
        "region": "城区片区",
        "key_id": "0123456789abcdef",
        "conflicts": [ENTERPRISE, "CP-1"],
    }
    assert expert["kind"] == "expert" and expert["certificate"] is None
    assert expert["qualifications"] == [] and expert["position"] is None


def test_inspector_chinese_headers(tmp_path: Path) -> None:
    english = write_csv(tmp_path / "en.csv", INSPECTORS[:3])
    chinese = write_csv(
        tmp_path / "zh.csv", [[c.alias for c in INSPECTOR_COLUMNS], *INSPECTORS[1:3]]
    )
    assert read_all(chinese, INSPECTOR_COLUMNS) == read_all(english, INSPECTOR_COLUMNS)
    assert (
        check_file(chinese, OBJECT_COLUMNS).errors[0].reason.startswith("unknown column '人员编号'")
    )


# --- batches -------------------------------------------------------------------------------


def test_batches_and_their_digest(tmp_path: Path) -> None:
    path = tmp_path / "objects.csv"
    write_generated_objects(path, 2500, seed=3)
    rows = [row for _, row in iter_rows(path, OBJECT_COLUMNS)]
    sizes = [len(batch) for batch in batches((row for row in rows), size=1000)]
    assert sizes == [1000, 1000, 500]
    first = next(batches(rows, 1000))
    assert batch_digest(first) == hashlib.sha256(canonical_bytes(first)).hexdigest()
    again = next(batches((row for _, row in iter_rows(path, OBJECT_COLUMNS)), 1000))
    assert batch_digest(again) == batch_digest(first)
    assert batch_digest(first[1:]) != batch_digest(first)
    assert list(batches([], 10)) == []
    with pytest.raises(ValueError, match="size"):
        next(batches(rows, 0))


# --- speed -----------------------------------------------------------------------------------


def test_100_000_rows_stream_in_bounded_memory(tmp_path: Path) -> None:
    """The checking pass streams: rows reach ``on_row`` in file order while the file is
    still being read, and nothing per row is kept but the duplicate check's id entry
    (~140 bytes). Its speed is a figure in ``bench/import.py``, not an assertion here."""
    import tracemalloc

    rows = 100_000
    path = tmp_path / "objects.csv"
    write_generated_objects(path, rows, seed=1, departments=("SCJGJ", "SWJ", "WJJ"))
    seen: list[str] = []
    peak_at_first_row: list[int] = []

    def on_row(row: Row) -> None:
        if not seen:
            peak_at_first_row.append(tracemalloc.get_traced_memory()[0])
        if len(seen) < 3 or len(seen) == rows - 1:
            seen.append(str(row["id"]))
        else:
            seen.append("")

    tracemalloc.start()
    try:
        check = check_file(path, OBJECT_COLUMNS, on_row=on_row)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert check.ok and check.rows == rows
    assert len(seen) == rows
    with path.open(encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert [s for s in seen[:3]] == [line.split(",")[0] for line in lines[1:4]]
    assert seen[-1] == lines[-1].split(",")[0]
    # The first row arrived before the file was held in memory (the file is ~20 MB).
    assert peak_at_first_row[0] < 2_000_000
    # Flat apart from the id table: well under the file's size, ~300 B per row at most.
    assert peak < 300 * rows, f"peak {peak:,} bytes for {rows:,} rows"
    assert peak < path.stat().st_size


def test_a_refusal_counts_rows_and_problems_apart_and_lists_each(tmp_path: Path) -> None:
    """Issue 14 §3: '6 bad row(s)' for a 2-row file was problems, not rows; every
    problem of a row is listed, not only its first."""
    from ledger.areas.directory.files import FileCheck, RowError
    from ledger.areas.directory.importer import refuse

    check = FileCheck(
        rows=2,
        errors=(
            RowError(2, "id", "bad check character"),
            RowError(2, "kind", "unknown kind"),
            RowError(3, None, "duplicate id"),
        ),
        truncated=False,
        sha256="0" * 64,
        format="csv",
    )
    error = refuse(tmp_path / "objects.csv", check)
    assert "3 problem(s) in 2 row(s) of 2" in error.message
    assert error.errors == {
        "line 2": ["id: bad check character", "kind: unknown kind"],
        "line 3": ["duplicate id"],
    }


# --- worksheets and progress (issue 14 §3) ---------------------------------------------


def test_a_workbook_with_several_sheets_is_read_only_at_the_one_named(tmp_path: Path) -> None:
    """R2.1: never silently the first sheet of several; --sheet names the one to read."""
    path = tmp_path / "two.xlsx"
    book = openpyxl.Workbook(write_only=True)
    notes = book.create_sheet("说明")
    notes.append(["填表说明"])
    sheet = book.create_sheet("对象")
    for row in (OBJECT_HEADER, good()):
        sheet.append([None if cell == "" else cell for cell in row])
    book.save(path)
    with pytest.raises(ValidationError) as several:
        check_file(path, OBJECT_COLUMNS)
    assert "'说明', '对象'" in several.value.message and "--sheet" in several.value.message
    with pytest.raises(ValidationError) as unknown:
        check_file(path, OBJECT_COLUMNS, sheet="名录")
    assert "no worksheet '名录'" in unknown.value.message
    assert check_file(path, OBJECT_COLUMNS, sheet="对象").rows == 1
    assert [row["id"] for _, row in iter_rows(path, OBJECT_COLUMNS, sheet="对象")] == [ENTERPRISE]
    with pytest.raises(ValidationError):
        list(iter_rows(path, OBJECT_COLUMNS))
    one = write_xlsx(tmp_path / "one.xlsx", [OBJECT_HEADER, good()])
    assert check_file(one, OBJECT_COLUMNS, sheet="对象").ok  # naming the only one is fine
    csv_file = write_csv(tmp_path / "a.csv", [OBJECT_HEADER, good()])
    with pytest.raises(ValidationError) as not_a_book:
        check_file(csv_file, OBJECT_COLUMNS, sheet="对象")
    assert "--sheet is for .xlsx" in not_a_book.value.message


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_checking_pass_reports_progress_to_its_end(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / "objects.csv"
    write_generated_objects(source, 10_000, seed=3, departments=("SCJGJ",))
    if suffix == "xlsx":
        with source.open(encoding="utf-8") as handle:
            path = write_xlsx(tmp_path / "objects.xlsx", list(csv.reader(handle)))
    else:
        path = source
    seen: list[tuple[int, int]] = []
    check = check_file(path, OBJECT_COLUMNS, progress=lambda *at: seen.append(at))
    assert check.rows == 10_000
    assert len(seen) >= 3  # every few thousand lines, and at the end
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert all(0 <= done <= total for done, total in seen)
    assert seen[-1][0] == seen[-1][1] > 0
    if suffix == "csv":
        assert seen[-1][1] == path.stat().st_size


def test_a_refusal_counts_the_header_apart_from_the_rows(tmp_path: Path) -> None:
    """Issue 14 §3: rows and problems counted apart -- and the header is not a row."""
    from ledger.areas.directory.importer import check_objects

    header_only = write_csv(tmp_path / "h.csv", [["id", "name"]])
    with pytest.raises(ValidationError) as refused:
        check_objects(header_only, "SCJGJ")
    assert "4 problem(s) in the header (line 1);" in refused.value.message
    rows = write_csv(tmp_path / "r.csv", [OBJECT_HEADER, good(), good(id_=COOPERATIVE, kind="x")])
    with pytest.raises(ValidationError) as refused:
        check_objects(rows, "SCJGJ")
    assert "1 problem(s) in 1 row(s) of 2;" in refused.value.message
