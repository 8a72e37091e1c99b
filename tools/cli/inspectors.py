"""inspectors pending / decide / show: the inspector directory's changes and records
(``ledger/areas/inspectors``)."""

from __future__ import annotations

import click

from ledger.errors import ValidationError
from ledger.i18n import _
from projections.read.names import named
from tools.cli.output import Output, listing
from tools.cli.projected import display_names, read_projected
from tools.cli.runtime import KEY, Runtime, echo_json, find, pass_runtime, read_ledger, say


@click.group()
def inspectors() -> None:
    """The inspector directory: pending changes, decisions, records.

    \b
    Example:
      shuangsui inspectors pending
    """


@inspectors.command("pending")
@click.option("--department", "department_code", default=None)
@listing(default="json")
@pass_runtime
def inspectors_pending(runtime: Runtime, department_code: str | None, out: Output) -> None:
    """List changes waiting for the judicial department.

    \b
    Example:
      shuangsui inspectors pending --department SCJGJ
    """
    from projections.read.inspectors import pending_proposals

    out.rows(
        read_projected(runtime, lambda db: pending_proposals(db, department_code)),
        columns=("person", "proposal", "department", "action", "fields"),
    )


@inspectors.command("decide")
@KEY
@click.option("--approve/--reject", default=True, help="Decision for all named proposals.")
@click.option("--reason", default="", help="Required when rejecting.")
@click.option(
    "--all-pending",
    "all_pending",
    default=None,
    metavar="DEPARTMENT",
    help="Decide every pending change of this department.",
)
@click.argument("proposals", nargs=-1, metavar="PERSON:PROPOSAL...")
@pass_runtime
def inspectors_decide(
    runtime: Runtime,
    key_file: str,
    approve: bool,
    reason: str,
    all_pending: str | None,
    proposals: tuple[str, ...],
) -> None:
    """Approve or reject proposed changes (judicial department's key).

    \b
    Examples:
      shuangsui inspectors decide --key sfj.key --all-pending SCJGJ
      shuangsui inspectors decide --key sfj.key --reject --reason 资格不符 S9:4f0c...
    """
    from projections.read.inspectors import pending_proposals

    pairs = [tuple(p.split(":", 1)) for p in proposals]
    if any(len(p) != 2 for p in pairs):
        raise ValidationError(_("name proposals as PERSON:PROPOSAL"))
    if all_pending:
        pairs += [
            (p["person"], p["proposal"])
            for p in read_projected(runtime, lambda db: pending_proposals(db, all_pending))
        ]
    if not pairs:
        raise ValidationError(_("nothing to decide: name proposals or use --all-pending"))
    decisions = [
        {"person": person, "proposal": proposal, "approve": approve, "reason": reason}
        for person, proposal in pairs
    ]
    result = runtime.run(key_file, "inspectors.decide", {"decisions": decisions})
    count = len(result["decisions"])
    say(
        _("{count} change(s) approved", count=count)
        if approve
        else _("{count} change(s) rejected", count=count)
    )


@inspectors.command("show")
@click.argument("person")
@pass_runtime
def inspectors_show(runtime: Runtime, person: str) -> None:
    """Show an inspector's effective record and pending changes.

    \b
    Example:
      shuangsui inspectors show S001
    """
    from ledger.ids import inspector_id

    shown = read_ledger(
        runtime,
        lambda ledger: find(
            ledger, inspector_id(person), _("no inspector {person}", person=person)
        ).as_dict(),
    )
    echo_json(named(shown, display_names(runtime)))
