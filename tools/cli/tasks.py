"""task create / join / show / organise: joint tasks (联合抽查任务, R7.1-R7.4;
``ledger/areas/tasks``)."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.i18n import _
from projections.read.names import named
from tools.cli import names, terms
from tools.cli.projected import display_names
from tools.cli.runtime import (
    KEY,
    Runtime,
    echo_json,
    find,
    pass_runtime,
    read_json,
    read_ledger,
    say,
)


@click.group()
def task() -> None:
    """Joint tasks (联合抽查任务): create, join, show (R7.1-R7.3).

    \b
    Example:
      shuangsui task show T-2027-001
    """


@task.command("create")
@KEY
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def task_create(runtime: Runtime, key_file: str, file: Path) -> None:
    """Create a joint task from a JSON object; your department leads it (R7.1). The
    scope's object kinds and the matching may be Chinese (企业; 分组, 分散).

    \b
    Example:
      shuangsui task create --key scjgj.key examples/task.json
    """
    result = runtime.run(key_file, "task.create", terms.scoped(read_json(file)))
    lead = names.reading(runtime, lambda lg: names.department(lg, result["lead"]))
    runtime.say(_("task {task} created, led by {lead}", task=result["task"], lead=lead))


@task.command("join")
@KEY
@click.argument("task_code", metavar="TASK")
@click.option(
    "--item",
    "item_codes",
    multiple=True,
    required=True,
    help="An item of your published list; repeatable.",
)
@click.option(
    "--inspector",
    "people",
    multiple=True,
    required=True,
    help="An approved inspector of your department; repeatable.",
)
@pass_runtime
def task_join(
    runtime: Runtime,
    key_file: str,
    task_code: str,
    item_codes: tuple[str, ...],
    people: tuple[str, ...],
) -> None:
    """Join a joint task with your items and inspectors (R7.2, R7.3).

    \b
    Example:
      shuangsui task join --key swj.key T-2027-001 --item SW-001 --inspector T001
    """
    runtime.run(
        key_file,
        "task.join",
        {"task": task_code, "items": list(item_codes), "inspectors": list(people)},
    )
    say(_("joined task {task}", task=task_code))


@task.command("show")
@click.argument("task_code", metavar="TASK")
@pass_runtime
def task_show(runtime: Runtime, task_code: str) -> None:
    """Show a joint task.

    \b
    Example:
      shuangsui task show T-2027-001
    """
    from ledger.ids import task_id

    shown = read_ledger(
        runtime,
        lambda ledger: find(
            ledger, task_id(task_code), _("no task {task}", task=task_code)
        ).as_dict(),
    )
    echo_json(named(shown, display_names(runtime)))


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
    say(_("task {task} organised on {day}", task=task_code, day=day))
