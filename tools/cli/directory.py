"""import objects / inspectors: the object and inspector directories from CSV or XLSX
(``ledger/areas/directory``; see ``ledger/areas/directory/files.py`` for the columns)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ledger.errors import ValidationError
from ledger.i18n import _
from tools.cli.runtime import KEY, Runtime, pass_runtime, read_ledger, say


@click.group("import")
def import_() -> None:
    """Import the object or inspector directory from CSV or XLSX.

    \b
    Example:
      shuangsui import objects --key keys/scjgj.key objects.csv
    """


def _department_of(runtime: Runtime, key: Any) -> str:
    def lookup(ledger: Any) -> str:
        found = ledger.valid_key(key.key_id)
        if not found.organisation:
            raise ValidationError(_("key {key_id} belongs to no department", key_id=key.key_id))
        return str(found.organisation)

    return str(read_ledger(runtime, lookup))


SHEET = click.option(
    "--sheet",
    metavar="NAME",
    default=None,
    help="The worksheet to import from an .xlsx workbook; required when it has several "
    "(工作表名称).",
)


@contextmanager
def checking(file: Path) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr for the checking pass (in bytes read of the file or of
    the worksheet), in the same style as the writing pass's."""
    with click.progressbar(
        length=max(1, file.stat().st_size) if file.is_file() else 1,
        label=f"checking {file.name}",
        file=sys.stderr,
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(1, total)
            bar.update(max(0, done - bar.pos))

        yield progress


@import_.command("objects")
@KEY
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@SHEET
@click.option(
    "--confirm-warnings",
    is_flag=True,
    help="Import although rows have warnings (e.g. a 92... code filed as an enterprise); "
    "the confirmation is recorded (R4.1).",
)
@pass_runtime
def import_objects_cmd(
    runtime: Runtime, key_file: str, file: Path, confirm_warnings: bool, sheet: str | None
) -> None:
    """Import objects (检查对象名录) for your department from FILE (.csv or .xlsx).

    \b
    Every row is checked first; if any is bad, each is reported with its line
    and nothing is written. Columns: id, name, kind, region, industry, scope,
    supervisors, credit_class, penalties, complaints, status (or the Chinese
    headers 统一社会信用代码或编号, 名称, 类型, 乡镇, ...).
    A workbook with several worksheets is imported only with --sheet NAME.
    Examples:
      shuangsui import objects --key scjgj.key objects.csv
      shuangsui import objects --key scjgj.key 名录.xlsx --sheet 市场主体
    """
    from ledger.areas.directory.importer import check_objects, import_objects

    key = runtime.signing_key(key_file)
    department_code = _department_of(runtime, key)
    with checking(file) as progress:
        checked = check_objects(file, department_code, sheet=sheet, progress=progress)
    ledger = runtime.open()
    try:
        with click.progressbar(
            length=checked.check.rows,
            label=f"importing {file.name}",
            show_pos=True,
            file=sys.stderr,
        ) as bar:
            summary = import_objects(
                file,
                department_code,
                runtime.submitter(ledger, key),
                checked=checked,
                progress=bar.update,
                confirm_warnings=confirm_warnings,
            )
    finally:
        ledger.close()
    say(
        _(
            "imported {rows} objects in {batches} batches (import {ident})",
            rows=summary["rows"],
            batches=summary["batches"],
            ident=summary["import_id"],
        )
    )


@import_.command("inspectors")
@KEY
@click.option(
    "--action", type=click.Choice(["enrol", "update", "retire"]), default="enrol", show_default=True
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@SHEET
@pass_runtime
def import_inspectors_cmd(
    runtime: Runtime, key_file: str, action: str, file: Path, sheet: str | None
) -> None:
    """Propose inspectors from FILE; they take effect when the judicial key approves (R4.2).

    \b
    Example:
      shuangsui import inspectors --key scjgj.key inspectors.xlsx
      shuangsui inspectors pending
    """
    from ledger.areas.directory.importer import import_inspectors

    key = runtime.signing_key(key_file)
    department_code = _department_of(runtime, key)
    ledger = runtime.open()
    try:
        with checking(file) as progress:
            summary = import_inspectors(
                file,
                department_code,
                runtime.submitter(ledger, key),
                action=action,
                sheet=sheet,
                progress=progress,
            )
    finally:
        ledger.close()
    say(
        _(
            "proposed {rows} inspector change(s); waiting for the judicial department's approval",
            rows=summary["rows"],
        )
    )
