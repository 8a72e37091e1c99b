"""Importing directory files into the ledger: check everything, then write in batches.

Order of work, so that nothing is written on error and memory stays flat:

1. one streaming pass checks every row -- format, the columns' rules, duplicate ids,
   and the importing department's own rule (it must supervise each object, R4.1;
   each inspector must be its own, R7.3) -- and reports every bad row by line;
2. only if the file is clean: ``directory.import.begin`` (file digest, row and batch
   counts), then one ``directory.import.batch`` per 1,000 rows (the rows travel as
   the command's attachment, bound by their digest), then ``directory.import.complete``.
   The file is read again for step 2 and must still have the digest that was checked.

``submit(action, params, attachment)`` runs one signed command -- against the local
ledger (the CLI) or through the API (the signing client) -- and returns its result.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import math
import operator
import tempfile
import uuid
from collections.abc import Callable, Iterator
from itertools import compress
from pathlib import Path
from typing import Any

from ledger.areas.directory.columns import (
    ENTITY_KINDS,
    INSPECTOR_COLUMNS,
    OBJECT_COLUMNS,
    Columns,
    ColumnSpec,
    Row,
)
from ledger.areas.directory.events import BATCH_ROWS
from ledger.areas.directory.files import FileCheck, batch_digest, check_file
from ledger.areas.directory.uscc import KIND_OF_PREFIX, kinds_match, structure_findings
from ledger.errors import ValidationError
from ledger.i18n import _

Submit = Callable[[str, dict[str, Any], Any], dict[str, Any]]
Progress = Callable[[int], None]


def _with_department_rule(
    spec: ColumnSpec, column: str, department: str, reason: str
) -> ColumnSpec:
    base = spec.check_row

    def check_row(row: Row, bad: set[str]) -> list[tuple[str | None, str]]:
        problems = list(base(row, bad))
        value = row.get(column)
        owned = department in value if isinstance(value, list) else value == department
        if column not in bad and not owned:
            problems.append((column, reason))
        return problems

    base_rows = spec.check_rows
    if base_rows is None:
        return dataclasses.replace(spec, check_row=check_row)

    def check_rows(columns: Columns) -> bool:
        owned = (
            department in value if isinstance(value, list) else value == department
            for value in columns[column]
        )
        return all(owned) and base_rows(columns)

    return dataclasses.replace(spec, check_row=check_row, check_rows=check_rows)


def objects_spec(department: str) -> ColumnSpec:
    return _with_department_rule(
        OBJECT_COLUMNS,
        "supervisors",
        department,
        f"{department} must be among the supervising departments (谁审批谁监管, R4.1)",
    )


def inspectors_spec(department: str) -> ColumnSpec:
    return _with_department_rule(
        INSPECTOR_COLUMNS,
        "unit",
        department,
        f"the unit must be {department}: a department enrols its own staff (R7.3)",
    )


def refuse(path: Path, check: FileCheck) -> ValidationError:
    """Every problem of every bad row, by line; rows and problems counted apart (a row
    may have several problems: issue 14 §3)."""
    errors: dict[str, list[str]] = {}
    for e in check.errors:
        errors.setdefault(f"line {e.line}", []).append(
            _("{column}: {reason}", column=e.column, reason=e.reason) if e.column else e.reason
        )
    counts = {
        "name": path.name,
        "problems": len(check.errors),
        "rows": len(errors) - ("line 1" in errors),
        "total": check.rows,
    }
    # Line 1 is the header, not a row: "4 problems in 1 row of 0" would say neither.
    if "line 1" not in errors:
        where = _("{name}: {problems} problem(s) in {rows} row(s) of {total}", **counts)
    elif len(errors) > 1:
        where = _(
            "{name}: {problems} problem(s) in the header (line 1) and {rows} row(s) of {total}",
            **counts,
        )
    else:
        where = _("{name}: {problems} problem(s) in the header (line 1)", **counts)
    if check.truncated:
        where = _("{where} (the first 1000 problems shown)", where=where)
    return ValidationError(_("{where}; nothing was imported", where=where), errors)


#: How many rows' warnings an import lists (all are counted).
SHOWN_WARNINGS = 1000
#: Rows per block of the spool.
SPOOL_BLOCK = 1000


class CheckedFile:
    """A checked directory file and its normalised rows, spooled to a temporary file.

    The check parses the file once; the writing pass reads the spool instead of parsing
    and validating the file again, and the rows' warnings (R4.1) are found on the way.
    Memory stays flat either way. Use as a context manager: the spool is deleted on exit.
    """

    def __init__(
        self,
        path: Path,
        spec: ColumnSpec,
        *,
        sheet: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.path = path
        self.sheet = sheet
        # Blocks of rows in marshal's format, each after its length: the rows are plain
        # str/int/list/None values read back by this process only, and a batch's
        # canonical bytes are made once, when it is sent.
        self._spool = tempfile.TemporaryFile("w+b")
        block: list[Row] = []
        #: data row (numbered from 1) -> its warnings, for the first SHOWN_WARNINGS rows
        #: that have any; ``warned`` counts them all.
        self.warnings: dict[int, list[str]] = {}
        self.warned = 0
        kept = 0

        def keep(rows: list[Row]) -> None:
            nonlocal kept
            block.extend(rows)
            while len(block) >= SPOOL_BLOCK:
                self._write(block[:SPOOL_BLOCK])
                del block[:SPOOL_BLOCK]
            if not _surely_no_warnings(rows):
                for number, row in enumerate(rows, start=kept + 1):
                    found = _warnings(row)
                    if found:
                        self.warned += 1
                        if len(self.warnings) < SHOWN_WARNINGS:
                            self.warnings[number] = found
            kept += len(rows)

        self.check = check_file(path, spec, on_rows=keep, sheet=sheet, progress=progress)
        self._write(block)
        if not self.check.ok:
            self._spool.close()
            raise refuse(path, self.check)

    @property
    def recorded_name(self) -> str:
        """The file's name, and the worksheet's when one was named (recorded in the log)."""
        return self.path.name if self.sheet is None else f"{self.path.name} [{self.sheet}]"

    def _write(self, block: list[Row]) -> None:
        if block:
            data = marshal.dumps(block)
            self._spool.write(len(data).to_bytes(8, "big") + data)

    def rows(self) -> Iterator[Row]:
        spool = self._spool
        spool.seek(0)
        while size := spool.read(8):
            block: list[Row] = marshal.loads(spool.read(int.from_bytes(size, "big")))
            yield from block

    def batches(self, size: int) -> Iterator[tuple[list[Row], str]]:
        """The rows in batches, each with its digest (as :func:`batch_digest` gives;
        the rows are the check's own normalised rows: plain JSON)."""
        batch: list[Row] = []
        for row in self.rows():
            batch.append(row)
            if len(batch) == size:
                yield batch, batch_digest(batch, plain=True)
                batch = []
        if batch:
            yield batch, batch_digest(batch, plain=True)

    def __enter__(self) -> CheckedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._spool.close()


def _warnings(row: Row) -> list[str]:
    """What the importer must confirm about a row (R4.1): a code of another authority or
    category than the declared kind."""
    code, kind = row.get("id"), row.get("kind")
    if kind in ENTITY_KINDS and isinstance(code, str):
        if KIND_OF_PREFIX.get(code[:2]) == kind:
            return []  # the market regulator's code of that kind: no warning
        __, warnings = structure_findings(code, str(kind))
        return [f"{code}: {w}" for w in warnings]
    return []


_ID_AND_KIND = operator.itemgetter("id", "kind")
_ENTITY_KIND_SET = frozenset(ENTITY_KINDS)


def _surely_no_warnings(rows: list[Row]) -> bool:
    """True only if no row has :func:`_warnings` (False: ask row by row); rows that
    passed the check, a whole block at once."""
    if not rows:
        return True
    ids, kinds = zip(*map(_ID_AND_KIND, rows), strict=True)
    entity = list(map(_ENTITY_KIND_SET.__contains__, kinds))
    codes = list(compress(ids, entity))
    if set(map(type, codes)) - {str}:
        return False
    return kinds_match(codes, list(compress(kinds, entity)))


def row_warnings(rows: Iterator[Row]) -> dict[int, list[str]]:
    """The warnings of each data row (numbered from 1) an importer must confirm (R4.1)."""
    found: dict[int, list[str]] = {}
    for n, row in enumerate(rows, start=1):
        warnings = _warnings(row)
        if warnings:
            found[n] = warnings
    return found


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_objects(
    path: Path,
    department: str,
    *,
    sheet: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CheckedFile:
    """Step 1: every row checked; raises, listing each bad row, if any is bad.
    ``progress(done, total)`` follows the checking pass (see :func:`check_file`)."""
    return CheckedFile(path, objects_spec(department), sheet=sheet, progress=progress)


def import_objects(
    path: Path,
    department: str,
    submit: Submit,
    *,
    checked: CheckedFile | None = None,
    progress: Progress | None = None,
    confirm_warnings: bool = False,
    sheet: str | None = None,
) -> dict[str, Any]:
    """Import a directory file of objects for ``department``; see the module docstring.

    ``checked``: the result of :func:`check_objects` if the caller already ran it.
    ``confirm_warnings``: go ahead although some rows have warnings (a code of another
    category than the declared kind, R4.1); without it they are listed and nothing is
    written.
    """
    with checked or check_objects(path, department, sheet=sheet) as source:
        path, check = source.path, source.check
        if source.warned and not confirm_warnings:
            raise ValidationError(
                _(
                    "{name}: {warned} row(s) with warnings (the code does not match the "
                    "kind); check them, then import with --confirm-warnings; nothing was "
                    "imported",
                    name=path.name,
                    warned=source.warned,
                ),
                {f"row {n}": found for n, found in source.warnings.items()},
                rule="R4.1",
            )
        if sha256_file(path) != check.sha256:
            raise ValidationError(
                _("{name} changed after it was checked; import it again", name=path.name),
                {"file": [_("SHA-256 differs from the one checked")]},
            )
        import_id = str(uuid.uuid4())
        count = math.ceil(check.rows / BATCH_ROWS)
        submit(
            "directory.import.begin",
            {
                "import_id": import_id,
                "source": source.recorded_name,
                "file_sha256": check.sha256,
                "rows": check.rows,
                "batches": count,
                "format": check.format,
                "confirm_warnings": bool(source.warned),
            },
            None,
        )
        for seq, (batch, digest) in enumerate(source.batches(BATCH_ROWS), start=1):
            submit(
                "directory.import.batch",
                {"import_id": import_id, "seq": seq, "rows_digest": digest},
                batch,
            )
            if progress:
                progress(len(batch))
        submit("directory.import.complete", {"import_id": import_id}, None)
    return {
        "import_id": import_id,
        "rows": check.rows,
        "batches": count,
        "file_sha256": check.sha256,
    }


def import_inspectors(
    path: Path,
    department: str,
    submit: Submit,
    *,
    action: str = "enrol",
    sheet: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Propose the inspectors in a file (one command; the judicial key decides later)."""
    spec = inspectors_spec(department)
    with CheckedFile(path, spec, sheet=sheet, progress=progress) as source:
        rows = list(source.rows())
    result = submit(
        "inspectors.propose", {"action": action, "rows_digest": batch_digest(rows)}, rows
    )
    return {"rows": len(rows), "proposals": result.get("proposals", {})}
