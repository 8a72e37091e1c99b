"""worklist assign / complete / list: a department's task ledger (工作任务台账), R10.3
(``ledger/areas/worklist``)."""

from __future__ import annotations

from typing import Any

import click

from ledger.i18n import _
from projections.read import worklist as read_worklist
from tools.cli.output import Output, listing
from tools.cli.projected import projected
from tools.cli.runtime import KEY, Runtime, header_lines, pass_runtime


@click.group("worklist")
def worklist() -> None:
    """The task ledger (工作任务台账): tasks assigned to sections and people (R10.3).

    \b
    Example:
      shuangsui worklist list --department SCJGJ
    """


@worklist.command("assign")
@KEY
@click.argument("entry")
@click.option("--title", required=True, help="The task (工作任务).")
@click.option("--section", required=True, help="The section responsible (责任股室).")
@click.option("--person", help="The person responsible (责任人), an inspector of the unit.")
@click.option("--due", required=True, metavar="YYYY-MM-DD", help="The time node (时间节点).")
@click.option("--source", help="Where it comes from: a plan, a notice number, R10.6 ...")
@pass_runtime
def worklist_assign(
    runtime: Runtime,
    key_file: str,
    entry: str,
    title: str,
    section: str,
    person: str | None,
    due: str,
    source: str | None,
) -> None:
    """Put a task on your department's task ledger (R10.3).

    \b
    Example:
      shuangsui worklist assign --key swj.key W-2026-07 --title "补报第三季度工作推进情况" \\
        --section 征收管理股 --person T1 --due 2026-12-15 --source TB-2026-01
    """
    params: dict[str, Any] = {"entry": entry, "title": title, "section": section, "due": due}
    if person:
        params["person"] = person
    if source:
        params["source"] = source
    result = runtime.run(key_file, "worklist.assign", params)
    runtime.say(
        _(
            "{department} task-ledger entry {entry} due {due}",
            department=result["department"],
            entry=entry,
            due=due,
        )
    )


@worklist.command("complete")
@KEY
@click.argument("entry")
@click.option("--on", "done_on", required=True, metavar="YYYY-MM-DD")
@click.option("--note", help="A short note on what was done.")
@pass_runtime
def worklist_complete(
    runtime: Runtime, key_file: str, entry: str, done_on: str, note: str | None
) -> None:
    """Record a task-ledger entry as done (R10.3).

    \b
    Example:
      shuangsui worklist complete W-2026-007 --key scjgj.key --on 2026-12-02
    """
    params: dict[str, Any] = {"entry": entry, "done_on": done_on}
    if note:
        params["note"] = note
    runtime.run(key_file, "worklist.complete", params)
    runtime.say(_("entry {entry} done on {day}", entry=entry, day=done_on))


@worklist.command("list")
@click.option("--department")
@click.option("--section")
@click.option("--person")
@listing()
@pass_runtime
def worklist_list(
    runtime: Runtime,
    department: str | None,
    section: str | None,
    person: str | None,
    out: Output,
) -> None:
    """The task ledger's entries beyond the draw's assignments, by due date (R10.3).

    \b
    Example:
      shuangsui worklist list --department SCJGJ --section 执法一股 --csv
    """
    with projected(runtime) as (__, store):
        found = read_worklist.entries(
            store.db, department=department, section=section, person=person
        )

    def table() -> Any:
        yield from header_lines(_("due | unit | section | person | task | done"))
        for w in found:
            yield (
                f"{w['due']} | {w['department']} {w['department_name'] or ''} | {w['section']} | "
                f"{w['person'] or ''} {w['person_name'] or ''} | {w['title']} | "
                f"{w['done_on'] or '未完成'}"
            )

    out.rows(found, table=table(), columns=("entry", "department", "section", "person", "due"))
