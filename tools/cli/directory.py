"""import objects / inspectors: the object and inspector directories from CSV or XLSX
(``ledger/areas/directory``; see ``ledger/areas/directory/files.py`` for the columns)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ledger.errors import ValidationError
from tools.cli.runtime import KEY, Runtime, pass_runtime, read_ledger


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
            raise ValidationError(f"key {key.key_id} belongs to no department")
        return str(found.organisation)

    return str(read_ledger(runtime, lookup))


@import_.command("objects")
@KEY
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--confirm-warnings",
    is_flag=True,
    help="Import although rows have warnings (e.g. a 92... code filed as an enterprise); "
    "the confirmation is recorded (R4.1).",
)
@pass_runtime
def import_objects_cmd(runtime: Runtime, key_file: str, file: Path, confirm_warnings: bool) -> None:
    """Import objects (检查对象名录) for your department from FILE (.csv or .xlsx).

    \b
    Every row is checked first; if any is bad, each is reported with its line
    and nothing is written. Columns: id, name, kind, region, industry, scope,
    supervisors, credit_class, penalties, complaints, status (or the Chinese
    headers 统一社会信用代码或编号, 名称, 类型, 乡镇, ...).
    Example:
      shuangsui import objects --key scjgj.key objects.csv
    """
    from ledger.areas.directory.importer import check_objects, import_objects

    key = runtime.signing_key(key_file)
    department_code = _department_of(runtime, key)
    click.echo(f"checking {file.name} ...", err=True)
    checked = check_objects(file, department_code)
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
    click.echo(
        f"imported {summary['rows']} objects in {summary['batches']} batches "
        f"(import {summary['import_id']})"
    )


@import_.command("inspectors")
@KEY
@click.option(
    "--action", type=click.Choice(["enrol", "update", "retire"]), default="enrol", show_default=True
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def import_inspectors_cmd(runtime: Runtime, key_file: str, action: str, file: Path) -> None:
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
        summary = import_inspectors(
            file, department_code, runtime.submitter(ledger, key), action=action
        )
    finally:
        ledger.close()
    click.echo(
        f"proposed {summary['rows']} inspector change(s); waiting for the judicial "
        "department's approval"
    )
