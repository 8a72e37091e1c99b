"""The columns of the two directory files (两库, R4.1, R4.2/R4.3): their English and
Chinese names, whether each is required, and the rule that normalises and checks each
cell. :mod:`ledger.areas.directory.files` reads the files with these specs.

Invariant: a rule turns a cell's text into the row's stable JSON value or a problem in
words; the same text always gives the same value (so batch digests reproduce).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import compress
from typing import cast

from ledger.areas.departments.events import CODE_PATTERN
from ledger.areas.directory.uscc import codes_sound, structure_findings, uscc_problem
from ledger.areas.inspectors.rules import (
    certificate_reversed,
    expert_holds,
    officer_lacks,
    source_fields_lacking,
)
from ledger.i18n import _

JSONValue = str | int | list[str] | None


#: A normalised row: English column name -> JSON value.
Row = dict[str, JSONValue]


Problem = tuple[str | None, str]  # (English column name or None, reason)

#: A parser's check of a whole column of non-empty, stripped cells: True only if it
#: takes every one of them as it is (returns the text itself); False says nothing
#: about any one cell. Parsers that have one are listed in :data:`WHOLE_COLUMN`.
WholeColumn = Callable[[Sequence[str]], bool]
WHOLE_COLUMN: dict[Callable[[str], JSONValue], WholeColumn] = {}
#: English column name -> the column's values in a block of rows.
Columns = dict[str, list[JSONValue]]


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    ``parse`` turns a non-empty, stripped cell into its JSON value or raises
    ``ValueError`` with a reason. An empty cell is an error if ``required``, else it
    takes ``[]`` (``multi``) or ``default``.
    """

    name: str
    alias: str
    required: bool
    parse: Callable[[str], JSONValue]
    description: str
    multi: bool = False
    default: str | int | None = None
    #: Headers this column was known by before (still accepted in files).
    former: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnSpec:
    """The columns of one directory and the rules that relate columns of a row."""

    directory: str
    columns: tuple[Column, ...]
    #: (row, names of columns already bad) -> problems with rules spanning columns.
    check_row: Callable[[Row, set[str]], list[Problem]]
    #: The same rules for a block of good cells, column by column: True only if
    #: ``check_row`` finds nothing in any of the rows (None: no such check).
    check_rows: Callable[[Columns], bool] | None = None
    by_header: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        headers = {c.name: c for c in self.columns} | {c.alias: c for c in self.columns}
        headers |= {old: c for c in self.columns for old in c.former}
        object.__setattr__(self, "by_header", headers)

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


_NOT_TOKEN = re.compile(r"[\s\x00-\x1f\x7f]")


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


_COUNT = re.compile(r"[0-9]{1,9}")


_DEPARTMENT = re.compile(CODE_PATTERN)


_KEY_ID = re.compile(r"[0-9a-f]{16}")


_SEPARATORS = re.compile(r"[;；]")


def quote(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _text(max_length: int) -> Callable[[str], JSONValue]:
    def parse(text: str) -> JSONValue:
        if len(text) > max_length:
            raise ValueError(_("is longer than {max_length} characters", max_length=max_length))
        if _CONTROL.search(text):
            raise ValueError(_("contains a line break or another control character"))
        return text

    def whole(texts: Sequence[str]) -> bool:
        return max(map(len, texts)) <= max_length and not _CONTROL.search("".join(texts))

    WHOLE_COLUMN[parse] = whole
    return parse


def _token(text: str) -> JSONValue:
    """An id or number: 1-64 characters without whitespace."""
    if len(text) > 64:
        raise ValueError(_("{text} is longer than 64 characters", text=quote(text)))
    if _NOT_TOKEN.search(text):
        raise ValueError(_("{text} contains whitespace", text=quote(text)))
    return text


def _tokens(texts: Sequence[str]) -> bool:
    return max(map(len, texts)) <= 64 and not _NOT_TOKEN.search("".join(texts))


WHOLE_COLUMN[_token] = _tokens


def _department(text: str) -> JSONValue:
    if not _DEPARTMENT.fullmatch(text):
        raise ValueError(
            _(
                "{text} is not a department code (2-20 upper case letters, digits, '_' "
                "or '-', starting with a letter, e.g. SCJGJ)",
                text=quote(text),
            )
        )
    return text


def _date(text: str) -> JSONValue:
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass  # 2024-02-30 has the shape but is no date
    raise ValueError(_("{text} is not a date YYYY-MM-DD", text=quote(text)))


def _count(text: str) -> JSONValue:
    if not _COUNT.fullmatch(text):
        raise ValueError(_("{text} is not a whole number from 0 to 999999999", text=quote(text)))
    return int(text)


def _key_id(text: str) -> JSONValue:
    if not _KEY_ID.fullmatch(text):
        raise ValueError(_("{text} is not a key id (16 lower case hex digits)", text=quote(text)))
    return text


def _choice(values: dict[str, str]) -> Callable[[str], JSONValue]:
    """Accept each key (English or Chinese), store its English value."""
    shown = ", ".join(values)

    def parse(text: str) -> JSONValue:
        if text not in values:
            raise ValueError(_("must be one of {shown}; got {text}", shown=shown, text=quote(text)))
        return values[text]

    return parse


def _list_of(item: Callable[[str], JSONValue]) -> Callable[[str], JSONValue]:
    """Items separated by ";" or "；"; empty items (a trailing ";") are ignored."""

    def parse(text: str) -> JSONValue:
        items: list[str] = []
        for part in _SEPARATORS.split(text):
            part = part.strip()
            if not part:
                continue
            value = item(part)
            assert isinstance(value, str)  # item parsers return text
            if value in items:
                raise ValueError(_("lists {value} twice", value=quote(value)))
            items.append(value)
        return items

    return parse


ENTITY_KINDS = ("enterprise", "individual", "cooperative")


#: Object kinds (R4.1): English name -> Chinese name; both are accepted in files.
OBJECT_KINDS = {
    "enterprise": "企业",
    "individual": "个体工商户",
    "cooperative": "农民专业合作社",
    "product": "产品",
    "project": "项目",
    "behaviour": "行为",
}


#: Object statuses: English name -> Chinese name; both are accepted in files.
OBJECT_STATUSES = {"active": "存续", "closed": "注销"}


_INSPECTOR_KINDS = {"officer": "执法人员", "expert": "专家", "daily": "从事日常监管工作的人员"}


def _bilingual(names: dict[str, str]) -> Callable[[str], JSONValue]:
    return _choice({e: e for e in names} | {c: e for e, c in names.items()})


def _object_rules(row: Row, bad: set[str]) -> list[Problem]:
    # Market entities are identified by their USCC (R4.1); other objects by free text.
    kind = row["kind"]
    code = row["id"]
    if "id" in bad or "kind" in bad or kind not in ENTITY_KINDS or not isinstance(code, str):
        return []
    problem = uscc_problem(code)
    if problem is None:
        # The structure beyond the check character (R4.1; warnings are the importer's).
        errors, _warnings = structure_findings(code, str(kind))
        return [("id", _("{code} {problem}", code=quote(code), problem=error)) for error in errors]
    return [
        (
            "id",
            _(
                "{code} {problem} (the id of kind {kind} is its unified social credit code)",
                code=quote(code),
                problem=problem,
                kind=kind,
            ),
        )
    ]


_ENTITY_KIND_SET = frozenset(ENTITY_KINDS)


def _object_rows(columns: Columns) -> bool:
    """:func:`_object_rules` for a block of good cells: every market entity's code sound."""
    entity = map(_ENTITY_KIND_SET.__contains__, columns["kind"])
    codes = list(compress(columns["id"], entity))
    return codes_sound(cast(list[str], codes))  # any that is not text: False


def _inspector_rules(row: Row, bad: set[str]) -> list[Problem]:
    # The rules are the directory's (ledger.areas.inspectors.rules); the wording is the file's.
    if "kind" in bad:
        return []
    problems: list[Problem] = []
    if row["kind"] == "officer":
        for name in officer_lacks(row):
            if name not in bad:
                problems.append((name, "is required for an officer (执法人员)"))
        start, until = row["certificate_from"], row["certificate_until"]
        if isinstance(start, str) and isinstance(until, str) and certificate_reversed(start, until):
            problems.append(("certificate_until", f"is before certificate_from ({start})"))
    elif row["kind"] == "expert":
        # Outside helpers assist but are not enforcement officers (R4.3).
        for name in expert_holds(row):
            if name not in bad:
                problems.append((name, "must be empty for an expert (专家)"))
    # R4.2: the source lists 职务 and 业务专长 for everyone in the directory.
    for name in source_fields_lacking(row):
        if name not in bad:
            problems.append((name, "is required (R4.2: 职务、业务专长 are listed by the source)"))
    return problems


# A table: one column per line reads better than the formatter's one argument per line.
# fmt: off
OBJECT_COLUMNS = ColumnSpec("object", (
    Column("id", "统一社会信用代码或编号", True, _token,
           "USCC for enterprise, individual, cooperative; else 1-64 characters, no spaces"),
    Column("name", "名称", True, _text(200), "name, up to 200 characters"),
    Column("kind", "类型", True, _bilingual(OBJECT_KINDS),
           "enterprise, individual, cooperative, product, project or behaviour (or Chinese)"),
    Column("region", "乡镇", True, _text(64), "township (乡镇) name"),
    Column("industry", "行业", False, _text(100), "industry"),
    Column("scope", "经营范围", False, _text(2000), "business scope"),
    Column("supervisors", "监管部门", True, _list_of(_department),
           "supervising department codes, separated by ; or ；", multi=True),
    Column("credit_class", "信用风险分类", True, _choice({c: c for c in "ABCD"}),
           "credit risk class A, B, C or D"),
    Column("penalties", "行政处罚日期", False, _list_of(_date),
           "dates YYYY-MM-DD of administrative penalties, separated by ;", multi=True),
    # 查实投诉举报次数, as the source words it (R5.3); the first wording is still read.
    Column("complaints", "查实投诉举报次数", False, _count,
           "number of verified complaints and reports, default 0", default=0,
           former=("核实投诉次数",)),
    Column("status", "状态", False, _bilingual(OBJECT_STATUSES),
           "active or closed (存续 / 注销), default active", default="active"),
), _object_rules, _object_rows)


INSPECTOR_COLUMNS = ColumnSpec("inspector", (
    Column("id", "人员编号", True, _token, "staff number, 1-64 characters, no spaces"),
    Column("name", "姓名", True, _text(100), "name"),
    Column("position", "职务", False, _text(64), "position"),
    Column("unit", "工作单位", True, _department, "department code of the unit"),
    Column("section", "股室", False, _text(64), "section"),
    Column("kind", "人员类别", True, _bilingual(_INSPECTOR_KINDS),
           "officer, daily or expert (执法人员 / 从事日常监管工作的人员 / 专家)"),
    Column("certificate", "执法证号", False, _token,
           "enforcement certificate number: required for officers, empty for experts"),
    Column("certificate_from", "证件有效期起", False, _date,
           "certificate valid from, YYYY-MM-DD: required for officers, empty for experts"),
    Column("certificate_until", "证件有效期止", False, _date,
           "certificate valid until, not before from: required for officers, empty for experts"),
    Column("qualifications", "执法资质", False, _list_of(_token),
           "item kinds or codes the person may inspect, separated by ;: required for officers",
           multi=True),
    Column("expertise", "业务专长", False, _list_of(_text(64)),
           "fields of expertise, separated by ;", multi=True),
    Column("region", "片区", False, _text(64), "area (片区)"),
    Column("key_id", "密钥编号", False, _key_id, "signing key id, 16 lower case hex digits"),
    Column("conflicts", "回避对象", False, _list_of(_token),
           "ids of objects the person must not inspect (回避), separated by ;", multi=True),
), _inspector_rules)
