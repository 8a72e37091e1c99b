"""items draft / publish / draft-joint / publish-joint / show / report: item lists
(抽查事项清单, ``ledger/areas/items``).

Structured input is a JSON file shaped like the command's parameters."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.i18n import _
from projections.read.names import named
from tools.cli import names, terms
from tools.cli.output import Output, listing
from tools.cli.projected import display_names, read_projected
from tools.cli.runtime import (
    KEY,
    Runtime,
    echo_json,
    find,
    pass_runtime,
    read_json,
    read_ledger,
    say,
)
from tools.cli.terms import Term


@click.group()
def items() -> None:
    """Item lists (抽查事项清单): draft, publish, show, the joint list, the R3.3 report.

    \b
    Example:
      shuangsui items show SCJGJ
    """


@items.command("draft")
@KEY
@click.option(
    "--reason",
    required=True,
    type=Term("reason"),
    help="立改废释 or 工作实际情况: why this version exists (a code or its Chinese name).",
)
@click.option("--note", default="", help="What changed, in words.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def items_draft(runtime: Runtime, key_file: str, reason: str, note: str, file: Path) -> None:
    """Draft the next version of your department's list from a JSON array of items.

    \b
    Each item: code, name, legal_basis, object_type, content, method, category
    (general|key), risk_grade, and ratio_cap (general items only, e.g. "0.05");
    object_type, method, category and risk_grade may be Chinese (企业, 实地核查,
    重点检查事项, 高), --reason too (修改, 工作实际情况).
    Example:
      shuangsui items draft --key scjgj.key --reason enact examples/items.json
    """
    result = runtime.run(
        key_file,
        "items.draft",
        {"reason": reason, "note": note, "items": terms.items(read_json(file))},
    )
    runtime.say(
        _(
            "{department}: drafted version {version} ({count} items)",
            department=names.reading(
                runtime, lambda lg: names.department(lg, result["department"])
            ),
            version=result["version"],
            count=result["items"],
        )
    )


@items.command("publish")
@KEY
@click.argument("version", type=click.IntRange(1))
@pass_runtime
def items_publish(runtime: Runtime, key_file: str, version: int) -> None:
    """Publish the drafted VERSION of your department's list (it never changes after).

    \b
    Example:
      shuangsui items publish --key scjgj.key 1
    """
    result = runtime.run(key_file, "items.publish", {"version": version})
    named = names.reading(runtime, lambda lg: names.department(lg, result["department"]))
    runtime.say(_("{department}: published version {version}", department=named, version=version))


@items.command("draft-joint")
@KEY
@click.option("--reason", required=True, type=Term("reason"), help="A code or its Chinese name.")
@click.option(
    "--follows",
    help="The Sichuan provincial joint list this version follows: its title and document "
    "number (required on a format-5 ledger, R3.5).",
)
@click.option(
    "--standard",
    "standards",
    multiple=True,
    help="A standard or work rule adopted with the list (title); repeat for each.",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def items_draft_joint(
    runtime: Runtime,
    key_file: str,
    reason: str,
    follows: str | None,
    standards: tuple[str, ...],
    file: Path,
) -> None:
    """Draft the joint item list (office) from a JSON array of {department, code},
    following the Sichuan provincial joint list (R3.5).

    \b
    Example:
      shuangsui items draft-joint --key var/keys/office.key --reason enact \\
        --follows "四川省市场监管领域部门联合抽查事项清单（第二版）" \\
        --standard "安岳县部门联合抽查工作规则" joint.json
    """
    params: dict[str, object] = {"reason": reason, "entries": read_json(file)}
    if follows is not None:
        params["follows"] = follows
    if standards:
        params["standards"] = list(standards)
    result = runtime.run(key_file, "items.draft_joint", params)
    say(
        _(
            "joint list: drafted version {version} ({items} items)",
            version=result["version"],
            items=result["items"],
        )
    )


@items.command("publish-joint")
@KEY
@click.argument("version", type=click.IntRange(1))
@pass_runtime
def items_publish_joint(runtime: Runtime, key_file: str, version: int) -> None:
    """Publish the joint item list's draft (office).

    \b
    Example:
      shuangsui items publish-joint --key var/keys/office.key 1
    """
    runtime.run(key_file, "items.publish_joint", {"version": version})
    say(_("joint list: published version {version}", version=version))


@items.command("show")
@click.argument("department_code", metavar="DEPARTMENT")
@pass_runtime
def items_show(runtime: Runtime, department_code: str) -> None:
    """Show a department's list, every version (JOINT for the joint list).

    \b
    Example:
      shuangsui items show SCJGJ
    """
    from ledger.ids import item_list_id

    shown = read_ledger(
        runtime,
        lambda ledger: find(
            ledger,
            item_list_id(department_code),
            _("no item list of {department}", department=department_code),
        ).as_dict(),
    )
    echo_json(named(shown, display_names(runtime)))


@items.command("report")
@listing(default="json")
@pass_runtime
def items_report(runtime: Runtime, out: Output) -> None:
    """Key items and general caps per department (R3.3).

    \b
    Example:
      shuangsui items report
    """
    from projections.read.items import item_report

    out.rows(
        read_projected(runtime, item_report),
        columns=(
            "department",
            "name",
            "published_version",
            "key_items",
            "general_items",
            "general_caps",
            "highest_cap",
        ),
    )
