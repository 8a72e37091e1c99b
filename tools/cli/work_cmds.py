"""Carrying out and after: organise, inspect, results, publication, calendar, reports,
and the discipline inspector's settled review (R7.4, R8, R9, R10).

Every inspection names its basis: ``--draw TASK/N`` (the draw that assigned the object),
``--case ID --trigger T --reference R`` (a case lead, R1.1) or ``--no-basis REF`` (an
inspection outside any draw or case: recorded as what happened, flagged by the review).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import click

from ledger.areas.inspections.events import FOLLOW_UPS, METHODS, RESULTS, TRIGGERS
from ledger.errors import ValidationError
from tools.cli import Runtime, cli, pass_runtime
from tools.cli.domain_cmds import KEY, _json_file, task


def basis_options(fn: Any) -> Any:
    options = [
        click.option("--draw", "draw_ref", metavar="TASK/N", help="The draw that assigned it."),
        click.option("--case", "case_id", metavar="ID", help="A case lead's id (个案处理)."),
        click.option("--trigger", type=click.Choice(TRIGGERS), help="The case lead's trigger."),
        click.option("--reference", "case_reference", help="The case lead's reference."),
        click.option(
            "--no-basis",
            "no_basis",
            metavar="REF",
            help="No draw and no case lead (随意检查); a reference for the record.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def read_basis(
    draw_ref: str | None,
    case_id: str | None,
    trigger: str | None,
    case_reference: str | None,
    no_basis: str | None,
) -> dict[str, Any]:
    given = [b for b in (draw_ref, case_id, no_basis) if b]
    if len(given) != 1:
        raise ValidationError(
            "name exactly one basis: --draw, --case or --no-basis",
            {"basis": ["exactly one of --draw, --case, --no-basis"]},
        )
    if draw_ref:
        task_code, _, number = draw_ref.rpartition("/")
        if not task_code or not number.isdigit():
            raise ValidationError(
                f"--draw {draw_ref!r}: expected TASK/N, e.g. T-2026-001/1",
                {"draw": ["expected TASK/N"]},
            )
        return {"kind": "draw", "task": task_code, "draw": int(number)}
    if case_id:
        if not trigger or not case_reference:
            raise ValidationError(
                "a case lead needs --trigger and --reference (R1.1)",
                {"basis": ["--case needs --trigger and --reference"]},
            )
        return {"kind": "case", "case": case_id, "trigger": trigger, "reference": case_reference}
    return {"kind": "none", "reference": no_basis}


OBJECT = click.option("--object", "obj", required=True, help="The object's credit code (USCC).")
ITEM = click.option(
    "--item", required=True, metavar="DEPT:CODE", help="The item, e.g. SCJGJ:SC-001."
)


@task.command("organise")
@KEY
@click.argument("task_code", metavar="TASK")
@click.option("--draw", "number", type=int, default=1, show_default=True)
@click.option("--on", "day", required=True, metavar="YYYY-MM-DD", help="The day organised.")
@pass_runtime
def task_organise(runtime: Runtime, key_file: str, task_code: str, number: int, day: str) -> None:
    """Record that the lead organised the drawn checks (R7.4: within 5 working days).

    \b
    Example:
      shuangsui task organise --key scjgj.key T-2026-001 --on 2026-11-27
    """
    runtime.run(key_file, "task.organise", {"task": task_code, "draw": number, "organised_on": day})
    click.echo(f"task {task_code} organised on {day}")


@cli.group()
def inspection() -> None:
    """Record inspections (R8)."""


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
@click.option("--body", help="The delegated body's name.")
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


@cli.group()
def result() -> None:
    """Enter, publish, withhold and follow up results (R9)."""


@result.command("enter")
@KEY
@OBJECT
@ITEM
@basis_options
@click.option(
    "--result",
    "outcome",
    type=click.Choice(tuple(RESULTS)),
    required=True,
    help="; ".join(f"{k}: {v}" for k, v in RESULTS.items()),
)
@click.option("--details", help="What was found.")
@click.option("--formed-on", required=True, metavar="YYYY-MM-DD")
@pass_runtime
def result_enter(
    runtime: Runtime,
    /,
    key_file: str,
    obj: str,
    item: str,
    outcome: str,
    details: str | None,
    formed_on: str,
    **basis: Any,
) -> None:
    """Enter a result; only an inspector assigned to the object may (谁检查谁录入, R9.1)."""
    params = {
        "basis": read_basis(**basis),
        "object": obj,
        "item": item,
        "result": outcome,
        "formed_on": formed_on,
    }
    if details:
        params["details"] = details
    runtime.run(key_file, "result.enter", params)
    click.echo(f"result {outcome} ({RESULTS[outcome]}) entered for {obj} {item}")


@result.command("publish")
@KEY
@OBJECT
@ITEM
@basis_options
@click.option("--on", "day", required=True, metavar="YYYY-MM-DD")
@pass_runtime
def result_publish(
    runtime: Runtime, /, key_file: str, obj: str, item: str, day: str, **basis: Any
) -> None:
    """Publish a result (谁检查谁公开; within 20 working days, R9.1)."""
    runtime.run(
        key_file,
        "result.publish",
        {"basis": read_basis(**basis), "object": obj, "item": item, "published_on": day},
    )
    click.echo(f"result for {obj} {item} published on {day}")


@result.command("withhold")
@KEY
@OBJECT
@ITEM
@basis_options
@click.option("--legal-basis", required=True, help="The law that forbids publication.")
@click.option("--on", "day", required=True, metavar="YYYY-MM-DD")
@pass_runtime
def result_withhold(
    runtime: Runtime,
    /,
    key_file: str,
    obj: str,
    item: str,
    legal_basis: str,
    day: str,
    **basis: Any,
) -> None:
    """Withhold a result from publication, with its legal basis (R9.1)."""
    runtime.run(
        key_file,
        "result.withhold",
        {
            "basis": read_basis(**basis),
            "object": obj,
            "item": item,
            "legal_basis": legal_basis,
            "decided_on": day,
        },
    )
    click.echo(f"result for {obj} {item} withheld on {day}")


@result.command("follow-up")
@KEY
@OBJECT
@ITEM
@basis_options
@click.option("--kind", type=click.Choice(FOLLOW_UPS), required=True)
@click.option("--case-number", required=True, help="The penalty case or referral number.")
@click.option("--on", "day", required=True, metavar="YYYY-MM-DD")
@pass_runtime
def result_follow_up(
    runtime: Runtime,
    /,
    key_file: str,
    obj: str,
    item: str,
    kind: str,
    case_number: str,
    day: str,
    **basis: Any,
) -> None:
    """Record a violation's penalty case or judicial referral (R9.2)."""
    runtime.run(
        key_file,
        "result.follow_up",
        {
            "basis": read_basis(**basis),
            "object": obj,
            "item": item,
            "kind": kind,
            "reference": case_number,
            "on": day,
        },
    )
    click.echo(f"{kind} {case_number} recorded for {obj} {item}")


@cli.group()
def calendar() -> None:
    """The working-day calendar (office)."""


@calendar.command("amend")
@KEY
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def calendar_amend(runtime: Runtime, key_file: str, file: Path) -> None:
    """Amend the calendar from a JSON file: {"days": {"2027-01-01": false, ...},
    "declare_years": [2027], "note": "国务院办公厅2027年部分节假日安排"}.

    A declared year is counted Monday-Friday except the amended days; until a year is
    declared (or the installed chinesecalendar knows it) no deadline in it is computed.
    """
    outcome = runtime.run(key_file, "calendar.amend", _json_file(file))
    click.echo(f"calendar amended: {outcome['days']} day(s), years {outcome['declared_years']}")


@cli.group("report")
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
