"""report submit: quarterly reports and the annual summary (R10.6;
``ledger/areas/reports``)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import click

from tools.cli.runtime import KEY, Runtime, pass_runtime


@click.group("report")
def report_group() -> None:
    """Quarterly reports and the annual summary (R10.6)."""


@report_group.command("submit")
@KEY
@click.option("--kind", type=click.Choice(("quarterly", "annual")), required=True)
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4))
@click.option(
    "--summary",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="The written report (its SHA-256 is recorded).",
)
@click.option("--note", help="A short note.")
@pass_runtime
def report_submit(
    runtime: Runtime,
    key_file: str,
    kind: str,
    year: int,
    quarter: int | None,
    summary: Path,
    note: str | None,
) -> None:
    """Submit a report to the office; your department's key signs it."""
    params: dict[str, Any] = {
        "kind": kind,
        "year": year,
        "summary_sha256": hashlib.sha256(summary.read_bytes()).hexdigest(),
    }
    if quarter:
        params["quarter"] = quarter
    if note:
        params["note"] = note
    outcome = runtime.run(key_file, "report.submit", params)
    click.echo(f"{kind} report {outcome['period']} submitted for {outcome['department']}")
