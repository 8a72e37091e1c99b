"""How listings print: one decorator, :func:`listing`, gives every command that prints
rows the same ``--json`` and ``--csv`` options, and one :class:`Output` prints them.

Invariants:

* A listing's default output never changes with this module: a command that printed a
  table prints the same table (its own lines), one that printed JSON prints the same
  JSON (``default="json"``).
* ``--json`` prints exactly what the command's JSON always was: the rows, or the
  document they come from (the feed's page with its cursor), indented, Chinese text as
  it is.
* ``--csv`` prints a header, then one line per row (RFC 4180 quoting, ``\\n`` line
  ends, UTF-8 without a byte order mark). The header is the command's declared columns,
  then any other key in the order first met, so an empty listing still has its header.
  A missing or null value is an empty cell, ``true``/``false`` stay JSON's words, and a
  list or object is its compact JSON in one cell. Only the rows are printed: a page's
  cursor (the feed's ``next``) is its last row's position.
* ``--json`` with ``--csv`` is refused (exit status 2).
* The Chinese form of ``--json`` and ``--csv`` (issue 12 §7): every key and value stays
  as it was (codes, English text), and names are only *added*, in both ``--lang``
  modes so the shape never depends on the language: beside a code (department, item,
  result, method, kind, status ...) its name as ``<key>_name`` (``department_name``:
  安岳县市场监督管理局, ``result_name``: 未发现问题), beside a list of codes the
  list of names as ``<key>_names``, and beside a message (a finding's ``detail``) its
  Chinese as ``<key>_zh`` (:func:`projections.read.names.named`, which the API's JSON
  uses too). A key the row already has is never overwritten, and a code without a name
  gets no ``_name``.
* ``--export FILE`` (a listing that declares ``export=``) writes the rows to FILE as CSV or
  XLSX (by its extension) with Chinese headers and names beside codes, the same file the
  page's download gives (:mod:`api.exports`), and prints one line saying so.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import click

from ledger.errors import ValidationError
from ledger.i18n import _
from projections.read.names import named
from tools.cli.runtime import echo_json, say

Format = Literal["table", "json", "csv"]
Row = Mapping[str, Any]


@dataclass(frozen=True)
class Output:
    """The format chosen on the command line; a listing command prints through it once."""

    format: Format
    export: Path | None = None
    listing: str | None = None

    def names(self, db: Any) -> Any:
        """The display names an export, ``--json`` or ``--csv`` shows beside codes (not
        read for a table, which shows its own)."""
        if self.export is None and self.format == "table":
            return None
        from projections.read import names

        return names.names(db)

    def rows(
        self,
        rows: Sequence[Row],
        *,
        table: Iterable[str] | None = None,
        document: Any = None,
        columns: Sequence[str] = (),
        names: Any = None,
    ) -> None:
        """Print ``rows``: the ``table`` lines (a generator: only made when printed), JSON
        (``document`` if given, else the rows) or CSV; or write the export file."""
        if self.export is not None:
            from api import exports

            assert self.listing is not None
            fmt = "xlsx" if self.export.suffix.lower() == ".xlsx" else "csv"
            data = exports.render(self.listing, rows, fmt, names, title=self.listing)
            self.export.write_bytes(data)
            say(_("wrote {count} rows to {path}", count=len(rows), path=self.export))
        elif self.format == "json":
            echo_json(named(rows if document is None else document, names))
        elif self.format == "csv":
            click.echo(csv_text(named(rows, names), columns), nl=False)
        else:
            assert table is not None, "a listing without a table defaults to JSON"
            for line in table:
                click.echo(line)


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def csv_text(rows: Sequence[Row], columns: Sequence[str] = ()) -> str:
    """The CSV of ``rows``: a header (``columns``, then other keys as met), then the rows."""
    header = list(dict.fromkeys([*columns, *(key for row in rows for key in row)]))
    if not header:
        return ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(row.get(name)) for name in header])
    return buffer.getvalue()


def export_path(_ctx: Any, _param: Any, value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter(_("the file must end in .csv or .xlsx"))
    return value


def listing(
    *,
    default: Literal["table", "json"] = "table",
    json_help: str | None = None,
    export: str | None = None,
) -> Callable[[Any], Any]:
    """Add ``--json`` and ``--csv`` to a listing command and pass it ``out: Output``;
    with ``export`` (an :data:`api.exports.COLUMNS` listing), ``--export FILE`` too.

    ``default="json"`` is for the listings that have always printed JSON; their
    ``--json`` says so. Put the decorator where the command's ``--json`` option was, so
    the options keep their order in ``--help``.
    """
    if json_help is None:
        json_help = "Print JSON (the default)." if default == "json" else "Print JSON."

    def decorate(fn: Any) -> Any:
        @functools.wraps(fn)
        def command(*args: Any, as_json: bool, as_csv: bool, **kwargs: Any) -> Any:
            if as_json and as_csv:
                raise ValidationError(_("use --json or --csv, not both"))
            chosen: Format = "json" if as_json else "csv" if as_csv else default
            target = kwargs.pop("export_file", None)
            return fn(*args, out=Output(chosen, target, export), **kwargs)

        if export is not None:
            command = click.option(
                "--export",
                "export_file",
                type=click.Path(dir_okay=False, path_type=Path),
                callback=export_path,
                help="Write the rows to FILE (.csv or .xlsx) with Chinese headers.",
            )(command)
        command = click.option(
            "--csv",
            "as_csv",
            is_flag=True,
            help="Print CSV: a header, then a line per row.",
        )(command)
        return click.option("--json", "as_json", is_flag=True, help=json_help)(command)

    return decorate
