"""county: the counties of a provincial deployment (省级部署, issue 15 part 7) -- add one,
and list them all with where each county's log stands (the province's cross-county
read, read-only).

Every other command acts on one county with the global ``--county CODE``; this group
acts on the province (``--home`` and ``--database-url`` as given, ``counties.json``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click

from ledger.errors import ValidationError
from ledger.i18n import _
from tools.cli.output import Output, listing
from tools.cli.runtime import Runtime, header_lines, pass_runtime, say

#: The columns of ``county list``.
COLUMNS = (
    "code",
    "name",
    "origin",
    "database",
    "size",
    "head",
    "checkpoint_size",
    "checkpoint_created",
    "problem",
)


@click.group()
def county() -> None:
    """The counties one provincial deployment serves (省级部署: 各县一条日志).

    \b
    Each county has its own log (a PostgreSQL schema county_CODE in the province's
    database, or its own SQLite file), its own keys and home (HOME/counties/CODE),
    its own origin; every other command acts on one county with --county CODE.
    Examples:
      shuangsui --database-url postgresql://postgres@127.0.0.1/province \\
          county add anyue --name 安岳县 --origin anyue.sc.example/shuangsui
      shuangsui --database-url postgresql://postgres@127.0.0.1/province \\
          --county anyue init
      shuangsui --database-url postgresql://postgres@127.0.0.1/province county list
    """


def _no_county(runtime: Runtime) -> None:
    if runtime.county is not None:
        raise ValidationError(
            _("'shuangsui county' acts on the province: leave out --county / SHUANGSUI_COUNTY")
        )


@county.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The county's name (e.g. 安岳县).")
@click.option(
    "--origin",
    default=None,
    help="The county log's name in checkpoints: a schema-less URL, no spaces "
    "(default CODE.example/shuangsui).",
)
@click.option(
    "--host",
    "hosts",
    multiple=True,
    metavar="NAME",
    help="A host name whose requests go to this county (as well as /c/CODE/...); repeatable.",
)
@pass_runtime
def county_add(
    runtime: Runtime, code: str, name: str, origin: str | None, hosts: tuple[str, ...]
) -> None:
    """Add a county to this provincial deployment (counties.json in the province's home).

    \b
    Then create its keys and genesis with 'shuangsui --county CODE init' (its origin
    is the one given here). The county's log is the schema county_CODE of the
    province's PostgreSQL database (or HOME/counties/CODE/ledger.sqlite3).
    Example:
      shuangsui county add anyue --name 安岳县 --origin anyue.sc.example/shuangsui \\
          --host anyue.sc.example
    """
    from ledger.counties import Counties, County, check_code

    _no_county(runtime)
    check_code(code)
    province = runtime.province_settings
    entry = County(
        code=code,
        name=name.strip(),
        origin=origin or f"{code}.example/shuangsui",
        hosts=tuple(h.strip().lower() for h in hosts),
    )
    counties = Counties.load(province.home).add(entry)
    counties.save()
    from ledger.counties import county_settings

    settings = county_settings(province, entry)
    runtime.say(_("county {code} ({name}) added", code=code, name=entry.name))
    say(_("  origin: {origin}", origin=entry.origin))
    say(_("  database: {database}", database=settings.describe_database()))
    say(_("  home: {home}", home=settings.home))
    runtime.say(_("next: shuangsui --county {code} init", code=code))


@county.command("list")
@listing()
@pass_runtime
def county_list(runtime: Runtime, out: Output) -> None:
    """List the counties and where each county's log stands: its size (log position),
    head hash and latest checkpoint (read-only; 各县日志位置).

    \b
    Examples:
      shuangsui county list
      shuangsui county list --json
    """
    from ledger.counties import Counties, survey

    _no_county(runtime)
    province = runtime.province_settings
    counties = Counties.load(province.home)
    if not len(counties):
        raise ValidationError(
            _(
                "{home} configures no counties; add one with 'shuangsui county add'",
                home=province.home,
            )
        )
    rows = [p.as_dict(runtime.lang) for p in survey(province, counties)]
    out.rows(rows, table=_table(rows), columns=COLUMNS)


def _table(rows: list[dict[str, Any]]) -> Iterator[str]:
    yield from header_lines(_("county        name              size    checkpoint  origin"))
    for row in rows:
        size = "-" if row["size"] is None else f"{row['size']:,}"
        checkpoint = "-" if row["checkpoint_size"] is None else f"{row['checkpoint_size']:,}"
        yield f"{row['code']:<14}{row['name']:<10}{size:>12}  {checkpoint:>12}  {row['origin']}"
        if row["problem"]:
            yield f"{'':<14}! {row['problem']}"
