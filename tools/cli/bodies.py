"""body register / oversee / list: the register of qualified bodies (有资质的机构, R8.1) and
the delegating department's guidance, supervision and evaluation (R8.2;
``ledger/areas/bodies``)."""

from __future__ import annotations

from typing import Any

import click

from ledger.errors import ValidationError
from ledger.i18n import _
from projections.read import bodies as read_bodies
from tools.cli.output import Output, listing
from tools.cli.projected import projected
from tools.cli.runtime import KEY, Runtime, pass_runtime
from tools.cli.terms import Term


@click.group("body")
def body() -> None:
    """Qualified third-party bodies (有资质的机构) and their supervision (R8.1, R8.2).

    \b
    Example:
      shuangsui body list
    """


@body.command("register")
@KEY
@click.argument("ident", metavar="BODY")
@click.option("--name", required=True)
@click.option("--qualification", required=True, help="E.g. the CMA certificate (资质证书).")
@click.option(
    "--service",
    "services",
    multiple=True,
    required=True,
    type=Term("service"),
    help="检验检测 testing, 财务审计 audit, 调查咨询 survey; repeatable.",
)
@click.option("--scope", required=True, help="The scope of the qualification (资质范围).")
@click.option("--valid-from", required=True, metavar="YYYY-MM-DD")
@click.option("--valid-until", required=True, metavar="YYYY-MM-DD")
@pass_runtime
def body_register(
    runtime: Runtime,
    key_file: str,
    ident: str,
    name: str,
    qualification: str,
    services: tuple[str, ...],
    scope: str,
    valid_from: str,
    valid_until: str,
) -> None:
    """Register a qualified body (R8.1).

    \b
    Example:
      shuangsui body register --key scjgj.key ZYJC --name 资阳市食品药品检验检测中心 \\
        --qualification "CMA 2019231234" --service testing --scope 食品 \\
        --valid-from 2024-01-01 --valid-until 2029-12-31
    """
    params: dict[str, Any] = {
        "body": ident,
        "name": name,
        "qualification": qualification,
        "services": list(services),
        "scope": scope,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }
    runtime.run(key_file, "body.register", params)
    runtime.say(_("body {body} {name} registered", body=ident, name=name))


@body.command("oversee")
@KEY
@click.argument("ident", metavar="BODY")
@click.option("--kind", required=True, type=Term("oversight"))
@click.option("--on", "day", required=True, metavar="YYYY-MM-DD")
@click.option("--finding", required=True, help="What was found or advised.")
@click.option("--rating", type=click.Choice(("good", "adequate", "poor")), help="Evaluations.")
@click.option(
    "--basis",
    type=click.Choice(("draw", "case", "none")),
    help="The delegation supervised or evaluated: its check's basis (as body list shows it).",
)
@click.option("--reference", help="The delegated check's basis reference, e.g. T-2026-01/1.")
@click.option("--object", "obj", help="The delegated check's object.")
@click.option("--item", help="The delegated check's item, DEPARTMENT:CODE.")
@pass_runtime
def body_oversee(
    runtime: Runtime,
    key_file: str,
    ident: str,
    kind: str,
    day: str,
    finding: str,
    rating: str | None,
    basis: str | None,
    reference: str | None,
    obj: str | None,
    item: str | None,
) -> None:
    """Record your department's guidance, supervision or evaluation of a body (R8.2).

    A supervision or an evaluation is of one delegation: the check that delegated
    testing, audit or survey to the body (--basis, --reference, --object, --item).

    \b
    Example:
      shuangsui body oversee --key scjgj.key ZYJC --kind evaluation --on 2026-11-20 \\
        --finding "检验报告规范、按时" --rating good --basis draw \\
        --reference T-2026-01/1 --object 91512021MA000001X --item SCJGJ:SC-001
    """
    params: dict[str, Any] = {
        "body": ident,
        "kind": kind,
        "held_on": day,
        "finding": finding,
    }
    if rating:
        params["rating"] = rating
    cited = {"basis": basis, "reference": reference, "object": obj, "item": item}
    if any(cited.values()):
        missing = [f"--{name}" for name, value in cited.items() if not value]
        if missing:
            raise ValidationError(
                _(
                    "a delegation is named by --basis, --reference, --object and --item; "
                    "missing: {missing}",
                    missing=", ".join(missing),
                ),
                {name: [_("required with the others")] for name in missing},
            )
        params["delegation"] = cited
    runtime.run(key_file, "body.oversee", params)
    runtime.say(_("{kind} of {body} recorded", kind=kind, body=ident))


@body.command("list")
@listing(default="json")
@pass_runtime
def body_list(runtime: Runtime, out: Output) -> None:
    """The register: each body, its records and the delegated checks citing it.

    \b
    Example:
      shuangsui body list --csv > bodies.csv
    """
    with projected(runtime) as (__, store):
        out.rows(
            read_bodies.bodies(store.db),
            columns=("body", "name", "valid_until"),
            names=out.names(store.db),
        )
