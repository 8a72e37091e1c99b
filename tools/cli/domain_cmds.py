"""department, items, import, inspectors, plans, task: the domain on the command line.

Structured input (item lists, plans, tasks) is a JSON file shaped like the command's
parameters; directory input is a CSV or XLSX file (see ``ledger/directory_files.py``
for the columns). Every command is signed with ``--key`` and prints what it did.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ledger.errors import NotFoundError, ValidationError
from tools.cli import Runtime, cli, pass_runtime
from tools.cli.projected import projected

KEY = click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="The acting key file (signs the command).",
)


def _json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read {path}: {exc}") from exc
    except ValueError as exc:
        raise ValidationError(f"{path} is not JSON: {exc}") from exc


def _echo(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _read(runtime: Runtime, fn: Any) -> Any:
    ledger = runtime.open(write=False)
    try:
        return fn(ledger)
    finally:
        ledger.close()


def _projected(runtime: Runtime, fn: Any) -> Any:
    """``fn(db)`` on the projections, brought up to date first."""
    with projected(runtime) as (_, store):
        return fn(store.db)


def _get(ledger: Any, stream: Any, what: str) -> Any:
    found = ledger.find(stream)
    if found is None:
        raise NotFoundError(f"no {what}")
    return found


# --- departments --------------------------------------------------------------------------


@cli.group()
def department() -> None:
    """Member departments of the joint conference (成员单位) and their sections."""


@department.command("register")
@KEY
@click.argument("code")
@click.option("--name", required=True, help="Full name, e.g. 安岳县市场监督管理局.")
@click.option("--kind", required=True, help="market_supervision, tax, judicial, ...")
@pass_runtime
def department_register(runtime: Runtime, key_file: str, code: str, name: str, kind: str) -> None:
    """Register a department (office key).

    \b
    Example:
      shuangsui department register --key var/keys/office.key SCJGJ \\
          --name 安岳县市场监督管理局 --kind market_supervision
    """
    runtime.run(key_file, "department.register", {"code": code, "name": name, "kind": kind})
    click.echo(f"registered department {code}")


@department.command("add-section")
@KEY
@click.argument("code")
@click.argument("section")
@pass_runtime
def department_add_section(runtime: Runtime, key_file: str, code: str, section: str) -> None:
    """Add a section (股室) to a department.

    \b
    Example:
      shuangsui department add-section --key scjgj.key SCJGJ 食品安全监督管理股
    """
    runtime.run(key_file, "department.add_section", {"department": code, "section": section})
    click.echo(f"{code}: added section {section}")


@department.command("list")
@pass_runtime
def department_list(runtime: Runtime) -> None:
    """List the registered departments.

    \b
    Example:
      shuangsui department list
    """
    from projections.read.departments import departments

    _echo(_projected(runtime, departments))


# --- item lists ------------------------------------------------------------------------------


@cli.group()
def items() -> None:
    """Item lists (抽查事项清单): draft, publish, show, the joint list, the R3.3 report."""


@items.command("draft")
@KEY
@click.option(
    "--reason",
    required=True,
    type=click.Choice(["enact", "amend", "repeal", "interpret"]),
    help="立改废释: why this version exists.",
)
@click.option("--note", default="", help="What changed, in words.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def items_draft(runtime: Runtime, key_file: str, reason: str, note: str, file: Path) -> None:
    """Draft the next version of your department's list from a JSON array of items.

    \b
    Each item: code, name, legal_basis, object_type, content, method, category
    (general|key), risk_grade, and ratio_cap (general items only, e.g. "0.05").
    Example:
      shuangsui items draft --key scjgj.key --reason enact examples/items.json
    """
    result = runtime.run(
        key_file, "items.draft", {"reason": reason, "note": note, "items": _json_file(file)}
    )
    click.echo(
        f"{result['department']}: drafted version {result['version']} ({result['items']} items)"
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
    click.echo(f"{result['department']}: published version {version}")


@items.command("draft-joint")
@KEY
@click.option(
    "--reason", required=True, type=click.Choice(["enact", "amend", "repeal", "interpret"])
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def items_draft_joint(runtime: Runtime, key_file: str, reason: str, file: Path) -> None:
    """Draft the joint item list (office) from a JSON array of {department, code}.

    \b
    Example:
      shuangsui items draft-joint --key var/keys/office.key --reason enact joint.json
    """
    result = runtime.run(
        key_file, "items.draft_joint", {"reason": reason, "entries": _json_file(file)}
    )
    click.echo(f"joint list: drafted version {result['version']} ({result['items']} items)")


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
    click.echo(f"joint list: published version {version}")


@items.command("show")
@click.argument("department_code", metavar="DEPARTMENT")
@pass_runtime
def items_show(runtime: Runtime, department_code: str) -> None:
    """Show a department's list, every version (JOINT for the joint list).

    \b
    Example:
      shuangsui items show SCJGJ
    """
    from ledger.areas.items.events import item_list_id

    _echo(
        _read(
            runtime,
            lambda ledger: _get(
                ledger, item_list_id(department_code), f"item list of {department_code}"
            ).as_dict(),
        )
    )


@items.command("report")
@pass_runtime
def items_report(runtime: Runtime) -> None:
    """Key items and general caps per department (R3.3).

    \b
    Example:
      shuangsui items report
    """
    from projections.read.items import item_report

    _echo(_projected(runtime, item_report))


# --- imports ---------------------------------------------------------------------------------


@cli.group("import")
def import_() -> None:
    """Import the object or inspector directory from CSV or XLSX."""


def _department_of(runtime: Runtime, key: Any) -> str:
    def lookup(ledger: Any) -> str:
        found = ledger.valid_key(key.key_id)
        if not found.organisation:
            raise ValidationError(f"key {key.key_id} belongs to no department")
        return str(found.organisation)

    return str(_read(runtime, lookup))


@import_.command("objects")
@KEY
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def import_objects_cmd(runtime: Runtime, key_file: str, file: Path) -> None:
    """Import objects (检查对象名录) for your department from FILE (.csv or .xlsx).

    \b
    Every row is checked first; if any is bad, each is reported with its line
    and nothing is written. Columns: id, name, kind, region, industry, scope,
    supervisors, credit_class, penalties, complaints, status (or the Chinese
    headers 统一社会信用代码或编号, 名称, 类型, 乡镇, ...).
    Example:
      shuangsui import objects --key scjgj.key objects.csv
    """
    from ledger.areas.directory.importer import check_objects, import_objects

    key = runtime.signing_key(key_file)
    department_code = _department_of(runtime, key)
    click.echo(f"checking {file.name} ...", err=True)
    checked = check_objects(file, department_code)
    ledger = runtime.open()
    try:
        with click.progressbar(
            length=checked.check.rows,
            label=f"importing {file.name}",
            show_pos=True,
            file=sys.stderr,
        ) as bar:
            summary = import_objects(
                file,
                department_code,
                runtime.submitter(ledger, key),
                checked=checked,
                progress=bar.update,
            )
    finally:
        ledger.close()
    click.echo(
        f"imported {summary['rows']} objects in {summary['batches']} batches "
        f"(import {summary['import_id']})"
    )


@import_.command("inspectors")
@KEY
@click.option(
    "--action", type=click.Choice(["enrol", "update", "retire"]), default="enrol", show_default=True
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def import_inspectors_cmd(runtime: Runtime, key_file: str, action: str, file: Path) -> None:
    """Propose inspectors from FILE; they take effect when the judicial key approves (R4.2).

    \b
    Example:
      shuangsui import inspectors --key scjgj.key inspectors.xlsx
      shuangsui inspectors pending
    """
    from ledger.areas.directory.importer import import_inspectors

    key = runtime.signing_key(key_file)
    department_code = _department_of(runtime, key)
    ledger = runtime.open()
    try:
        summary = import_inspectors(
            file, department_code, runtime.submitter(ledger, key), action=action
        )
    finally:
        ledger.close()
    click.echo(
        f"proposed {summary['rows']} inspector change(s); waiting for the judicial "
        "department's approval"
    )


# --- inspectors ---------------------------------------------------------------------------------


@cli.group()
def inspectors() -> None:
    """The inspector directory: pending changes, decisions, records."""


@inspectors.command("pending")
@click.option("--department", "department_code", default=None)
@pass_runtime
def inspectors_pending(runtime: Runtime, department_code: str | None) -> None:
    """List changes waiting for the judicial department.

    \b
    Example:
      shuangsui inspectors pending --department SCJGJ
    """
    from projections.read.inspectors import pending_proposals

    _echo(_projected(runtime, lambda db: pending_proposals(db, department_code)))


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
        raise ValidationError("name proposals as PERSON:PROPOSAL")
    if all_pending:
        pairs += [
            (p["person"], p["proposal"])
            for p in _projected(runtime, lambda db: pending_proposals(db, all_pending))
        ]
    if not pairs:
        raise ValidationError("nothing to decide: name proposals or use --all-pending")
    decisions = [
        {"person": person, "proposal": proposal, "approve": approve, "reason": reason}
        for person, proposal in pairs
    ]
    result = runtime.run(key_file, "inspectors.decide", {"decisions": decisions})
    click.echo(f"{len(result['decisions'])} change(s) {'approved' if approve else 'rejected'}")


@inspectors.command("show")
@click.argument("person")
@pass_runtime
def inspectors_show(runtime: Runtime, person: str) -> None:
    """Show an inspector's effective record and pending changes.

    \b
    Example:
      shuangsui inspectors show S001
    """
    from ledger.areas.inspectors.events import inspector_id

    _echo(
        _read(
            runtime,
            lambda ledger: _get(ledger, inspector_id(person), f"inspector {person}").as_dict(),
        )
    )


# --- plans and tasks ---------------------------------------------------------------------


@cli.group()
def plans() -> None:
    """Annual spot-check plans (年度抽查计划, R6)."""


@plans.command("draft")
@KEY
@click.option(
    "--reason",
    type=click.Choice(["enact", "amend", "repeal", "interpret"]),
    default="enact",
    show_default=True,
)
@click.argument("year", type=click.IntRange(2000, 2100))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def plans_draft(runtime: Runtime, key_file: str, reason: str, year: int, file: Path) -> None:
    """Draft your department's plan for YEAR from a JSON object (R6.4's fields).

    \b
    Example:
      shuangsui plans draft --key scjgj.key 2027 examples/plan.json
    """
    params = {**_json_file(file), "year": year, "reason": reason}
    result = runtime.run(key_file, "plans.draft", params)
    click.echo(f"{result['department']} {year}: drafted version {result['version']}")


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
    late = " (late: after 31 January, R6.5)" if result["late"] else ""
    click.echo(f"{result['department']} {year}: published version {version}{late}")


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
    from ledger.areas.plans.events import plan_id

    _echo(
        _read(
            runtime,
            lambda ledger: _get(
                ledger, plan_id(department_code, year), f"{year} plan of {department_code}"
            ).as_dict(),
        )
    )


@cli.group()
def task() -> None:
    """Joint tasks (联合抽查任务): create, join, show (R7.1-R7.3)."""


@task.command("create")
@KEY
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def task_create(runtime: Runtime, key_file: str, file: Path) -> None:
    """Create a joint task from a JSON object; your department leads it (R7.1).

    \b
    Example:
      shuangsui task create --key scjgj.key examples/task.json
    """
    result = runtime.run(key_file, "task.create", _json_file(file))
    click.echo(f"task {result['task']} created, led by {result['lead']}")


@task.command("join")
@KEY
@click.argument("task_code", metavar="TASK")
@click.option(
    "--item",
    "item_codes",
    multiple=True,
    required=True,
    help="An item of your published list; repeatable.",
)
@click.option(
    "--inspector",
    "people",
    multiple=True,
    required=True,
    help="An approved inspector of your department; repeatable.",
)
@pass_runtime
def task_join(
    runtime: Runtime,
    key_file: str,
    task_code: str,
    item_codes: tuple[str, ...],
    people: tuple[str, ...],
) -> None:
    """Join a joint task with your items and inspectors (R7.2, R7.3).

    \b
    Example:
      shuangsui task join --key swj.key T-2027-001 --item SW-001 --inspector T001
    """
    runtime.run(
        key_file,
        "task.join",
        {"task": task_code, "items": list(item_codes), "inspectors": list(people)},
    )
    click.echo(f"joined task {task_code}")


@task.command("show")
@click.argument("task_code", metavar="TASK")
@pass_runtime
def task_show(runtime: Runtime, task_code: str) -> None:
    """Show a joint task.

    \b
    Example:
      shuangsui task show T-2027-001
    """
    from ledger.areas.tasks.events import task_id

    _echo(
        _read(
            runtime, lambda ledger: _get(ledger, task_id(task_code), f"task {task_code}").as_dict()
        )
    )
