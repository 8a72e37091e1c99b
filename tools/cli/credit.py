"""credit policy / show: the office's credit policy the draws read -- concentrated
industries and the yearly check cap (R5.3, R6.3; ``ledger/areas/credit``)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from ledger.clock import CHINA
from ledger.errors import NotFoundError
from ledger.i18n import _
from tools.cli.output import Output, listing
from tools.cli.projected import projected
from tools.cli.runtime import KEY, Runtime, pass_runtime, read_ledger


@click.group("credit")
def credit() -> None:
    """The credit policy (信用监管规则): concentrated industries, yearly check caps.

    \b
    Example:
      shuangsui credit show --on 2027-03-01
      shuangsui credit record 91510000MA6CXXXXXX
    """


@credit.command("policy")
@KEY
@click.option("--yearly-cap", type=int, help="Checks per object per calendar year (R6.3).")
@click.option(
    "--min-objects",
    type=int,
    help="An industry is concentrated with at least this many objects with a violation, "
    "penalty case or judicial referral on record (R5.3) ...",
)
@click.option("--min-share", help='... and at least this share of its objects, e.g. "0.02".')
@click.option("--years", type=int, default=3, show_default=True, help="... within these years.")
@click.option("--reason", required=True, help="Why (e.g. the joint conference's decision).")
@pass_runtime
def credit_policy(
    runtime: Runtime,
    key_file: str,
    yearly_cap: int | None,
    min_objects: int | None,
    min_share: str | None,
    years: int,
    reason: str,
) -> None:
    """Set the credit policy with the office's key; a new version for later draws.

    \b
    Example:
      shuangsui credit policy --key office.key --yearly-cap 2 --min-objects 3 \\
          --min-share 0.02 --years 3 --reason "联席会议决定"
    """
    params: dict[str, Any] = {"reason": reason}
    if yearly_cap is not None:
        params["yearly_cap"] = yearly_cap
    if min_objects is not None or min_share is not None:
        params["concentration"] = {
            "min_objects": min_objects,
            "min_share": min_share,
            "years": years,
        }
    result = runtime.run(key_file, "credit.policy", params)
    cap = result["yearly_cap"]
    runtime.say(
        _(
            "credit policy version {version}: yearly cap {cap}, concentration {concentration}",
            version=result["version"],
            cap=cap or "-",
            concentration=json.dumps(result["concentration"], ensure_ascii=False),
        )
    )


@credit.command("show")
@click.option(
    "--on",
    "on",
    metavar="YYYY-MM-DD",
    help="Compute the concentrated industries and yearly checks as of this day "
    "(default: today in China).",
)
@pass_runtime
def credit_show(runtime: Runtime, on: str | None) -> None:
    """Print the policy in force and, as of a day, the industries whose violations are
    concentrated and the objects at their yearly cap, as a draw would read them (JSON).

    \b
    Example:
      shuangsui credit show --on 2027-03-01
    """
    from ledger.draw.eligibility import checks_this_year, concentrated_industries
    from ledger.draw.world import SNAPSHOT_TOPICS, fold
    from ledger.errors import ValidationError

    try:
        day = dt.date.fromisoformat(on) if on else dt.datetime.now(CHINA).date()
    except ValueError:
        raise ValidationError(_("--on {on!r} is not a date (YYYY-MM-DD)", on=on)) from None
    world = read_ledger(runtime, lambda ledger: fold(ledger.topic_events(SNAPSHOT_TOPICS)))
    policy = world.policy
    shown: dict[str, Any] = {"on": day.isoformat(), "policy": policy}
    if policy and policy.get("concentration"):
        shown["concentrated_industries"] = concentrated_industries(
            world.directory.objects, world.credit.entries, policy["concentration"], day
        )
    if policy and policy.get("yearly_cap"):
        counts = checks_this_year(world, None, day)
        shown["at_yearly_cap"] = sorted(
            ident for ident, n in counts.items() if n >= policy["yearly_cap"]
        )
    click.echo(json.dumps(shown, ensure_ascii=False, indent=2))


@credit.command("record")
@click.argument("obj", metavar="OBJECT")
@click.option(
    "--on",
    "on",
    metavar="YYYY-MM-DD",
    help="The day the class a draw uses is judged on (default: today in China).",
)
@listing()
@pass_runtime
def credit_record(runtime: Runtime, obj: str, on: str | None, out: Output) -> None:
    """An object's credit record (信用记录, R5.1, R5.4): the verified violations, penalty
    cases (立案处罚) and judicial referrals (移送司法机关) the log records under its name
    (记于市场主体名下), with the department's and the item's names, and the penalties and
    verified complaints the directory import carries -- what puts it in a draw's directed
    stratum (定向抽查, R5.3).

    \b
    Example:
      shuangsui credit record 91510000MA6CXXXXXX
      shuangsui credit record 91510000MA6CXXXXXX --csv
    """
    from ledger import formats
    from ledger.draw.eligibility import class_from_record
    from ledger.draw.world import CreditEntry
    from ledger.errors import ValidationError
    from projections.read.directory import credit_record as read_record

    try:
        day = dt.date.fromisoformat(on) if on else dt.datetime.now(CHINA).date()
    except ValueError:
        raise ValidationError(_("--on {on!r} is not a date (YYYY-MM-DD)", on=on)) from None
    with projected(runtime) as (ledger, store):
        found = read_record(store.db, obj)
        format_4 = formats.since(ledger, 4)
    if found is None:
        raise NotFoundError(_("no object {key} in the directory", key=obj))
    if format_4:
        # R5.1 (format 4): the class a draw committed on ``day`` would use.
        entries = [
            CreditEntry(e["kind"], e["day"], e["department"], e["item"], e["basis"], e["reference"])
            for e in found["entries"]
        ]
        found["draw_class"] = class_from_record(found["credit_class"], entries, day)
        found["draw_class_on"] = day.isoformat()
    out.rows(
        found["entries"],
        table=record_table(runtime, found),
        document=found,
        columns=(
            "day",
            "kind",
            "kind_name",
            "department",
            "department_name",
            "item",
            "item_name",
            "basis",
            "reference",
            "position",
        ),
    )


def record_table(runtime: Runtime, found: dict[str, Any]) -> Any:
    """The record as lines: the object, then one line per entry, oldest first."""
    from ledger.i18n import bilingual

    def say(message: Any) -> str:
        return bilingual(message) if runtime.lang == "zh" else str(message)

    yield say(
        _(
            "credit record of {name} ({object}): credit class {credit_class}, "
            "penalties {penalties}, verified complaints {complaints}",
            name=found["name"] or found["object"],
            object=found["object"],
            credit_class=found["credit_class"],
            penalties=", ".join(found["penalties"]) or "—",
            complaints=found["complaints"] or 0,
        )
    )
    if found.get("draw_class") and found["draw_class"] != found["credit_class"]:
        yield say(
            _(
                "a draw on {on} uses credit class {draw_class}: the record lowers it (R5.1)",
                on=found["draw_class_on"],
                draw_class=found["draw_class"],
            )
        )
    if not found["entries"]:
        yield "  " + say(_("nothing recorded under its name"))
    for e in found["entries"]:
        department = e["department_name"] or e["department"]
        item = f"{e['item']}（{e['item_name']}）" if e["item_name"] else e["item"]
        yield (
            f"  {e['day']}  {e['kind_name']} {e['kind']:<17} {department}  {item}"
            f"  {e['basis']}{'  ' + e['reference'] if e['reference'] else ''}"
        )
