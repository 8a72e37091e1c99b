"""notice issue / rectify / list: notices naming a unit (通报批评) and their rectification
(整改), R10.2 (``ledger/areas/notices``)."""

from __future__ import annotations

from typing import Any

import click

from ledger.i18n import _
from projections.read import notices
from projections.read.deadlines import as_of
from tools.cli.output import Output, listing
from tools.cli.projected import TODAY, projected
from tools.cli.runtime import KEY, Runtime, header_lines, pass_runtime


@click.group("notice")
def notice() -> None:
    """Notices naming a unit (通报批评) and their rectification (整改) (R10.2).

    \b
    Example:
      shuangsui notice list --open
    """


@notice.command("issue")
@KEY
@click.argument("number", metavar="NOTICE")
@click.option("--department", required=True, help="The unit named (被通报单位).")
@click.option("--finding", required=True, help="What was found (消极懈怠、不作为 ...).")
@click.option("--rectification", required=True, help="The rectification required (整改要求).")
@click.option("--due", required=True, metavar="YYYY-MM-DD", help="Rectify by this day.")
@click.option("--rule", help="The rule not followed, e.g. R10.6 (default R10.2).")
@pass_runtime
def notice_issue(
    runtime: Runtime,
    key_file: str,
    number: str,
    department: str,
    finding: str,
    rectification: str,
    due: str,
    rule: str | None,
) -> None:
    """Issue a notice with the office's key (R10.2).

    \b
    Example:
      shuangsui notice issue --key office.key TB-2026-01 --department SWJ \\
        --finding "第三季度工作推进情况未按期报送" --rectification "补报并说明原因" --due 2026-12-20
    """
    params: dict[str, Any] = {
        "notice": number,
        "department": department,
        "finding": finding,
        "rectification": rectification,
        "due": due,
    }
    if rule:
        params["rule"] = rule
    result = runtime.run(key_file, "notice.issue", params)
    runtime.say(
        _(
            "notice {notice} issued to {department}, rectify by {due}",
            notice=result["notice"],
            department=result["department"],
            due=due,
        )
    )


@notice.command("rectify")
@KEY
@click.argument("number", metavar="NOTICE")
@click.option("--on", "done_on", required=True, metavar="YYYY-MM-DD", help="The day it was done.")
@click.option("--account", required=True, help="What was done (整改情况).")
@pass_runtime
def notice_rectify(
    runtime: Runtime, key_file: str, number: str, done_on: str, account: str
) -> None:
    """Record the rectification as done, with the named unit's key (R10.2).

    \b
    Example:
      shuangsui notice rectify TB-2026-01 --key scjgj.key --on 2026-12-20 \\
          --account '已补报第四季度报告'
    """
    result = runtime.run(
        key_file, "notice.rectify", {"notice": number, "done_on": done_on, "account": account}
    )
    if result["late"]:
        runtime.say(_("notice {notice} rectified on {day}, late", notice=number, day=done_on))
    else:
        runtime.say(_("notice {notice} rectified on {day}", notice=number, day=done_on))


@notice.command("list")
@click.option("--department", help="Only notices naming this unit.")
@click.option("--open", "open_only", is_flag=True, help="Only notices not yet rectified.")
@TODAY
@listing()
@pass_runtime
def notice_list(
    runtime: Runtime, department: str | None, open_only: bool, today: str | None, out: Output
) -> None:
    """Notices and their state: 整改中 open, 逾期未整改 overdue, 已整改 rectified.

    \b
    Example:
      shuangsui notice list --department SCJGJ --open --json
    """
    with projected(runtime) as (__, store):
        found = notices.notices(store.db, as_of(today), department=department, open_only=open_only)

    def table() -> Any:
        yield from header_lines(_("notice | unit | due | state | rectification"))
        for n in found:
            yield (
                f"{n['notice']} | {n['department']} {n['department_name'] or ''} | {n['due']} | "
                f"{n['state_zh']} {n['state']} | {n['rectification']}"
            )

    out.rows(found, table=table(), columns=("notice", "department", "due", "state"))
