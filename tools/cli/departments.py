"""department register / add-section / list: member departments (成员单位) and their
sections (``ledger/areas/departments``)."""

from __future__ import annotations

import click

from ledger.i18n import _
from tools.cli.output import Output, listing
from tools.cli.projected import read_projected
from tools.cli.runtime import KEY, Runtime, pass_runtime


@click.group()
def department() -> None:
    """Member departments of the joint conference (成员单位) and their sections.

    \b
    Example:
      shuangsui department list --json
    """


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
    named = f"{code}（{name}）"
    runtime.say(_("registered department {department}", department=named))


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
    runtime.say(_("{department}: added section {section}", department=code, section=section))


@department.command("list")
@listing(default="json")
@pass_runtime
def department_list(runtime: Runtime, out: Output) -> None:
    """List the registered departments.

    \b
    Example:
      shuangsui department list
    """
    from projections.read.departments import departments

    out.rows(
        read_projected(runtime, departments),
        columns=("code", "name", "kind", "sections"),
    )
