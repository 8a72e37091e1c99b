"""The sweep (issue 14 §3): no command, on a bad file, prints a Python traceback.

Every command of the ``shuangsui`` group -- listed from the click group itself, so a
new command is swept without anyone remembering to add it -- is run once per file
parameter with a missing file, a directory, an unreadable file and (for an output,
a ``click.Path(writable=True)``) a path under /proc, where nobody can write. Each run
must exit non-zero with a one-line message and no traceback.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tools.cli import cli

#: Commands that reach beyond this machine's files when their inputs are good; the
#: sweep's bad inputs stop them first, and they are swept like the rest.
UNSWEPT: frozenset[str] = frozenset()


def leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            if command.invoke_without_command:
                yield path
            yield from leaf_commands(command, path)
        else:
            yield path


def command_of(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def file_params(command: click.Command) -> list[click.Parameter]:
    return [
        p
        for p in command.params
        if isinstance(p.type, click.Path | click.File) and p.name != "help"
    ]


def filler(param: click.Parameter, good_key: Path) -> list[str]:
    """A plausible value for a required parameter the sweep is not aiming at."""
    if isinstance(param.type, click.Path):
        value = str(good_key)
    elif isinstance(param.type, click.Choice):
        value = str(param.type.choices[0])
    elif isinstance(param.type, click.IntRange | click.types.IntParamType):
        value = str(getattr(param.type, "min", None) or 1)
    else:
        value = "X-1"
    if isinstance(param, click.Argument):
        return [value] * (param.nargs if param.nargs > 0 else 1)
    assert isinstance(param, click.Option)
    return [param.opts[0], value]


def invocation(
    path: tuple[str, ...], aimed: click.Parameter, bad: str, good_key: Path
) -> list[str]:
    command = command_of(path)
    options: list[str] = []
    arguments: list[str] = []
    for param in command.params:
        if isinstance(param, click.Option) and param.name == "help":
            continue
        if param is aimed:
            value = [bad] if isinstance(param, click.Argument) else [param.opts[0], bad]
        elif param.required:
            value = filler(param, good_key)
        else:
            continue
        (arguments if isinstance(param, click.Argument) else options).extend(value)
    return [*path, *options, *arguments]


def is_output(param: click.Parameter) -> bool:
    return isinstance(param.type, click.Path) and bool(param.type.writable)


def cases() -> Iterator[tuple[tuple[str, ...], str, str]]:
    for path in leaf_commands(cli):
        if " ".join(path) in UNSWEPT:
            continue
        for param in file_params(command_of(path)):
            assert param.name is not None
            kinds = (
                ("directory", "unwritable")
                if is_output(param)
                else (
                    "missing",
                    "directory",
                    "unreadable",
                )
            )
            for kind in kinds:
                yield path, param.name, kind


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("sweep") / "var"
    result = CliRunner().invoke(cli, ["--home", str(home), "init"], env={})
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    where = tmp_path_factory.mktemp("bad")
    unreadable = where / "unreadable.json"
    # Bytes that are no text, no JSON, no key, no bundle; and no read permission
    # (which root ignores: the bytes still make it unusable).
    unreadable.write_bytes(b"\xff\xfe\x00binary\x80")
    unreadable.chmod(0)
    (where / "folder").mkdir()
    return {
        "missing": str(where / "no-such-file.json"),
        "directory": str(where / "folder"),
        "unreadable": str(unreadable),
        # Nobody, root included, can create anything under /proc.
        "unwritable": "/proc/no-such-folder/out.file",
    }


def test_the_sweep_covers_every_command_with_a_file() -> None:
    swept = {" ".join(path) for path, _, _ in cases()}
    assert {"verify", "export", "trail", "keygen", "import objects", "client"} <= swept


@pytest.mark.parametrize(("path", "param_name", "kind"), list(cases()), ids=str)
def test_no_traceback_for_a_bad_file(
    home: Path, bad_files: dict[str, str], path: tuple[str, ...], param_name: str, kind: str
) -> None:
    """Issue 14 §3: a missing file, a directory, an unreadable file, an unwritable
    output: a message and a non-zero exit, never a traceback or a written file."""
    command = command_of(path)
    aimed = next(p for p in command.params if p.name == param_name)
    args = invocation(path, aimed, bad_files[kind], home / "keys" / "office.key")
    before = sorted(p.name for p in home.rglob("*"))
    result = CliRunner().invoke(
        cli,
        ["--home", str(home), *args],
        env={"SHUANGSUI_URL": "http://127.0.0.1:9"},
        catch_exceptions=True,
    )
    shown = f"{args}: {result.output}"
    assert result.exit_code != 0, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{shown}\n{result.exc_info}"
    )
    assert "Traceback" not in result.output, shown
    assert result.output.strip(), shown
    if kind == "unwritable":
        assert not os.path.exists(bad_files[kind])
    after = sorted(p.name for p in home.rglob("*"))
    assert [n for n in after if n not in before and not n.startswith("projections")] == []


def test_a_home_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    """``--home`` naming a file (or an unreadable place) is a message, not a traceback."""
    a_file = tmp_path / "home"
    a_file.write_text("x")
    a_file.chmod(stat.S_IRUSR)
    result = CliRunner().invoke(cli, ["--home", str(a_file), "status"], env={})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
