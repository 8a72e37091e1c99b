"""report submit: quarterly reports and the annual summary (R10.6;
``ledger/areas/reports``)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import click

from ledger.errors import ValidationError
from projections.read import reports
from tools.cli.output import Output, listing
from tools.cli.projected import projected
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
    help="The written report, a UTF-8 text file: its text and SHA-256 are recorded.",
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
    data = summary.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            f"{summary} is not UTF-8 text; save the report as .txt or .md (报告须为UTF-8文本文件)",
            {"summary": ["not UTF-8 text"]},
        ) from None
    params: dict[str, Any] = {
        "kind": kind,
        "year": year,
        "summary_sha256": hashlib.sha256(data).hexdigest(),
        "text": text,
    }
    if quarter:
        params["quarter"] = quarter
    if note:
        params["note"] = note
    outcome = runtime.run(key_file, "report.submit", params)
    click.echo(
        f"{kind} report {outcome['period']} submitted for {outcome['department']} "
        f"/ {outcome['department']} 已报送 {outcome['period']} "
        f"{'季度工作推进情况' if kind == 'quarterly' else '年度书面总结'}"
    )


@report_group.command("list")
@click.option("--department", help="Only this department's reports.")
@click.option("--year", type=int, help="Only this year's reports.")
@listing()
@pass_runtime
def report_list(runtime: Runtime, department: str | None, year: int | None, out: Output) -> None:
    """The reports submitted to the office, with their text (R10.6).

    \b
    Example:
      shuangsui report list --year 2026 --json
    """
    with projected(runtime) as (_, store):
        found = reports.submitted(store.db, department=department, year=year)

    def table() -> Any:
        yield "department 部门 | kind 类别 | period 期间 | submitted 报送日期 | characters 字数"
        for r in found:
            yield (
                f"{r['department']} {r['department_name'] or ''} | {r['kind']} | {r['period']} | "
                f"{r['submitted_on']} | {len(r['text']) if r['text'] else 'digest only 仅摘要'}"
            )

    out.rows(found, table=table(), columns=("department", "kind", "period", "submitted_on"))
