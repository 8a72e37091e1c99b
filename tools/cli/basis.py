"""The options that name what an inspection or a result is about, shared by the
``inspection`` and ``result`` groups: the object, the item, and the basis.

Every inspection names its basis: ``--draw TASK/N`` (the draw that assigned the object),
``--case ID --trigger T --reference R`` (a case lead, R1.1) or ``--no-basis REF`` (an
inspection outside any draw or case: recorded as what happened, flagged by the review).
Invariant: :func:`read_basis` accepts exactly one basis, or refuses with a
:class:`~ledger.errors.ValidationError` naming the field.
"""

from __future__ import annotations

from typing import Any

import click

from ledger.errors import ValidationError
from ledger.i18n import _
from tools.cli.terms import Term


def basis_options(fn: Any) -> Any:
    options = [
        click.option("--draw", "draw_ref", metavar="TASK/N", help="The draw that assigned it."),
        click.option("--case", "case_id", metavar="ID", help="A case lead's id (个案处理)."),
        click.option(
            "--trigger", type=Term("trigger"), help="The case lead's trigger (投诉举报 …)."
        ),
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
            _("name exactly one basis: --draw, --case or --no-basis"),
            {"basis": [_("exactly one of --draw, --case, --no-basis")]},
        )
    if draw_ref:
        task_code, __, number = draw_ref.rpartition("/")
        if not task_code or not (number.isascii() and number.isdigit()):
            raise ValidationError(
                _("--draw {draw_ref!r}: expected TASK/N, e.g. T-2026-001/1", draw_ref=draw_ref),
                {"draw": [_("expected TASK/N")]},
            )
        return {"kind": "draw", "task": task_code, "draw": int(number)}
    if case_id:
        if not trigger or not case_reference:
            raise ValidationError(
                _("a case lead needs --trigger and --reference (R1.1)"),
                {"basis": [_("--case needs --trigger and --reference")]},
            )
        return {"kind": "case", "case": case_id, "trigger": trigger, "reference": case_reference}
    return {"kind": "none", "reference": no_basis}


OBJECT = click.option("--object", "obj", required=True, help="The object's credit code (USCC).")
ITEM = click.option(
    "--item", required=True, metavar="DEPT:CODE", help="The item, e.g. SCJGJ:SC-001."
)
