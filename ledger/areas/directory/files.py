"""Directory import files: the object directory (检查对象名录库, SPEC R4.1) and the
inspector directory (执法检查人员名录库, R4.2/R4.3) arrive as batch imports (批量导入, R2.1)
in CSV (UTF-8, with or without BOM) or XLSX. This module reads and checks them.

Invariants:

* **Streaming.** Every function reads a file once, row by row, and keeps no row after
  it is handled. The only state that grows with the file is the duplicate-id map of
  :func:`check_file` and :func:`iter_rows`: one entry (id -> first line) per row, about
  140 bytes per row for 18-character ids (14 MB for 100,000 rows). (openpyxl keeps an
  XLSX file's shared-string table in memory; that is the workbook's, not ours.)
* **Lines are what the user sees.** A line number is the spreadsheet row: the header is
  line 1, the first data row line 2. A CSV record with a quoted line break is one line.
  Blank rows are skipped but keep their number.
* **Same text, same result.** A CSV and an XLSX file whose cells show the same text
  give the same normalised rows and the same errors (XLSX numbers and dates become the
  text a CSV export holds: ``7``, ``2024-03-01``). Whitespace around a cell is ignored.
* **Normalised rows are stable JSON.** A row is a dict with every column's English name
  as key, in the order of the column spec: ``str``, ``int`` (``complaints``), ``list``
  of ``str`` (multi-valued columns, in the order written) or ``None`` (an optional
  column left empty); defaults applied. The same file always gives the same dicts, so
  :func:`batch_digest` of a batch is reproducible.
* **Refusals, not tracebacks.** A file that cannot be read at all (unknown suffix,
  missing, not UTF-8, not an XLSX workbook, broken CSV) raises
  :class:`~ledger.errors.ValidationError`. A file that can be read reports its problems
  as :class:`RowError` values: header problems (unknown, repeated or missing columns; an
  empty file; a header without rows) on line 1, row problems on their own line.

(Over 400 lines on purpose: the CSV and XLSX readers and the streaming check share one
record model and one line numbering; the column rules are apart, in ``columns.py``.)
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import operator
import os
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice, repeat
from pathlib import Path
from typing import Any, Literal, cast

from ledger.areas.directory.columns import (
    WHOLE_COLUMN,
    Column,
    Columns,
    ColumnSpec,
    JSONValue,
    Problem,
    Row,
    quote,
)
from ledger.canonical import canonical_bytes
from ledger.errors import ConfigurationError, ValidationError
from ledger.i18n import Message, _, os_reason

Format = Literal["csv", "xlsx"]
#: How often :func:`check_file` reports progress, in lines.
PROGRESS_LINES = 4096
#: Records :func:`check_file` checks at once, column by column.
BLOCK_RECORDS = 1000
#: At most this many distinct cells of a column are remembered with their value.
MEMO_CELLS = 4096
_MISS = object()


@dataclass(frozen=True)
class RowError:
    """A problem on one line (header = line 1); ``column`` is the English name."""

    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        return str(self.message)

    @property
    def message(self) -> Any:
        """``line 4, id: 'CP 1' contains whitespace`` as a message (Chinese on request)."""
        if self.column:
            return _(
                "line {line}, {column}: {reason}",
                line=self.line,
                column=self.column,
                reason=self.reason,
            )
        return _("line {line}: {reason}", line=self.line, reason=self.reason)


@dataclass(frozen=True)
class FileCheck:
    """What :func:`check_file` found; truthy when the file can be imported."""

    rows: int
    errors: tuple[RowError, ...]
    truncated: bool
    sha256: str
    format: Format

    @property
    def ok(self) -> bool:
        return not self.errors

    def __bool__(self) -> bool:
        return self.ok


Record = tuple[int, Sequence[object]]


def _letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_text(value: object) -> str:
    """The text a CSV export would hold for an XLSX cell value."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not value.is_integer():
            return repr(value)
        # Spreadsheets keep 15 significant digits: an 18-digit code typed as a number
        # has already lost its last digits, so say so instead of guessing.
        if abs(value) >= 1e15:
            raise ValueError(
                _(
                    "is a number too long for a spreadsheet to keep exactly; format the "
                    "column as text"
                )
            )
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _utf8_lines(binary: Iterable[bytes], digest: Any, name: str) -> Iterator[str]:
    # Decoding line by line (b"\n" never occurs inside a UTF-8 sequence) says where a
    # bad byte is, and hashes exactly the bytes read.
    for number, raw in enumerate(binary, start=1):
        digest.update(raw)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                _(
                    "{name} is not UTF-8 text (line {number} of the file, byte {start}); "
                    "Excel's plain 'CSV' is GBK on Chinese Windows: save as 'CSV UTF-8' "
                    "instead",
                    name=name,
                    number=number,
                    start=exc.start + 1,
                ),
                {"file": [_("not UTF-8")]},
            ) from exc
        yield text[1:] if number == 1 and text.startswith("\ufeff") else text


def _csv_records(binary: Iterable[bytes], digest: Any, name: str) -> Iterator[Record]:
    reader = csv.reader(_utf8_lines(binary, digest, name))
    line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ValidationError(
                _(
                    "{name} is not valid CSV at line {line}: {exc}",
                    name=name,
                    line=line + 1,
                    exc=exc,
                ),
                {"file": [str(exc)]},
            ) from exc
        line += 1
        yield line, cells


# What a damaged or foreign file makes zipfile, zlib and openpyxl's XML parsing raise;
# caught only around openpyxl's own calls, never around ours.
_XLSX_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, TypeError,
    SyntaxError, IndexError, AttributeError, OSError,
)  # fmt: skip


def _xlsx_records(rows: Iterator[tuple[object, ...]], name: str) -> Iterator[Record]:
    line = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except _XLSX_ERRORS as exc:
            raise ValidationError(
                _(
                    "{name}: the worksheet is damaged near line {line} ({error}: {exc})",
                    name=name,
                    line=line + 1,
                    error=type(exc).__name__,
                    exc=exc,
                )
            ) from exc
        line += 1
        yield line, cells


def _load_workbook(binary: Any, name: str) -> Any:
    # Imported on first use: only XLSX needs openpyxl, and it ships no type hints.
    try:
        openpyxl = importlib.import_module("openpyxl")
        invalid = importlib.import_module("openpyxl.utils.exceptions").InvalidFileException
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise ConfigurationError(_("reading .xlsx files needs the openpyxl package")) from exc
    try:
        return openpyxl.load_workbook(binary, read_only=True, data_only=True)
    except (*_XLSX_ERRORS, invalid) as exc:
        raise ValidationError(
            _(
                "{name} is not a readable XLSX workbook ({error}: {exc})",
                name=name,
                error=type(exc).__name__,
                exc=exc,
            ),
            {"file": [_("not an XLSX workbook")]},
        ) from exc


#: ``() -> (done, total)``: how far the reading has got, in bytes of what is read.
Where = Callable[[], tuple[int, int]]


def _choose_sheet(workbook: Any, name: str, sheet: str | None) -> Any:
    """The worksheet to read: the only one, or the one ``sheet`` names. A workbook with
    several is refused without ``sheet`` rather than read at its first (issue 14 §3)."""
    sheets = list(workbook.worksheets)
    titles = ", ".join(repr(s.title) for s in sheets)
    if not sheets:
        raise ValidationError(_("{name} has no worksheet", name=name))
    if sheet is None:
        if len(sheets) > 1:
            raise ValidationError(
                _(
                    "{name} has {sheets} worksheets ({titles}); name the one to import with "
                    "--sheet NAME",
                    name=name,
                    sheets=len(sheets),
                    titles=titles,
                ),
                {"sheet": [_("one of {titles}", titles=titles)]},
            )
        return sheets[0]
    for candidate in sheets:
        if candidate.title == sheet:
            return candidate
    raise ValidationError(
        _(
            "{name} has no worksheet {sheet!r}; its worksheets are {titles}",
            name=name,
            sheet=sheet,
            titles=titles,
        ),
        {"sheet": [_("one of {titles}", titles=titles)]},
    )


def _sheet_where(binary: Any, workbook: Any, sheet: Any) -> Where:
    """Progress through the worksheet's compressed part of the zip: openpyxl reads it
    through our file object, so the file position says how far it has got."""
    try:
        info = workbook._archive.getinfo(sheet._worksheet_path)
        start, total = int(info.header_offset), int(info.compress_size)
    except (AttributeError, KeyError, TypeError):  # another openpyxl: the whole file
        start, total = 0, os.fstat(binary.fileno()).st_size
    return lambda: (min(max(binary.tell() - start, 0), total), total)


@contextmanager
def _open_records(
    path: Path, sheet: str | None = None
) -> Iterator[tuple[Format, Iterator[Record], Any, Where]]:
    """(format, records, sha256 object, where); the digest is complete once records are.
    ``sheet`` names the worksheet of an XLSX workbook (a CSV file has none)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        hint = "; save .xls files as .xlsx" if suffix == ".xls" else ""
        raise ValidationError(
            _(
                "{name}: unknown file type {value!r}; expected .csv (UTF-8) or .xlsx{hint}",
                name=path.name,
                value=suffix or "(no suffix)",
                hint=hint,
            ),
            {"file": [_("unknown file type")]},
        )
    if sheet is not None and suffix == ".csv":
        raise ValidationError(
            _(
                "--sheet is for .xlsx workbooks; {name} is a CSV file, which has no worksheets",
                name=path.name,
            ),
            {"sheet": [_("only for .xlsx")]},
        )
    digest = hashlib.sha256()
    try:
        binary = path.open("rb")
    except OSError as exc:
        raise ValidationError(
            _("cannot read {name}: {value}", name=path.name, value=os_reason(exc))
        ) from exc
    with binary:
        if suffix == ".csv":
            size = os.fstat(binary.fileno()).st_size
            where: Where = lambda: (binary.tell(), size)  # noqa: E731
            yield "csv", _csv_records(binary, digest, path.name), digest, where
            return
        for chunk in iter(lambda: binary.read(1 << 20), b""):
            digest.update(chunk)
        binary.seek(0)
        workbook = _load_workbook(binary, path.name)
        try:
            chosen = _choose_sheet(workbook, path.name, sheet)
            # Some writers store a wrong sheet size, and openpyxl would stop reading there.
            chosen.reset_dimensions()
            records = _xlsx_records(chosen.iter_rows(values_only=True), path.name)
            yield "xlsx", records, digest, _sheet_where(binary, workbook, chosen)
        finally:
            workbook.close()


def _is_blank(cells: Sequence[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _read_header(
    spec: ColumnSpec, cells: Sequence[object]
) -> tuple[list[Column | None], list[RowError]]:
    header: list[Column | None] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        try:
            text = _cell_text(cell).strip()
        except ValueError:
            text = str(cell)
        column = spec.by_header.get(text)
        header.append(column)
        if not text:
            continue  # a column without header must stay empty: rows check that
        if column is None:
            accepted = ", ".join(f"{c.name}/{c.alias}" for c in spec.columns)
            unknown = {
                "text": quote(text),
                "column": _letter(index),
                "directory": spec.directory,
                "accepted": accepted,
            }
            if any(separator in text for separator in ";；\t"):
                reason = _(
                    "unknown column {text} in column {column}; the file seems to separate "
                    "columns with ';' or tabs, not commas; the {directory} directory's "
                    "columns are {accepted}",
                    **unknown,
                )
            else:
                reason = _(
                    "unknown column {text} in column {column}; the {directory} directory's "
                    "columns are {accepted}",
                    **unknown,
                )
            errors.append(RowError(1, None, reason))
        elif column.name in seen:
            errors.append(RowError(
                1, column.name,
                _(
                    "appears twice (columns {first} and {second})",
                    first=_letter(seen[column.name]),
                    second=_letter(index),
                ),
            ))  # fmt: skip
            header[index] = None
        else:
            seen[column.name] = index
    for column in spec.columns:
        if column.required and column.name not in seen:
            errors.append(RowError(
                1, column.name,
                _(
                    "required column is missing ({name} or {alias})",
                    name=column.name,
                    alias=column.alias,
                ),
            ))  # fmt: skip
    return header, errors


#: (name, parse, required, multi, default) of a column, as :class:`_RowCheck` reads it.
_Rule = tuple[str, Callable[[str], JSONValue], bool, bool, str | int | None]
#: What checking a record gives: (the row or None if bad, problems, the id if good).
_Checked = tuple[Row | None, list[Problem], str | None]


class _RowCheck:
    """Checks the records of one file against its header: one per file, so the work
    that depends only on the header is done once (an import checks millions of rows).

    Calling it with a record's cells gives None for a blank row, else (the row or None
    if bad, problems, the id if good).
    """

    def __init__(self, spec: ColumnSpec, header: list[Column | None], textual: bool) -> None:
        self.spec, self.header, self.width = spec, header, len(header)
        self.names = tuple(column.name if column else None for column in header)
        # Every cell a str (a CSV record) under a header that names every column: the
        # plain case, where a cell's text is only its stripped self.
        self.plain = textual and None not in self.names
        self.columns: tuple[_Rule, ...] = tuple(
            (column.name, column.parse, column.required, column.multi, column.default)
            for column in spec.columns
        )
        # The plain case reads each column's cell by its index in the file (None: the
        # file has no such column).
        where = {name: index for index, name in enumerate(self.names)}
        self.cells_at: tuple[tuple[int | None, _Rule], ...] = tuple(
            (where.get(rule[0]), rule) for rule in self.columns
        )
        self.check_row = spec.check_row
        # The block path (:meth:`block`): per column, its parser's whole-column check,
        # else the values of the cells seen so far (an empty optional cell: its default).
        self.check_rows = spec.check_rows if self.plain else None
        self.memos: dict[str, dict[str, JSONValue]] = {
            name: {} if required else {"": [] if multi else default}
            for name, __, required, multi, default in self.columns
        }
        self.names_in_order = tuple(rule[0] for rule in self.columns)

    def __call__(
        self, cells: Sequence[object]
    ) -> tuple[Row | None, list[Problem], str | None] | None:
        if self.plain and len(cells) <= self.width:
            return self._plain(cells)  # type: ignore[arg-type]
        problems: list[Problem] = []
        texts: dict[str, str] = {}
        self._texts(cells, texts, problems)
        if not texts and not problems:
            return None
        bad = {name for name, __ in problems if name is not None}
        row: Row = {}
        for name, parse, required, multi, default in self.columns:
            cell_text = texts.get(name)
            if cell_text is None:
                row[name] = [] if multi else default
                if required and name not in bad:
                    problems.append((name, _("is required")))
                    bad.add(name)
                continue
            try:
                value = parse(cell_text)
            except ValueError as exc:
                problems.append((name, reason_of(exc)))
                bad.add(name)
                value = None
            else:
                if value == [] and required:  # only separators, e.g. ";"
                    problems.append((name, _("is required")))
                    bad.add(name)
            row[name] = value
        return self._finish(row, problems, bad)

    def _plain(self, cells: Sequence[str]) -> _Checked | None:
        """The same as the general path for a record of str cells under a header that
        names every column: each column's text is its cell, stripped."""
        if not "".join(cells).strip():
            return None  # every cell blank
        problems: list[Problem] = []
        bad: set[str] = set()
        row: Row = {}
        count = len(cells)
        for index, (name, parse, required, multi, default) in self.cells_at:
            text = cells[index].strip() if index is not None and index < count else ""
            if not text:
                row[name] = [] if multi else default
                if required and name not in bad:
                    problems.append((name, _("is required")))
                    bad.add(name)
                continue
            try:
                value = parse(text)
            except ValueError as exc:
                problems.append((name, reason_of(exc)))
                bad.add(name)
                value = None
            else:
                if value == [] and required:  # only separators, e.g. ";"
                    problems.append((name, _("is required")))
                    bad.add(name)
            row[name] = value
        return self._finish(row, problems, bad)

    def block(self, records: Sequence[Sequence[object]]) -> list[Row] | None:
        """The rows of a block of records if every one of them is certainly good (each
        as :meth:`__call__` gives it), else None: check them one by one then.

        Column by column: a whole column of cells is checked by its parser's
        :data:`~ledger.areas.directory.columns.WHOLE_COLUMN` check, or takes the values
        of the cells the file has shown before (a column of a few distinct values: kinds,
        departments, classes), and the rules spanning columns by the spec's
        ``check_rows``. Only the plain case (every cell a str, the header naming every
        column) and only blocks without blank rows, problems or doubts.
        """
        if self.check_rows is None or not records or set(map(len, records)) != {self.width}:
            return None
        cells = list(zip(*records, strict=True))
        count = len(records)
        values: Columns = {}
        for index, (name, parse, required, multi, default) in self.cells_at:
            column: list[JSONValue]
            if index is None:
                if required:
                    return None
                column = [[] for __ in range(count)] if multi else [default] * count
            else:
                texts = list(map(str.strip, cells[index]))
                found = self._column(texts, parse, required, self.memos[name])
                if found is None:
                    return None
                column = list(map(list, found)) if multi else found  # type: ignore[arg-type]
            values[name] = column
        if not self.check_rows(values):
            return None
        return list(
            map(dict, map(zip, repeat(self.names_in_order), zip(*values.values(), strict=True)))
        )

    @staticmethod
    def _column(
        texts: list[str],
        parse: Callable[[str], JSONValue],
        required: bool,
        memo: dict[str, JSONValue],
    ) -> list[JSONValue] | None:
        whole = WHOLE_COLUMN.get(parse)
        if whole is not None and "" not in texts:
            return texts if whole(texts) else None  # type: ignore[return-value]
        if whole is not None:
            if required:
                return None
            written = [text for text in texts if text]
            if written and not whole(written):
                return None
            empty = memo[""]
            return [text if text else empty for text in texts]
        column = cast(list[JSONValue], list(map(memo.get, texts, repeat(_MISS))))
        if _MISS not in column:
            return column
        for at, text in enumerate(texts):
            if column[at] is not _MISS:
                continue
            if not text:  # a required column's empty cell
                return None
            try:
                value = parse(text)
            except ValueError:
                return None
            if value == [] and required:
                return None
            if len(memo) < MEMO_CELLS:
                memo[text] = value
            column[at] = value
        return column

    def _finish(self, row: Row, problems: list[Problem], bad: set[str]) -> _Checked:
        row_id = row["id"]
        problems.extend(self.check_row(row, bad))
        good_id = row_id if isinstance(row_id, str) and "id" not in bad else None
        return (None if problems else row), problems, good_id

    def _texts(
        self, cells: Sequence[object], texts: dict[str, str], problems: list[Problem]
    ) -> None:
        """Any record: cells of any type (XLSX numbers and dates become their text),
        columns without a header, more cells than headers."""
        header, width = self.header, self.width
        for index, cell in enumerate(cells):
            column = header[index] if index < width else None
            if isinstance(cell, str):
                text = cell.strip()
            else:
                try:
                    text = _cell_text(cell).strip()
                except ValueError as exc:
                    problems.append((column.name if column else None, reason_of(exc)))
                    continue
            if not text:
                continue
            if column is None:
                problems.append(
                    (
                        None,
                        _(
                            "has a value in column {column}, which has no header",
                            column=_letter(index),
                        ),
                    )
                )
            else:
                texts[column.name] = text


def reason_of(exc: ValueError) -> Any:
    """Why a cell was refused: the message a column's parser raised (Chinese on request),
    or the exception's text."""
    reason = exc.args[0] if exc.args else None
    return reason if isinstance(reason, Message) else str(exc)


#: An (id, line) pair's id: ids in a block are distinct, so sorting by them alone gives
#: the order the pairs have, without comparing tuples.
_FIRST = operator.itemgetter(0)


def _as_path(path: str | Path) -> Path:
    return path if isinstance(path, Path) else Path(path)


class SeenIds:
    """Which ids a file has shown, and on which line first -- in flat memory.

    Ids are collected in blocks of 5,000; each block is checked against a temporary
    on-disk SQLite table and then added to it, so memory is one block plus SQLite's
    fixed page cache however long the file is. Duplicates come out in line order
    within a block (a block's duplicates are reported when the block is flushed).
    """

    BLOCK = 5000

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="shuangsui-ids-")
        self._db = sqlite3.connect(Path(self._dir.name) / "ids.sqlite3")
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
            "CREATE TABLE ids (id TEXT PRIMARY KEY, line INTEGER) WITHOUT ROWID;"
        )
        self._block: dict[str, int] = {}
        self._inside: list[tuple[int, int]] = []

    def add(self, row_id: str, line: int) -> list[tuple[int, int]]:
        first = self._block.setdefault(row_id, line)
        if first != line:
            self._inside.append((line, first))
        if len(self._block) >= self.BLOCK:
            return self.finish(close=False)
        return []

    def add_many(self, ids: Sequence[str], lines: Sequence[int]) -> list[tuple[int, int]]:
        """:meth:`add` of each id on its line, in order; the same result, at once when
        the ids are new to the block and fit in it."""
        block = self._block
        fresh = dict(zip(ids, lines, strict=True))
        if (
            len(fresh) != len(ids)
            or len(block) + len(fresh) > self.BLOCK
            or not block.keys().isdisjoint(fresh)
        ):
            found: list[tuple[int, int]] = []
            for row_id, line in zip(ids, lines, strict=True):
                found += self.add(row_id, line)
            return found
        block.update(fresh)
        if len(block) >= self.BLOCK:
            return self.finish(close=False)
        return []

    def finish(self, *, close: bool = True) -> list[tuple[int, int]]:
        """Flush the block; return (line, first line) of every duplicate found."""
        found = list(self._inside)
        block = self._block
        # Insert first (in key order: the B-tree's pages are then visited in order); only
        # if some id was there already (fewer rows changed) look up which, with its
        # first line (an id inserted now has its own line).
        before = self._db.total_changes
        self._db.executemany(
            "INSERT OR IGNORE INTO ids VALUES (?, ?)", sorted(block.items(), key=_FIRST)
        )
        ids = list(block) if self._db.total_changes - before != len(block) else []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self._db.execute(
                f"SELECT id, line FROM ids WHERE id IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            found += [(block[row_id], first) for row_id, first in rows if first != block[row_id]]
        self._block, self._inside = {}, []
        if close:
            self._db.close()
            self._dir.cleanup()
        return sorted(found)


def check_file(
    path: str | Path,
    columns: ColumnSpec,
    *,
    max_errors: int = 1000,
    on_row: Callable[[Row], None] | None = None,
    sheet: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_rows: Callable[[list[Row]], None] | None = None,
) -> FileCheck:
    """Check every row of a directory file in one streaming pass.

    ``on_row`` receives each normalised row that has no problem of its own, in file
    order (an importer spools them, so it need not parse the file a second time);
    ``on_rows`` receives the same rows, in the same order, several at a time.
    ``sheet`` names the worksheet of a workbook with several (required then).
    ``progress(done, total)`` is called every few thousand lines and at the end, in
    bytes of the file (CSV) or of the worksheet's compressed part (XLSX).

    Reports each problem (up to ``max_errors``; after that ``truncated`` is set and the
    remaining rows are only counted) and each repeated id, on the later line, as
    "duplicate id, first seen on line N". Finding duplicates costs one dict entry per
    row (id -> first line, ~140 bytes). Raises :class:`ValidationError` for a file that
    cannot be read at all.
    """
    if max_errors < 0:
        raise ValueError("max_errors must be >= 0")
    path = _as_path(path)
    errors: list[RowError] = []
    truncated = False
    rows = 0

    def report(line: int, column: str | None, reason: str) -> None:
        nonlocal truncated
        if len(errors) < max_errors:
            errors.append(RowError(line, column, reason))
        else:
            truncated = True

    with _open_records(path, sheet) as (file_format, records, digest, where):
        first = next(records, None)
        if first is None:
            report(1, None, _("the file is empty; line 1 must be the header"))
        else:
            header, header_errors = _read_header(columns, first[1])
            for error in header_errors:
                report(error.line, error.column, error.reason)
            check_record = _RowCheck(columns, header, file_format == "csv")
            seen = SeenIds()
            while block := list(islice(records, BLOCK_RECORDS)):
                lines = [line for line, __ in block]
                if progress is not None and lines[-1] // PROGRESS_LINES > (
                    (lines[0] - 1) // PROGRESS_LINES
                ):
                    progress(*where())
                good = None
                if not (truncated or header_errors):
                    good = check_record.block([cells for __, cells in block])
                if good is not None:  # every record a good row
                    rows += len(good)
                    if on_rows is not None:
                        on_rows(good)
                    if on_row is not None:
                        for good_row in good:
                            on_row(good_row)
                    ids = cast(list[str], [good_row["id"] for good_row in good])
                    for dup_line, first_seen in seen.add_many(ids, lines):
                        report(
                            dup_line,
                            "id",
                            _("duplicate id, first seen on line {seen}", seen=first_seen),
                        )
                    continue
                for line, cells in block:
                    if truncated or header_errors:
                        # Only count: the row count and the digest still need every row.
                        if not _is_blank(cells):
                            rows += 1
                        continue
                    checked = check_record(cells)
                    if checked is None:
                        continue
                    rows += 1
                    row, problems, row_id = checked
                    for column, reason in problems:
                        report(line, column, reason)
                    if not problems and row is not None:
                        if on_rows is not None:
                            on_rows([row])
                        if on_row is not None:
                            on_row(row)
                    if row_id is not None:
                        for dup_line, first_seen in seen.add(row_id, line):
                            report(
                                dup_line,
                                "id",
                                _("duplicate id, first seen on line {seen}", seen=first_seen),
                            )
            for dup_line, first_seen in seen.finish():
                report(
                    dup_line, "id", _("duplicate id, first seen on line {seen}", seen=first_seen)
                )
            # Duplicates are found a block at a time; report everything in line order.
            errors.sort(key=lambda error: error.line)
            if rows == 0 and not header_errors:
                report(1, None, _("the file has a header but no rows"))
        if progress is not None:
            progress(where()[1], where()[1])
    return FileCheck(rows, tuple(errors), truncated, digest.hexdigest(), file_format)


def iter_rows(
    path: str | Path,
    columns: ColumnSpec,
    *,
    expect_sha256: str | None = None,
    sheet: str | None = None,
) -> Iterator[tuple[int, Row]]:
    """Stream ``(line, normalised row)`` from a file that passed :func:`check_file`.

    Raises :class:`ValidationError` at the first problem :func:`check_file` would
    report, should the file be bad after all (changed since, or never checked); with
    ``expect_sha256``, also when the file's bytes are not the ones checked and signed.
    """
    path = _as_path(path)

    def refuse(line: int, column: str | None, reason: str) -> ValidationError:
        error = RowError(line, column, reason)
        return ValidationError(
            _("{name}, {error}", name=path.name, error=error.message),
            {f"line {line}": [error.message]},
        )

    with _open_records(path, sheet) as (file_format, records, _digest, __):
        first = next(records, None)
        if first is None:
            raise refuse(1, None, _("the file is empty; line 1 must be the header"))
        header, header_errors = _read_header(columns, first[1])
        if header_errors:
            error = header_errors[0]
            raise refuse(error.line, error.column, error.reason)
        first_line: dict[str, int] = {}
        check_record = _RowCheck(columns, header, file_format == "csv")
        for line, cells in records:
            checked = check_record(cells)
            if checked is None:
                continue
            row, problems, row_id = checked
            if problems:
                raise refuse(line, *problems[0])
            assert row is not None and row_id is not None  # no problems: a full row
            seen = first_line.setdefault(row_id, line)
            if seen != line:
                raise refuse(line, "id", _("duplicate id, first seen on line {seen}", seen=seen))
            yield line, row
        if not first_line:
            raise refuse(1, None, _("the file has a header but no rows"))
        if expect_sha256 is not None and _digest.hexdigest() != expect_sha256:
            raise ValidationError(
                _(
                    "{name} changed while it was being imported; run the import again",
                    name=path.name,
                ),
                {"file": [_("SHA-256 differs from the one checked and signed")]},
            )


def batches(rows: Iterable[Row], size: int = 1000) -> Iterator[list[Row]]:
    """Consecutive lists of ``size`` rows (the last may be shorter), lazily."""
    if size < 1:
        raise ValueError("batch size must be >= 1")
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def batch_digest(rows: Sequence[Row], *, plain: bool = False) -> str:
    """Hex SHA-256 of the RFC 8785 canonical bytes of the list of rows. ``plain``: the
    rows are as :func:`check_file` normalised them (see :func:`canonical_bytes`)."""
    return hashlib.sha256(canonical_bytes(list(rows), plain=plain)).hexdigest()
