"""Every command's --help has an example (issue 14 §2; the README says so).

The commands are listed from the click group itself, groups included, so a new command
without an example fails here."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from tools.cli import cli


def every_command(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from every_command(sub, (*path, name))


@pytest.mark.parametrize("path", list(every_command(cli)), ids=" ".join)
def test_every_help_page_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], env={})
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"shuangsui {' '.join(path)} --help has no example"
    example = result.output.split("Example", 1)[1]
    assert "shuangsui" in example, "an example shows a shuangsui command"
