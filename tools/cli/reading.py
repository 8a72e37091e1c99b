"""Reading the ledger through its projections: projections update / rebuild, trail,
deadlines, feed, coverage, task-ledger, progress.

Every reading command first brings the projections up to date with the log (see
``tools/cli/projected.py``), then answers from them. The listings (trail, deadlines,
feed, coverage, task-ledger) print through ``tools/cli/output.py``: their default as it
always was (a table, or JSON for feed and task-ledger), ``--json`` and ``--csv``.
``progress`` prints one JSON document.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from ledger.areas.reviews.rules import SUBJECT_WORDS
from ledger.errors import NotFoundError
from ledger.i18n import _
from projections.read import deadlines, items, public, reports, results, tasks, trails
from tools.cli.output import Output, listing
from tools.cli.projected import TODAY, projected, read_subject, subject_options, sync_projections
from tools.cli.runtime import (
    EXIT_TAMPERED,
    Runtime,
    echo_json,
    header_lines,
    pass_runtime,
    say,
    shown,
    writable_output,
)


@click.group()
def projections() -> None:
    """Build the read models (their own SQLite file beside the ledger).

    \b
    Example:
      shuangsui projections update
    """


@projections.command("update")
@pass_runtime
def projections_update(runtime: Runtime) -> None:
    """Apply the entries appended since the last update.

    \b
    Example:
      shuangsui projections update
    """
    with projected(runtime, sync=False) as (ledger, store):
        applied = sync_projections(ledger, store)
        say(
            _(
                "applied {applied} entries; projections at position {position}",
                applied=format(applied, ","),
                position=format(store.position(), ","),
            )
        )


@projections.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report.")
@pass_runtime
def projections_verify(runtime: Runtime, as_json: bool) -> None:
    """Rebuild the read models into a scratch file and compare them table by table.

    
    The projection file is checked as it is (not brought up to date first), against
    the log replayed up to the position the file records. Exit status: 0 identical;
    1 the file differs (names the first table and row); 2 usage or I/O error.
    Example:
      shuangsui projections verify
    """
    import tempfile

    from projections.verify import verify_projections

    with (
        projected(runtime, sync=False) as (ledger, store),
        tempfile.TemporaryDirectory(prefix="shuangsui-projections-") as scratch,
    ):
        check = verify_projections(ledger, store, Path(scratch) / "rebuilt.sqlite3")
    if as_json:
        echo_json(check.as_dict())
    elif check:
        say(
            _(
                "ok: {tables} tables, {rows} rows identical to the log replayed to position "
                "{position} (head {head})",
                tables=check.tables,
                rows=format(check.rows, ","),
                position=check.position,
                head=check.head,
            )
        )
    else:
        assert check.difference is not None
        say(
            _(
                "DIFFERS at log position {position}: {difference}",
                position=check.position,
                difference=check.difference.describe(),
            )
        )
    if not check:
        raise SystemExit(EXIT_TAMPERED)


@projections.command("rebuild")
@pass_runtime
def projections_rebuild(runtime: Runtime) -> None:
    """Rebuild every read model from the whole log into a new file, which replaces the old
    one once complete.

    Until then, and if the rebuild fails or is killed, the old file stays in use.

    \b
    Example:
      shuangsui projections rebuild
    """
    with projected(runtime, sync=False) as (ledger, store):
        applied = sync_projections(ledger, store, full=True)
        say(_("rebuilt from {applied} entries", applied=format(applied, ",")))


@click.command("trail")
@subject_options
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the evidence bundle (entries + inclusion proofs) to FILE.",
)
@TODAY
@listing(export="trail")
@pass_runtime
def trail_cmd(
    runtime: Runtime,
    /,
    bundle: Path | None,
    today: str | None,
    out: Output,
    **subject: str | None,
) -> None:
    """Every event that touched a subject, in order, who signed it, and its deadlines.

    \b
    Examples:
      shuangsui trail --object 91511024MA6XXXXXX0
      shuangsui trail --task T-2026-001 --bundle trail.json
      shuangsui verify --bundle trail.json      # offline, by anyone
    """
    kind, ident = read_subject(**subject)
    if bundle is not None:
        writable_output(bundle)
    with projected(runtime, write=bundle is not None) as (ledger, store):
        entries = trails.trail(store.db, kind, ident, deadlines.as_of(today))
        names = out.names(store.db)
        if not entries:
            raise NotFoundError(
                _(
                    "nothing in the log touches {kind} {ident}",
                    kind=SUBJECT_WORDS.get(kind, kind),
                    ident=ident,
                )
            )
        if bundle is not None:
            summary = ledger.transparency.export(
                bundle, positions=[e.position for e in entries], query={kind: ident}
            )
    out.rows(
        [e.as_dict() for e in entries],
        table=trail_table(kind, ident, entries),
        columns=(
            "position",
            "time",
            "act_date",
            "act_date_label",
            "topic",
            "action",
            "actor",
            "signer",
            "deadlines",
        ),
        names=names,
    )
    if bundle is not None:
        say(
            _(
                "bundle written to {path} ({entries} entries, checkpoint {size}); check "
                "it with: shuangsui verify --bundle {path}",
                path=bundle,
                entries=summary["entries"],
                size=summary["size"],
            ),
            err=True,
        )


def trail_table(kind: str, ident: str, entries: list[trails.TrailEntry]) -> Iterator[str]:
    count = len(entries)
    yield shown(
        _("trail of {kind} {subject}: {count} entries", kind=kind, subject=ident, count=count)
    )
    # Two dates, each labelled: when the log recorded the entry, and the act's own date.
    yield shown(_("logged at: when the log recorded it (UTC)"))
    yield shown(_("act date: the act's own date (checked, formed, drawn ...)"))
    yield from header_lines(_(" position  logged at (UTC)      act date    what, who"))
    for e in entries:
        who = f"{e.signer} ({e.actor})" if e.signer else e.actor
        yield (
            f"{e.position:>9}  {e.time[:19].replace('T', ' ')}  {e.act_date or '—':<10}"
            f"  {e.topic.removeprefix('shuangsui.'):<28}  {e.action:<20} {who}"
        )
        if e.act_date_label:
            yield f"{'':>11}📅 {e.act_date_label}: {e.act_date}"
        for note in e.deadlines:
            yield f"{'':>11}⏱ {note}"


@click.command("deadlines")
@click.option("--department", help="Only this department's deadlines.")
@click.option("--kind", type=click.Choice(tuple(deadlines.DEADLINE_LABELS)))
@click.option("--status", type=click.Choice(tuple(deadlines.STATUS_LABELS)))
@TODAY
@listing(export="deadlines")
@pass_runtime
def deadlines_cmd(
    runtime: Runtime,
    department: str | None,
    kind: str | None,
    status: str | None,
    today: str | None,
    out: Output,
) -> None:
    """The deadline board: due, overdue, met late, met (R6.1, R6.5, R7.4, R9.1, R10.6).

    \b
    Example:
      shuangsui deadlines --department SCJGJ --status overdue
    """
    with projected(runtime) as (__, store):
        board = deadlines.deadlines(
            store.db, deadlines.as_of(today), department=department, kind=kind, status=status
        )
        names = out.names(store.db)
        departments = (names or public.names(store.db))["departments"]
    out.rows(
        [d.as_dict() for d in board],
        table=deadlines_table(board, departments),
        columns=(
            "kind",
            "subject",
            "department",
            "due",
            "done",
            "status",
            "opened_at",
            "done_at",
            "problem",
            "about",
        ),
        names=names,
    )


def deadlines_table(
    board: list[deadlines.Deadline], departments: dict[str, str] | None = None
) -> Iterator[str]:
    """One line per deadline: its status, due date, the department (code and name), what
    it is and its subject, and the day it was done."""
    if not board:
        yield shown(_("no deadlines"))
    for d in board:
        unit = f"{d.department} {(departments or {}).get(d.department, '')}".strip()
        yield (
            f"{deadlines.STATUS_LABELS[d.status]:<8} {d.status:<16} {d.due or '—':<10} "
            f"{unit}  {deadlines.DEADLINE_LABELS.get(d.kind, d.kind)}  {d.subject}"
            + ("  " + shown(_("(done {day})", day=d.done)) if d.done else "")
        )
        if d.about:
            yield f"{'':>9}{d.about}"
        if d.problem:
            yield f"{'':>9}{d.problem}"


@click.command("feed")
@click.option("--after", type=int, default=0, help="Cursor: the last position already read.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--department")
@listing(default="json", export="results")
@pass_runtime
def feed_cmd(runtime: Runtime, after: int, limit: int, department: str | None, out: Output) -> None:
    """The public publication feed (R9.1, R9.3) as JSON, paged by log position.

    \b
    Example:
      shuangsui feed --department SCJGJ --limit 20
    """
    with projected(runtime) as (__, store):
        page = results.feed(store.db, after=after, limit=limit, department=department)
        names = out.names(store.db)
    out.rows(
        page["items"],
        document=page,
        columns=(
            "position",
            "object",
            "name",
            "department",
            "item",
            "result",
            "formed_on",
            "published_on",
        ),
        names=names,
    )


@click.command("coverage")
@listing(export="coverage")
@pass_runtime
def coverage_cmd(runtime: Runtime, out: Output) -> None:
    """Per department and item: tasks, joint tasks and inspections by basis (R1.2).

    \b
    Example:
      shuangsui coverage --csv > coverage.csv
    """
    with projected(runtime) as (__, store):
        table = items.coverage(store.db)
        names = out.names(store.db)
    out.rows(
        table,
        table=coverage_table(table),
        columns=(
            "department",
            "item",
            "name",
            "tasks",
            "joint_tasks",
            "drawn_inspections",
            "case_inspections",
            "arbitrary_inspections",
        ),
        names=names,
    )


def coverage_table(table: list[dict[str, Any]]) -> Iterator[str]:
    yield from header_lines(_("dept     item         tasks joint drawn case arbitrary  name"))
    for r in table:
        yield (
            f"{r['department']:<8} {r['item']:<12} {r['tasks']:>5} {r['joint_tasks']:>5} "
            f"{r['drawn_inspections']:>5} {r['case_inspections']:>4} "
            f"{r['arbitrary_inspections']:>9}  {r['name']}"
        )


@click.command("task-ledger")
@click.option("--department")
@click.option("--section")
@click.option("--person")
@listing(default="json", export="task_ledger")
@pass_runtime
def task_ledger_cmd(
    runtime: Runtime,
    department: str | None,
    section: str | None,
    person: str | None,
    out: Output,
) -> None:
    """Tasks assigned to sections and people, with dates (R10.3), as JSON.

    \b
    Example:
      shuangsui task-ledger --department SCJGJ
    """
    with projected(runtime) as (__, store):
        rows = tasks.task_ledger(store.db, department=department, section=section, person=person)
        names = out.names(store.db)
    out.rows(
        rows,
        columns=(
            "task",
            "task_name",
            "draw",
            "lead",
            "object",
            "person",
            "name",
            "department",
            "section",
            "drawn_on",
            "organised_on",
            "checked_on",
            "results",
        ),
        names=names,
    )


@click.command("progress")
@click.option("--department", required=True)
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4), help="Omit for the annual summary.")
@TODAY
@pass_runtime
def progress_cmd(
    runtime: Runtime, department: str, year: int, quarter: int | None, today: str | None
) -> None:
    """A quarterly report or the annual summary, as data (R10.6).

    \b
    Example:
      shuangsui progress --department SCJGJ --year 2026 --quarter 4
    """
    with projected(runtime) as (__, store):
        echo_json(
            reports.progress_report(store.db, department, year, quarter, deadlines.as_of(today))
        )
