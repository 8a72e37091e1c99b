"""calendar amend: the working-day calendar (``ledger/areas/calendar``)."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.i18n import _
from tools.cli.runtime import KEY, Runtime, pass_runtime, read_json, say


@click.group()
def calendar() -> None:
    """The working-day calendar (office).

    \b
    Example:
      shuangsui calendar amend --key var/keys/office.key calendar-2027.json
    """


@calendar.command("amend")
@KEY
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def calendar_amend(runtime: Runtime, key_file: str, file: Path) -> None:
    """Amend the calendar from a JSON file: {"days": {"2027-01-01": false, ...},
    "declare_years": [2027], "note": "国务院办公厅2027年部分节假日安排"}.

    A declared year is counted Monday-Friday except the amended days; until a year is
    declared (or the installed chinesecalendar knows it) no deadline in it is computed.

    \b
    Example:
      shuangsui calendar amend --key var/keys/office.key calendar-2027.json
    """
    outcome = runtime.run(key_file, "calendar.amend", read_json(file))
    say(
        _(
            "calendar amended: {days} day(s), years {years}",
            days=outcome["days"],
            years=outcome["declared_years"],
        )
    )
