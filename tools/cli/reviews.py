"""review show / settle: the discipline inspector's duty review (R10.4;
``ledger/areas/reviews``, ``projections/review/``)."""

from __future__ import annotations

from pathlib import Path

import click

from projections.read.deadlines import as_of
from projections.review import review as duty_review
from projections.review.render import render
from tools.cli.output import Output, export_path
from tools.cli.projected import JSON, TODAY, projected, read_subject, subject_options
from tools.cli.runtime import KEY, Runtime, echo_json, pass_runtime


@click.group()
def review() -> None:
    """The duty review (R10.4): 尽职照单免责、失职照单问责."""


@review.command("show")
@subject_options
@TODAY
@JSON
@click.option(
    "--export",
    "export_file",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=export_path,
    help="Write the verdicts to FILE (.csv or .xlsx) with Chinese headers.",
)
@pass_runtime
def review_show(
    runtime: Runtime,
    /,
    today: str | None,
    as_json: bool,
    export_file: Path | None,
    **subject: str | None,
) -> None:
    """Apply the rules to a subject's trail and give each party's verdict.

    \b
    Examples:
      shuangsui review show --object 91511024MA6XXXXXX0
      shuangsui review show --person S001 --json
      shuangsui review show --department SCJGJ --export review.xlsx
    """
    kind, ident = read_subject(**subject)
    with projected(runtime) as (_, store):
        result = duty_review(store.db, kind, ident, as_of(today))
        out = Output("json", export_file, "reviews")
        names = out.names(store.db)
    if export_file is not None:
        out.rows(result.as_dict()["verdicts"], names=names)
    elif as_json:
        echo_json(result.as_dict())
    else:
        click.echo(render(result))


@review.command("settle")
@KEY
@subject_options
@click.option("--party", required=True, help="The person or department the verdict is for.")
@click.option("--verdict", type=click.Choice(("exempt", "accountable")), required=True)
@click.option("--reasoning", required=True, help="Why (attitude, objective conditions ...).")
@click.option("--evidence", type=int, multiple=True, help="A log position relied on; repeatable.")
@pass_runtime
def review_settle(
    runtime: Runtime,
    /,
    key_file: str,
    party: str,
    verdict: str,
    reasoning: str,
    evidence: tuple[int, ...],
    **subject: str | None,
) -> None:
    """Settle a verdict with a signed review event (discipline inspector's key)."""
    kind, ident = read_subject(**subject)
    runtime.run(
        key_file,
        "review.settle",
        {
            "subject": {"kind": kind, "id": ident},
            "party": party,
            "verdict": verdict,
            "reasoning": reasoning,
            "evidence": list(evidence),
        },
    )
    click.echo(f"review of {kind} {ident}: {party} settled as {verdict}")
