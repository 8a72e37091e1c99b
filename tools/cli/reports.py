"""report submit: quarterly reports and the annual summary (R10.6;
``ledger/areas/reports``)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import click

from ledger.errors import ValidationError
from ledger.i18n import _
from projections.read import reports
from projections.read.deadlines import as_of
from tools.cli.output import Output, listing
from tools.cli.projected import TODAY, projected
from tools.cli.runtime import KEY, Runtime, echo_json, header_lines, pass_runtime, shown
from tools.cli.terms import Term

#: The level above the county's joint conference (上级联席会议).
UPPER = "资阳市市场监管领域部门联合双随机一公开监管联席会议"


@click.group("report")
def report_group() -> None:
    """Quarterly reports and the annual summary (R10.6).

    \b
    Example:
      shuangsui report submit --key scjgj.key --kind quarterly --year 2026 \\
          --quarter 4 --summary q4.txt
    """


@report_group.command("submit")
@KEY
@click.option("--kind", type=Term("report_kind"), required=True)
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
    """Submit a report to the office; your department's key signs it.

    \b
    Example:
      shuangsui report submit --key scjgj.key --kind quarterly --year 2026 \\
          --quarter 4 --summary q4.txt
    """
    data = summary.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            _("{summary} is not UTF-8 text; save the report as .txt or .md", summary=summary),
            {"summary": [_("not UTF-8 text")]},
        ) from None
    params: dict[str, Any] = {
        "kind": kind,
        "year": year,
        # The ledger records the text without surrounding blank space; the digest is of that.
        "summary_sha256": hashlib.sha256(text.strip().encode()).hexdigest(),
        "text": text.strip(),
    }
    if quarter:
        params["quarter"] = quarter
    if note:
        params["note"] = note
    outcome = runtime.run(key_file, "report.submit", params)
    if kind == "quarterly":
        done = _(
            "quarterly report {period} submitted for {department}",
            period=outcome["period"],
            department=outcome["department"],
        )
    else:
        done = _(
            "annual summary {period} submitted for {department}",
            period=outcome["period"],
            department=outcome["department"],
        )
    runtime.say(done)


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
    with projected(runtime) as (__, store):
        found = reports.submitted(store.db, department=department, year=year)

    def table() -> Any:
        yield from header_lines(_("department | kind | period | submitted | characters"))
        for r in found:
            yield (
                f"{r['department']} {r['department_name'] or ''} | {r['kind']} | {r['period']} | "
                f"{r['submitted_on']} | {len(r['text']) if r['text'] else shown(_('digest only'))}"
            )

    out.rows(found, table=table(), columns=("department", "kind", "period", "submitted_on"))


@report_group.command("collate")
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4), help="Omit for the annual collation.")
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    help="The office's key: record it as sent.",
)
@click.option(
    "--recipient", default="资阳市市场监管领域部门联合双随机一公开监管联席会议", show_default=True
)
@click.option("--sent-on", metavar="YYYY-MM-DD", help="The day it was sent (with --key).")
@TODAY
@pass_runtime
def report_collate(
    runtime: Runtime,
    year: int,
    quarter: int | None,
    key_file: str | None,
    recipient: str,
    sent_on: str | None,
    today: str | None,
) -> None:
    """The office's collation for the level above, generated from the log (R10.6).

    Without --key it prints the collation; with --key and --sent-on the office records it
    as sent (梳理汇总后，向上级联席会议报送).

    \b
    Example:
      shuangsui report collate --year 2026 --quarter 3
      shuangsui report collate --year 2026 --quarter 3 --key office.key --sent-on 2026-10-20
    """
    with projected(runtime) as (__, store):
        content = reports.collation(store.db, year, quarter, as_of(today or sent_on))
    if key_file is None:
        echo_json(content)
        return
    if not sent_on:
        raise ValidationError(_("--sent-on is needed to record the collation as sent"))
    params: dict[str, Any] = {
        "year": year,
        "recipient": recipient,
        "sent_on": sent_on,
        "content": content,
    }
    if quarter:
        params["quarter"] = quarter
    result = runtime.run(key_file, "report.collate", params)
    runtime.say(
        _(
            "collation {period} recorded as sent on {day} (sha256 {digest}...)",
            period=result["period"],
            day=result["sent_on"],
            digest=result["sha256"][:16],
        )
    )


@report_group.command("collations")
@listing()
@pass_runtime
def report_collations(runtime: Runtime, out: Output) -> None:
    """The collations the office recorded as sent to the level above (R10.6).

    \b
    Example:
      shuangsui report collations --json
    """
    with projected(runtime) as (__, store):
        found = reports.collations(store.db)

    def table() -> Any:
        yield from header_lines(_("period | sent | recipient | sha256"))
        for c in found:
            digest = c["content_sha256"][:16]
            yield f"{c['period']} | {c['sent_on']} | {c['recipient']} | {digest}..."

    out.rows(found, table=table(), columns=("period", "sent_on", "recipient", "content_sha256"))
