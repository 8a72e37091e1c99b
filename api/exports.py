"""Exports people use (issue 13, clause 5): CSV and XLSX with Chinese headers, the same for
a page's download and the matching CLI command's ``--export FILE``; and the publication
feed in the layout of a bulk upload to the national enterprise credit publicity system.

Cells show names as well as codes (department, item, result), dates as ``YYYY-MM-DD``,
lists joined with ``、``. CSV is UTF-8 with a byte order mark, so that Excel -- what the
county offices open it with -- reads the Chinese correctly; XLSX is written by openpyxl.

The publicity-system layout (:data:`GSXT_COLUMNS`): the system's spot-check result
import is keyed by the enterprise's 统一社会信用代码 (with its name, which the system
checks against the register), groups results by the implementing authority and by the
task (抽查任务编号/名称, the draw that chose the object, or 案件线索 for a case), and takes
the result as one of its own seven categories, in its own words -- the Chinese names in
``ledger.areas.inspections.events.RESULTS`` are exactly those. The check's type (双随机
for a drawn object, 其他 for a case) and the two dates the measures require (结果形成日期,
公示日期, R9.1) complete a row. One row per published result; withheld results are not
exported, since they are not published.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ledger.areas.inspections.events import RESULTS
from projections.read.deadlines import DEADLINE_LABELS, STATUS_LABELS
from projections.review.verdicts import VERDICTS as REVIEW_VERDICTS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Row = Mapping[str, Any]
Names = Mapping[str, Mapping[str, str]]

#: The Chinese of the codes an export names: the same tables the deadline board, the duty
#: review and the API's ``<key>_name`` use, so no export shows a code they name.
VERDICTS = REVIEW_VERDICTS
STATUS = STATUS_LABELS
KINDS = DEADLINE_LABELS

#: listing -> (key, Chinese header) in column order.
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "results": (
        ("position", "日志位置"),
        ("object", "统一社会信用代码"),
        ("name", "检查对象名称"),
        ("department_name", "实施部门"),
        ("department", "部门代码"),
        ("item_name", "抽查事项"),
        ("item", "事项编码"),
        ("result_name", "抽查结果"),
        ("formed_on", "结果形成日期"),
        ("published_on", "公示日期"),
    ),
    "deadlines": (
        ("kind_name", "时限事项"),
        ("subject", "对象"),
        ("department_name", "责任部门"),
        ("department", "部门代码"),
        ("due", "截止日期"),
        ("done", "完成日期"),
        ("status_name", "状态"),
        ("problem", "说明"),
        ("about", "对象、事项与部门"),
    ),
    "task_ledger": (
        ("task", "任务编号"),
        ("task_name", "任务名称"),
        ("draw", "摇号批次"),
        ("lead_name", "牵头部门"),
        ("object", "统一社会信用代码"),
        ("person", "检查人员编号"),
        ("name", "检查人员"),
        ("department_name", "所属部门"),
        ("section", "股室"),
        ("drawn_on", "抽取日期"),
        ("organised_on", "组织实施日期"),
        ("checked_on", "检查日期"),
        ("results", "结果"),
    ),
    "coverage": (
        ("department_name", "部门"),
        ("department", "部门代码"),
        ("item", "事项编码"),
        ("name", "抽查事项"),
        ("tasks", "任务数"),
        ("joint_tasks", "联合任务数"),
        ("drawn_inspections", "双随机检查数"),
        ("case_inspections", "案件线索检查数"),
        ("arbitrary_inspections", "无依据检查数"),
    ),
    "reviews": (
        ("party", "当事方"),
        ("kind_name", "类型"),
        ("name", "名称"),
        ("verdict_name", "结论"),
        ("rules", "依据规则"),
        ("evidence", "证据（日志位置）"),
        ("settled_text", "纪检研判"),
    ),
    "trail": (
        ("position", "日志位置"),
        ("time", "记录时间（UTC）"),
        ("act_date", "业务日期"),
        ("act_date_label", "业务日期含义"),
        ("action", "操作"),
        ("signer", "签名人"),
        ("actor", "密钥"),
        ("deadlines", "时限"),
    ),
}

GSXT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("seq", "序号"),
    ("object", "统一社会信用代码"),
    ("name", "企业名称"),
    ("task", "抽查任务编号"),
    ("task_name", "抽查任务名称"),
    ("authority", "检查实施机关"),
    ("item_name", "抽查事项"),
    ("check_type", "检查类型"),
    ("result_name", "检查结果"),
    ("formed_on", "结果形成日期"),
    ("published_on", "公示日期"),
)


def _dept(names: Names | None, code: Any) -> str:
    if not code:
        return ""
    return str((names or {}).get("departments", {}).get(str(code), code))


def displayed(listing: str, row: Row, names: Names | None = None) -> dict[str, Any]:
    """``row`` with the display columns of ``listing`` added (names beside codes)."""
    out = dict(row)
    out["department_name"] = _dept(names, row.get("department"))
    if listing == "results":
        out["item_name"] = (names or {}).get("items", {}).get(str(row.get("item")), "")
        out["result_name"] = RESULTS.get(str(row.get("result")), row.get("result"))
    elif listing == "deadlines":
        out["kind_name"] = KINDS.get(str(row.get("kind")), row.get("kind"))
        out["status_name"] = STATUS.get(str(row.get("status")), row.get("status"))
    elif listing == "task_ledger":
        out["lead_name"] = _dept(names, row.get("lead"))
    elif listing == "reviews":
        out["kind_name"] = "部门" if row.get("kind") == "department" else "人员"
        out["verdict_name"] = VERDICTS.get(str(row.get("verdict")), row.get("verdict"))
        settled = row.get("settled")
        out["settled_text"] = (
            f"{VERDICTS.get(settled.get('verdict', ''), '')}：{settled.get('reasoning', '')}"
            if isinstance(settled, dict)
            else ""
        )
    return out


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(str(cell(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def table(
    listing: str, rows: Iterable[Row], names: Names | None = None
) -> tuple[list[str], list[list[Any]]]:
    """(Chinese headers, cells) of ``rows`` as the ``listing`` export."""
    columns = COLUMNS[listing]
    body = [[cell(displayed(listing, row, names).get(key)) for key, _ in columns] for row in rows]
    return [header for _, header in columns], body


def csv_bytes(headers: Sequence[str], body: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(body)
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def xlsx_bytes(headers: Sequence[str], body: Iterable[Sequence[Any]], title: str) -> bytes:
    openpyxl = importlib.import_module("openpyxl")  # untyped: imported by name
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(headers))
    for row in body:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(
    listing: str, rows: Iterable[Row], fmt: str, names: Names | None = None, title: str = ""
) -> bytes:
    """The export of ``rows`` as ``fmt`` (``csv`` or ``xlsx``)."""
    headers, body = table(listing, rows, names)
    if fmt == "xlsx":
        return xlsx_bytes(headers, body, title or listing)
    return csv_bytes(headers, body)


def gsxt_rows(
    rows: Iterable[Row], names: Names, basis: Callable[[Row], Row | None]
) -> tuple[list[str], list[list[Any]]]:
    """The feed in the publicity system's bulk-upload layout; ``basis(row)`` gives the
    result's basis row (``basis``, ``reference``, ``task_name``) or ``None``."""
    body = []
    for seq, row in enumerate(rows, 1):
        found = basis(row) or {}
        drawn = found.get("basis") == "draw"
        reference = str(found.get("reference") or "")
        values = {
            "seq": seq,
            "object": row["object"],
            "name": row.get("name") or "",
            "task": reference.rsplit("/", 1)[0] if drawn else reference,
            "task_name": found.get("task_name") or ("" if drawn else "案件线索"),
            "authority": _dept(names, row.get("department")),
            "item_name": names.get("items", {}).get(str(row.get("item")), row.get("item")),
            "check_type": "双随机抽查" if drawn else "其他",
            "result_name": RESULTS.get(str(row.get("result")), row.get("result")),
            "formed_on": row.get("formed_on"),
            "published_on": row.get("published_on"),
        }
        body.append([cell(values[key]) for key, _ in GSXT_COLUMNS])
    return [header for _, header in GSXT_COLUMNS], body
