"""review show / settle: the discipline inspector's duty review (R10.4;
``ledger/areas/reviews``, ``projections/review/``)."""

from __future__ import annotations

from pathlib import Path

import click

from ledger import terms
from ledger.i18n import _
from projections.read import public
from projections.read.deadlines import as_of
from projections.read.names import named
from projections.review import review as duty_review
from projections.review.render import render
from tools.cli.output import Output, export_path
from tools.cli.projected import JSON, TODAY, projected, read_subject, subject_options
from tools.cli.runtime import KEY, Runtime, echo_json, pass_runtime, read_json, read_text, say
from tools.cli.terms import Term


@click.group()
def review() -> None:
    """The duty review (R10.4): 尽职照单免责、失职照单问责.

    \b
    Example:
      shuangsui review show --object 91510000...
    """


@review.command("show")
@subject_options
@TODAY
@JSON
@click.option(
    "--export",
    "export_file",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=export_path,
    help="Write the verdicts to FILE (.csv or .xlsx) with Chinese headers.",
)
@pass_runtime
def review_show(
    runtime: Runtime,
    /,
    today: str | None,
    as_json: bool,
    export_file: Path | None,
    **subject: str | None,
) -> None:
    """Apply the rules to a subject's trail and give each party's verdict.

    \b
    Examples:
      shuangsui review show --object 91511024MA6XXXXXX0
      shuangsui review show --person S001 --json
      shuangsui review show --department SCJGJ --export review.xlsx
    """
    kind, ident = read_subject(**subject)
    with projected(runtime) as (__, store):
        result = duty_review(store.db, kind, ident, as_of(today))
        out = Output("json", export_file, "reviews")
        names = public.names(store.db)
    if export_file is not None:
        out.rows(result.as_dict()["verdicts"], names=names)
    elif as_json:
        echo_json(named(result.as_dict(), names))
    else:
        click.echo(render(result, runtime.lang))


@review.command("settle")
@KEY
@subject_options
@click.option("--party", required=True, help="The person or department the verdict is for.")
@click.option("--verdict", type=Term("verdict"), required=True)  # closes it
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
    """Settle a verdict with a signed review event (discipline inspector's key).

    \b
    Example:
      shuangsui review settle --key jiwei.key --object 91510000... \\
          --party S1 --verdict exempt --reasoning '按规定程序检查，已尽职'
    """
    kind, ident = read_subject(**subject)
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
    say(
        _(
            "review of {kind} {subject}: {party} settled as {verdict}",
            kind=kind,
            subject=ident,
            party=party,
            verdict=terms.labelled("verdict", verdict),
        )
    )


@review.command("rules")
@KEY
@click.option("--version", "version", type=int, required=True, help="版本号: 1, then each next.")
@click.option("--title", required=True, help="办法名称, e.g. 县市场监管局追责免责实施细则.")
@click.option("--text", "text_file", type=click.Path(exists=True, dir_okay=False), required=True)
@click.option("--effective-from", required=True, help="施行日期 YYYY-MM-DD.")
@pass_runtime
def review_rules(
    runtime: Runtime,
    /,
    key_file: str,
    version: int,
    title: str,
    text_file: str,
    effective_from: str,
) -> None:
    """Record a version of the department's detailed rules on exemption and
    accountability (细化追责免责相关办法, R10.4); assessments cite it.

    \b
    Example:
      shuangsui review rules --key scjgj.key --version 1 --title 追责免责细则 \\
          --text rules.txt --effective-from 2026-01-01
    """
    text = read_text(Path(text_file))
    recorded = runtime.run(
        key_file,
        "review.rules",
        {"version": version, "title": title, "text": text, "effective_from": effective_from},
    )
    runtime.say(
        _("rules v{version} recorded (sha256 {digest})", version=version, digest=recorded["sha256"])
    )


@review.command("assess")
@KEY
@subject_options
@click.option("--party", required=True, help="The department or its inspector assessed.")
@click.option(
    "--factors",
    "factors_file",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="JSON: {attitude|procedure|method|conditions: {finding, note}}.",
)
@click.option("--rules-version", type=int, required=True, help="The rules version cited.")
@pass_runtime
def review_assess(
    runtime: Runtime,
    /,
    key_file: str,
    party: str,
    factors_file: str,
    rules_version: int,
    **subject: str | None,
) -> None:
    """Complete the four factors (工作态度、工作程序、工作方法、客观条件) for a party of the
    department's own, under its recorded rules (R10.4).

    \b
    Example:
      shuangsui review assess --key scjgj.key --object 9151... --party S1 \\
          --factors factors.json --rules-version 1
    """
    kind, ident = read_subject(**subject)
    factors = read_json(Path(factors_file))
    runtime.run(
        key_file,
        "review.assess",
        {
            "subject": {"kind": kind, "id": ident},
            "party": party,
            "factors": factors,
            "rules_version": rules_version,
        },
    )
    runtime.say(_("{party} assessed under rules v{version}", party=party, version=rules_version))


@review.command("problem")
@KEY
@click.option("--object", "obj", required=True, help="The market entity (统一社会信用代码).")
@click.option("--kind", type=Term("problem_kind"), required=True)
@click.option("--on", "occurred_on", required=True, help="发生或查实日期 YYYY-MM-DD.")
@click.option("--item", default="", help="DEPARTMENT:CODE the problem concerns, if one.")
@click.option("--reference", required=True, help="事故报告、投诉编号或案件编号.")
@click.option("--description", required=True)
@pass_runtime
def review_problem(
    runtime: Runtime,
    /,
    key_file: str,
    obj: str,
    kind: str,
    occurred_on: str,
    item: str,
    reference: str,
    description: str,
) -> None:
    """Record that a market entity turned out to have a problem (an incident, a verified
    complaint, a violation): the 免责/问责 analysis of the checks before it opens (R10.4).

    \b
    Example:
      shuangsui review problem --key scjgj.key --object 9151... --kind complaint \\
          --on 2026-05-06 --reference 12315-0077 --description 投诉经查实
    """
    params = {
        "object": obj,
        "kind": kind,
        "occurred_on": occurred_on,
        "reference": reference,
        "description": description,
    }
    if item:
        params["item"] = item
    runtime.run(key_file, "review.problem", params)
    say(_("{object}: {kind} recorded", object=obj, kind=terms.labelled("problem_kind", kind)))
