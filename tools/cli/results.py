"""result enter / publish / withhold / follow-up: results and their publication (R9;
``ledger/areas/results``)."""

from __future__ import annotations

from typing import Any

import click

from ledger import terms
from ledger.areas.inspections.events import RESULTS
from ledger.i18n import _
from tools.cli import names
from tools.cli.basis import ITEM, OBJECT, basis_options, read_basis
from tools.cli.runtime import KEY, Runtime, pass_runtime, say
from tools.cli.terms import Term


@click.group()
def result() -> None:
    """Enter, publish, withhold and follow up results (R9).

    \b
    Example:
      shuangsui result publish --key scjgj.key --object 91510000... \\
          --item SCJGJ:SC-001 --draw T-2026-001/1 --on 2026-12-01
    """


@result.command("enter")
@KEY
@OBJECT
@ITEM
@basis_options
@click.option(
    "--result",
    "outcome",
    type=Term("result"),
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
    """Enter a result; only an inspector assigned to the object may (谁检查谁录入, R9.1).

    \b
    Example:
      shuangsui result enter --key s1.key --object 91510000... \\
          --item SCJGJ:SC-001 --draw T-2026-001/1 --result no_problem \\
          --formed-on 2026-11-27
    """
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
    item_named = names.reading(runtime, lambda ledger: names.item(ledger, item))
    runtime.say(
        _(
            "result {result} entered for {object} {item}",
            result=names.result(outcome),
            object=obj,
            item=item_named,
        )
    )


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
    """Publish a result (谁检查谁公开; within 20 working days, R9.1).

    \b
    Example:
      shuangsui result publish --key scjgj.key --object 91510000... \\
          --item SCJGJ:SC-001 --draw T-2026-001/1 --on 2026-12-01
    """
    runtime.run(
        key_file,
        "result.publish",
        {"basis": read_basis(**basis), "object": obj, "item": item, "published_on": day},
    )
    runtime.say(_("result for {object} {item} published on {day}", object=obj, item=item, day=day))


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
    """Withhold a result from publication, with its legal basis (R9.1).

    \b
    Example:
      shuangsui result withhold --key scjgj.key --object 91510000... \\
          --item SCJGJ:SC-001 --draw T-2026-001/1 \\
          --legal-basis '《政府信息公开条例》第十四条' --on 2026-12-01
    """
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
    runtime.say(_("result for {object} {item} withheld on {day}", object=obj, item=item, day=day))


@result.command("follow-up")
@KEY
@OBJECT
@ITEM
@basis_options
@click.option("--kind", type=Term("follow_up"), required=True)
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
    """Record a violation's penalty case or judicial referral (R9.2).

    \b
    Example:
      shuangsui result follow-up --key scjgj.key --object 91510000... \\
          --item SCJGJ:SC-001 --draw T-2026-001/1 --kind penalty_case \\
          --case-number 安市监罚〔2026〕12号 --on 2026-12-05
    """
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
    say(
        _(
            "{kind} {case} recorded for {object} {item}",
            kind=terms.labelled("follow_up", kind),
            case=case_number,
            object=obj,
            item=item,
        )
    )
