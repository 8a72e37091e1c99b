"""inspection record, excuse, checklist: an object's check for an item (R8), a checklist
item excused with its reason, a drawn object's checklist (R6.1; ``ledger/areas/inspections``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from ledger.errors import ValidationError
from ledger.i18n import _
from projections.read.deadlines import as_of
from projections.read.inspections import checklist
from tools.cli.basis import ITEM, OBJECT, basis_options, read_basis
from tools.cli.names import item as item_name
from tools.cli.names import reading
from tools.cli.output import Output, listing
from tools.cli.projected import TODAY, projected
from tools.cli.runtime import KEY, Runtime, pass_runtime, shown
from tools.cli.terms import Term


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
@click.option("--method", type=Term("inspection_method"), required=True, help="实地核查 …")
@click.option(
    "--inspector", "people", multiple=True, required=True, help="An inspector present; repeatable."
)
@click.option("--on", "day", required=True, metavar="YYYY-MM-DD", help="The day of the check.")
@click.option(
    "--delegated",
    type=Term("service"),
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
                _("--delegated needs --body and --conclusion"),
                {"delegated": [_("needs --body and --conclusion")]},
            )
        params["delegated"] = {
            "kind": delegated,
            "body": body,
            "conclusion_sha256": hashlib.sha256(conclusion.read_bytes()).hexdigest(),
        }
    result = runtime.run(key_file, "inspection.record", params)
    item_named = reading(runtime, lambda ledger: item_name(ledger, item))
    runtime.say(
        _(
            "check of {object} for {item} recorded at position {position}",
            object=obj,
            item=item_named,
            position=result["positions"][1],
        )
    )


@inspection.command("excuse")
@KEY
@OBJECT
@ITEM
@click.option("--draw", "draw_ref", required=True, metavar="TASK/N", help="The draw.")
@click.option("--reason", required=True, help="Why the item is not checked (免查理由).")
@click.option("--on", "day", required=True, metavar="YYYY-MM-DD", help="The day decided.")
@pass_runtime
def inspection_excuse(
    runtime: Runtime, /, key_file: str, obj: str, item: str, draw_ref: str, reason: str, day: str
) -> None:
    """Excuse an item on a drawn object's checklist, with the reason (R6.1).

    The department whose item it is records why it is not checked on the joint visit;
    the obligation is then no longer due.

    \b
    Example:
      shuangsui inspection excuse --key wjj.key --draw T-2026-001/1 \\
          --object 91510000... --item WJJ:WJ-GG-001 --on 2026-10-20 \\
          --reason "该店已停止经营公共场所业务"
    """
    params = {
        "basis": read_basis(draw_ref, None, None, None, None),
        "object": obj,
        "item": item,
        "reason": reason,
        "excused_on": day,
    }
    result = runtime.run(key_file, "inspection.excuse", params)
    runtime.say(
        _(
            "{item} on {object} excused at position {position}: {reason}",
            item=item,
            object=obj,
            position=result["positions"][1],
            reason=reason,
        )
    )


@inspection.command("withdraw-excuse")
@KEY
@OBJECT
@ITEM
@click.option("--draw", "draw_ref", required=True, metavar="TASK/N", help="The draw.")
@click.option("--reason", required=True, help="Why the item is checked after all.")
@click.option("--on", "day", required=True, metavar="YYYY-MM-DD", help="The day decided.")
@pass_runtime
def inspection_withdraw_excuse(
    runtime: Runtime, /, key_file: str, obj: str, item: str, draw_ref: str, reason: str, day: str
) -> None:
    """Withdraw an excuse of a checklist item, with the reason (R6.1).

    The department whose item it is signs that the item will be checked after all; the
    obligation is due again by the task's planned end (overdue after it), until it is
    checked or excused anew. The excuse stays on the record.

    \b
    Example:
      shuangsui inspection withdraw-excuse --key wjj.key --draw T-2026-001/1 \\
          --object 91510000... --item WJJ:WJ-GG-001 --on 2026-10-22 \\
          --reason "复核发现该店仍经营公共场所业务"
    """
    params = {
        "basis": read_basis(draw_ref, None, None, None, None),
        "object": obj,
        "item": item,
        "reason": reason,
        "withdrawn_on": day,
    }
    result = runtime.run(key_file, "inspection.withdraw_excuse", params)
    runtime.say(
        _(
            "excuse of {item} on {object} withdrawn at position {position}: the item is due again",
            item=reading(runtime, lambda ledger: item_name(ledger, item)),
            object=obj,
            position=result["positions"][-1],
        )
    )


@inspection.command("checklist")
@click.option("--draw", "draw_ref", required=True, metavar="TASK/N", help="The draw.")
@click.option("--object", "obj", required=True, help="The drawn object's id.")
@TODAY
@listing()
@pass_runtime
def inspection_checklist(
    runtime: Runtime, draw_ref: str, obj: str, today: str | None, out: Output
) -> None:
    """A drawn object's checklist: each department's items on the joint visit (R6.1).

    Every participating department's task item that applies to the object (its kind,
    and the departments supervising it), who of the team that department sent, and
    whether it is checked, excused, due or overdue after the task's planned end.

    \b
    Example:
      shuangsui inspection checklist --draw T-2026-001/1 --object 91510000...
    """
    basis = read_basis(draw_ref, None, None, None, None)
    with projected(runtime) as (__, store):
        found = checklist(store.db, basis["task"], basis["draw"], obj, as_of(today))
        names = out.names(store.db)
    out.rows(
        found["items"],
        table=checklist_table(found),
        document=found,
        columns=(
            "item",
            "item_name",
            "department",
            "department_name",
            "due",
            "status",
            "status_name",
            "checked_on",
            "excused_on",
            "reason",
            "sent",
        ),
        names=names,
    )


def checklist_table(found: dict[str, Any]) -> Iterator[str]:
    name = found["object_name"] or found["object"]
    yield shown(
        _(
            "checklist of {name} ({object}) in {task}/{draw} (as of {day}); team {team}",
            name=name,
            object=found["object"],
            task=found["task"],
            draw=found["draw"],
            day=found["as_of"],
            team=", ".join(found["team"]),
        )
    )
    for i in found["items"]:
        done = i["checked_on"] or i["excused_on"] or ""
        sent = ", ".join(i["sent"]) or "—"
        yield (
            f"  {i['status_name']:<8} {i['status']:<8} {i['item']:<22} "
            f"{i['item_name'] or ''}  {i['department_name'] or i['department']}  "
            + shown(_("due {due}", due=i["due"] or "—"))
            + f"  {done}  "
            + shown(_("sent {people}", people=sent))
        )
        if i["reason"]:
            yield "           " + shown(_("reason excused: {reason}", reason=i["reason"]))
