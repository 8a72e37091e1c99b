"""Reading the ledger: projections, trails, the duty review, deadlines, the public feed.

Every reading command first brings the projections up to date with the log (a
progress bar shows when that takes a while), then answers from them. ``--json``
prints machine-readable output; the default is for people.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ledger.errors import NotFoundError, ValidationError
from projections.read import deadlines, items, reports, results, tasks, trails
from projections.review import review as duty_review
from projections.review.render import render
from tools.cli import Runtime, cli, pass_runtime
from tools.cli.domain_cmds import KEY, _echo
from tools.cli.projected import catch_up, projected

JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
TODAY = click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="Judge deadlines as of this day (default: today in China).",
)


@cli.group()
def projections() -> None:
    """Build the read models (their own SQLite file beside the ledger)."""


@projections.command("update")
@pass_runtime
def projections_update(runtime: Runtime) -> None:
    """Apply the entries appended since the last update."""
    with projected(runtime, sync=False) as (ledger, store):
        applied = catch_up(ledger, store)
        click.echo(f"applied {applied:,} entries; projections at position {store.position():,}")


@projections.command("rebuild")
@pass_runtime
def projections_rebuild(runtime: Runtime) -> None:
    """Drop every read model and replay the whole log."""
    with projected(runtime, sync=False) as (ledger, store):
        applied = catch_up(ledger, store, full=True)
        click.echo(f"rebuilt from {applied:,} entries")


def subject_options(fn: Any) -> Any:
    for kind, help_text in reversed(
        (
            ("object", "An object's credit code."),
            ("task", "A joint task's code."),
            ("person", "An inspector's person id."),
            ("department", "A department's code."),
        )
    ):
        fn = click.option(f"--{kind}", kind, help=help_text)(fn)
    return fn


def _subject(**given: str | None) -> tuple[str, str]:
    named = [(k, v) for k, v in given.items() if v]
    if len(named) != 1:
        raise ValidationError(
            "name exactly one of --object, --task, --person, --department",
            {"subject": ["exactly one"]},
        )
    return named[0][0], str(named[0][1])


@cli.command("trail")
@subject_options
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the evidence bundle (entries + inclusion proofs) to FILE.",
)
@TODAY
@JSON
@pass_runtime
def trail_cmd(
    runtime: Runtime,
    /,
    bundle: Path | None,
    today: str | None,
    as_json: bool,
    **subject: str | None,
) -> None:
    """Every event that touched a subject, in order, who signed it, and its deadlines.

    \b
    Examples:
      shuangsui trail --object 91511024MA6XXXXXX0
      shuangsui trail --task T-2026-001 --bundle trail.json
      shuangsui verify --bundle trail.json      # offline, by anyone
    """
    kind, ident = _subject(**subject)
    with projected(runtime, write=bundle is not None) as (ledger, store):
        entries = trails.trail(store.db, kind, ident, deadlines.as_of(today))
        if not entries:
            raise NotFoundError(f"nothing in the log touches {kind} {ident}")
        if bundle is not None:
            summary = ledger.transparency.export(
                bundle, positions=[e.position for e in entries], query={kind: ident}
            )
    if as_json:
        _echo([e.as_dict() for e in entries])
    else:
        click.echo(f"trail of {kind} {ident}: {len(entries)} entries")
        for e in entries:
            who = f"{e.signer} ({e.actor})" if e.signer else e.actor
            click.echo(
                f"{e.position:>9}  {e.time[:19]}  {e.topic.removeprefix('shuangsui.'):<28}"
                f"  {e.action:<20} {who}"
            )
            for note in e.deadlines:
                click.echo(f"{'':>11}⏱ {note}")
    if bundle is not None:
        click.echo(
            f"bundle written to {bundle} ({summary['entries']} entries, checkpoint "
            f"{summary['size']}); check it with: shuangsui verify --bundle "
            f"{bundle}",
            err=True,
        )


@cli.group()
def review() -> None:
    """The duty review (R10.4): 尽职照单免责、失职照单问责."""


@review.command("show")
@subject_options
@TODAY
@JSON
@pass_runtime
def review_show(
    runtime: Runtime, /, today: str | None, as_json: bool, **subject: str | None
) -> None:
    """Apply the rules to a subject's trail and give each party's verdict.

    \b
    Examples:
      shuangsui review show --object 91511024MA6XXXXXX0
      shuangsui review show --person S001 --json
    """
    kind, ident = _subject(**subject)
    with projected(runtime) as (_, store):
        result = duty_review(store.db, kind, ident, deadlines.as_of(today))
    if as_json:
        _echo(result.as_dict())
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
    kind, ident = _subject(**subject)
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


@cli.command("deadlines")
@click.option("--department", help="Only this department's deadlines.")
@click.option("--kind", type=click.Choice(tuple(deadlines.DEADLINE_LABELS)))
@click.option("--status", type=click.Choice(tuple(deadlines.STATUS_LABELS)))
@TODAY
@JSON
@pass_runtime
def deadlines_cmd(
    runtime: Runtime,
    department: str | None,
    kind: str | None,
    status: str | None,
    today: str | None,
    as_json: bool,
) -> None:
    """The deadline board: due, overdue, met late, met (R6.5, R7.4, R9.1, R10.6)."""
    with projected(runtime) as (_, store):
        board = deadlines.deadlines(
            store.db, deadlines.as_of(today), department=department, kind=kind, status=status
        )
    if as_json:
        _echo([d.as_dict() for d in board])
        return
    if not board:
        click.echo("no deadlines")
    for d in board:
        click.echo(
            f"{deadlines.STATUS_LABELS[d.status]:<8} {d.status:<16} {d.due or '—':<10} "
            f"{d.department:<8} {deadlines.DEADLINE_LABELS.get(d.kind, d.kind)}  {d.subject}"
            + (f"  (done {d.done})" if d.done else "")
        )
        if d.problem:
            click.echo(f"{'':>9}{d.problem}")


@cli.command("feed")
@click.option("--after", type=int, default=0, help="Cursor: the last position already read.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--department")
@pass_runtime
def feed_cmd(runtime: Runtime, after: int, limit: int, department: str | None) -> None:
    """The public publication feed (R9.1, R9.3) as JSON, paged by log position."""
    with projected(runtime) as (_, store):
        _echo(results.feed(store.db, after=after, limit=limit, department=department))


@cli.command("coverage")
@JSON
@pass_runtime
def coverage_cmd(runtime: Runtime, as_json: bool) -> None:
    """Per department and item: tasks, joint tasks and inspections by basis (R1.2)."""
    with projected(runtime) as (_, store):
        table = items.coverage(store.db)
    if as_json:
        _echo(table)
        return
    click.echo("dept     item         tasks joint drawn case arbitrary  name")
    for r in table:
        click.echo(
            f"{r['department']:<8} {r['item']:<12} {r['tasks']:>5} {r['joint_tasks']:>5} "
            f"{r['drawn_inspections']:>5} {r['case_inspections']:>4} "
            f"{r['arbitrary_inspections']:>9}  {r['name']}"
        )


@cli.command("task-ledger")
@click.option("--department")
@click.option("--section")
@click.option("--person")
@pass_runtime
def task_ledger_cmd(
    runtime: Runtime, department: str | None, section: str | None, person: str | None
) -> None:
    """Tasks assigned to sections and people, with dates (R10.3), as JSON."""
    with projected(runtime) as (_, store):
        _echo(tasks.task_ledger(store.db, department=department, section=section, person=person))


@cli.command("progress")
@click.option("--department", required=True)
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4), help="Omit for the annual summary.")
@TODAY
@pass_runtime
def progress_cmd(
    runtime: Runtime, department: str, year: int, quarter: int | None, today: str | None
) -> None:
    """A quarterly report or the annual summary, as data (R10.6)."""
    with projected(runtime) as (_, store):
        _echo(reports.progress_report(store.db, department, year, quarter, deadlines.as_of(today)))
