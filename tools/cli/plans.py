"""plans draft / publish / show: annual spot-check plans (年度抽查计划, R6;
``ledger/areas/plans``)."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.i18n import _
from projections.read.names import named
from tools.cli import names, terms
from tools.cli.projected import display_names
from tools.cli.runtime import KEY, Runtime, echo_json, find, pass_runtime, read_json, read_ledger
from tools.cli.terms import Term


@click.group()
def plans() -> None:
    """Annual spot-check plans (年度抽查计划, R6).

    \b
    Example:
      shuangsui plans show SCJGJ 2027
    """


@plans.command("draft")
@KEY
@click.option(
    "--reason",
    type=Term("reason"),
    default="enact",
    show_default=True,
    help="立改废释 or 工作实际情况 (a code or its Chinese name).",
)
@click.argument("year", type=click.IntRange(2000, 2100))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def plans_draft(runtime: Runtime, key_file: str, reason: str, year: int, file: Path) -> None:
    """Draft your department's plan for YEAR from a JSON object (R6.4's fields); the
    scope's object kinds may be Chinese (企业, 个体工商户 ...).

    \b
    Example:
      shuangsui plans draft --key scjgj.key 2027 examples/plan.json
    """
    params = {**terms.scoped(read_json(file)), "year": year, "reason": reason}
    result = runtime.run(key_file, "plans.draft", params)
    named = names.reading(runtime, lambda lg: names.department(lg, result["department"]))
    runtime.say(
        _(
            "{department} {year}: drafted version {version}",
            department=named,
            year=year,
            version=result["version"],
        )
    )


@plans.command("publish")
@KEY
@click.argument("year", type=click.IntRange(2000, 2100))
@click.argument("version", type=click.IntRange(1))
@pass_runtime
def plans_publish(runtime: Runtime, key_file: str, year: int, version: int) -> None:
    """Publish a drafted plan; after 31 January of its year it is recorded late (R6.5).

    \b
    Example:
      shuangsui plans publish --key scjgj.key 2027 1
    """
    result = runtime.run(key_file, "plans.publish", {"year": year, "version": version})
    named = names.reading(runtime, lambda lg: names.department(lg, result["department"]))
    done = _(
        "{department} {year}: published version {version}",
        department=named,
        year=year,
        version=version,
    )
    runtime.say(_("{done} (late: after 31 January, R6.5)", done=done) if result["late"] else done)


@plans.command("show")
@click.argument("department_code", metavar="DEPARTMENT")
@click.argument("year", type=click.IntRange(2000, 2100))
@pass_runtime
def plans_show(runtime: Runtime, department_code: str, year: int) -> None:
    """Show a department's plan for a year, every version.

    \b
    Example:
      shuangsui plans show SCJGJ 2027
    """
    from ledger.ids import plan_id

    shown = read_ledger(
        runtime,
        lambda ledger: find(
            ledger,
            plan_id(department_code, year),
            _("no {year} plan of {department}", year=year, department=department_code),
        ).as_dict(),
    )
    echo_json(named(shown, display_names(runtime)))
