"""inspection record: an object's check for an item (R8; ``ledger/areas/inspections``)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import click

from ledger.areas.inspections.events import METHODS
from ledger.errors import ValidationError
from tools.cli.basis import ITEM, OBJECT, basis_options, read_basis
from tools.cli.runtime import KEY, Runtime, pass_runtime


@click.group()
def inspection() -> None:
    """Record inspections (R8).

    \b
    Example:
      shuangsui inspection record --key scjgj.key --object 91510000... \\
          --item SCJGJ:SC-001 --draw T-2026-001/1 --method on_site \\
          --inspector S1 --inspector S2 --on 2026-11-27
    """


@inspection.command("record")
@KEY
@OBJECT
@ITEM
@basis_options
@click.option("--method", type=click.Choice(METHODS), required=True)
@click.option(
    "--inspector", "people", multiple=True, required=True, help="An inspector present; repeatable."
)
@click.option("--on", "day", required=True, metavar="YYYY-MM-DD", help="The day of the check.")
@click.option(
    "--delegated",
    type=click.Choice(("testing", "audit", "survey")),
    help="Delegated to a qualified body (检验检测、审计、调查).",
)
@click.option("--body", help="The delegated body's id in the register (body register, R8.1).")
@click.option(
    "--conclusion",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The body's conclusion (its SHA-256 is recorded).",
)
@pass_runtime
def inspection_record(
    runtime: Runtime,
    /,
    key_file: str,
    obj: str,
    item: str,
    method: str,
    people: tuple[str, ...],
    day: str,
    delegated: str | None,
    body: str | None,
    conclusion: Path | None,
    **basis: Any,
) -> None:
    """Record one object's check for one item.

    \b
    Example:
      shuangsui inspection record --key scjgj.key --object 91510000... \\
          --item SCJGJ:SC-001 --draw T-2026-001/1 --method on_site \\
          --inspector S1 --inspector S2 --on 2026-11-27
    """
    params: dict[str, Any] = {
        "basis": read_basis(**basis),
        "object": obj,
        "item": item,
        "method": method,
        "inspectors": list(people),
        "checked_on": day,
    }
    if delegated:
        if not body or conclusion is None:
            raise ValidationError(
                "--delegated needs --body and --conclusion",
                {"delegated": ["needs --body and --conclusion"]},
            )
        params["delegated"] = {
            "kind": delegated,
            "body": body,
            "conclusion_sha256": hashlib.sha256(conclusion.read_bytes()).hexdigest(),
        }
    result = runtime.run(key_file, "inspection.record", params)
    click.echo(f"check of {obj} for {item} recorded at position {result['positions'][1]}")
