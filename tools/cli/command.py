"""``command``: send any typed command by its action name, and ``command --list``.

The generic entry every command gets for free from its declaration
(:mod:`ledger.commanding`): the parameters come from a JSON file and/or
``-p NAME=VALUE`` pairs (a value that parses as JSON is taken as JSON, otherwise as
text), are signed with ``--key`` and executed like any other command. The area
commands (``items draft``, ``task create`` ...) remain the friendlier way in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ledger.errors import ValidationError
from ledger.i18n import _
from tools.cli.runtime import Runtime, echo_json, pass_runtime, read_json


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _listing() -> list[dict[str, Any]]:
    from ledger.bootstrap import registry

    return [
        {
            "action": c.ACTION,
            "area": c.area(),
            "roles": sorted(c.ROLES),
            "route": f"{c.ROUTE.method} {c.ROUTE.path}" if c.ROUTE else None,
            "summary": c.summary(),
            "parameters": {
                name: {"type": spec.kind, "required": spec.required}
                for name, spec in c.parameters().items()
            },
        }
        for c in registry()
    ]


@click.command("command")
@click.argument("action", required=False)
@click.option("--key", "key_file", type=click.Path(dir_okay=False), help="The acting key file.")
@click.option(
    "--params",
    "params_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The parameters as a JSON object in a file.",
)
@click.option("-p", "pairs", multiple=True, metavar="NAME=VALUE", help="A parameter; repeatable.")
@click.option(
    "--attachment",
    "attachment_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Bulk rows (a JSON list) for commands that take an attachment.",
)
@click.option("--list", "show_list", is_flag=True, help="List every command and its parameters.")
@pass_runtime
def command(
    runtime: Runtime,
    action: str | None,
    key_file: str | None,
    params_file: Path | None,
    pairs: tuple[str, ...],
    attachment_file: Path | None,
    show_list: bool,
) -> None:
    """Send any command by its action name, signed with --key.

    \b
    Examples:
      shuangsui command --list
      shuangsui command note.append --key var/keys/office.key -p text=会议纪要
      shuangsui command plans.publish --key scjgj.key -p year=2026 -p version=1
      shuangsui command task.create --key scjgj.key --params examples/task.json
    """
    from ledger.bootstrap import registry

    if show_list:
        echo_json(_listing())
        return
    if not action:
        raise ValidationError(_("name an action, or use --list to see them"))
    if registry().get(action) is None:
        raise ValidationError(
            _("unknown action {action!r}; 'shuangsui command --list' shows them", action=action),
            {"action": [_("not a known action")]},
        )
    if not key_file:
        raise ValidationError(_("--key is required to send a command"))
    params: dict[str, Any] = {}
    if params_file is not None:
        loaded = read_json(params_file)
        if not isinstance(loaded, dict):
            raise ValidationError(
                _("{params_file} must hold a JSON object", params_file=params_file)
            )
        params.update(loaded)
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValidationError(_("-p {pair!r}: expected NAME=VALUE", pair=pair))
        params[name] = _value(value)
    attachment = read_json(attachment_file) if attachment_file is not None else None
    echo_json(runtime.run(key_file, action, params, attachment))
