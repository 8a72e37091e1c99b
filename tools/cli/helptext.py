"""The commands' help in Chinese (issue 12 §7: every --help has a Chinese form).

Each command's summary -- the first paragraph of its help -- and each option's help are
msgids of the ledger's catalogue: ``python -m tools.catalogue`` extracts them from the
command tree (not from an ``_()`` call), so the help keeps its one English text and its
Chinese lives in ``messages.po`` with every other message's. In Chinese (the default),
``--help`` prints the Chinese summary above the English help, a group's command list puts
each command's Chinese summary before its English one, and each option's help is its
Chinese, then the English after " / "; in English, click's English alone.

The language (:func:`default_language`, :func:`help_language`): ``--lang`` wherever it
stands on the command line (the root group moves it first, so ``shuangsui --help --lang
en`` and ``shuangsui task --help --lang en`` obey it too), else ``SHUANGSUI_LANG``, else
Chinese. The system locale (``LANG``, ``LC_ALL`` ...) is not read: a county's servers and
terminals are often set to ``en_US`` by whoever installed them, not by the official
reading the output, and Chinese is what the measures ask for (issue 12 §7: zh-CN the
default); English is an explicit choice.

Invariant: only what help prints changes; the commands are untouched, and a summary or
an option help the catalogue lacks is shown in English alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import click

from ledger.i18n import catalogue, language
from tools.cli import helpwrap

#: Where the root group keeps the ``--lang`` it found on the command line (ctx.meta).
LANG_META = "shuangsui.lang"
#: click's own ``--help`` option's help (a msgid, as every option's).
HELP_OPTION_HELP = "Show this message and exit."
HELP_INSTALLED = "_shuangsui_chinese_help"


def default_language(environ: Mapping[str, str]) -> str:
    """The language when no ``--lang`` is given: ``SHUANGSUI_LANG``, else Chinese (the
    system locale is not a choice made for this program)."""
    chosen = environ.get("SHUANGSUI_LANG")
    return language(chosen) if chosen else "zh"


def hoist_lang(args: Sequence[str]) -> tuple[list[str], str | None]:
    """``args`` with every ``--lang X`` / ``--lang=X`` before a ``--`` taken out and the
    last one put first (the root group's option, wherever it was typed), and its value."""
    rest: list[str] = []
    found: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg == "--lang" and i + 1 < len(args):
            found = args[i + 1]
            i += 2
            continue
        if arg.startswith("--lang="):
            found = arg.partition("=")[2]
            i += 1
            continue
        rest.append(arg)
        i += 1
    return ([] if found is None else ["--lang", found]) + rest, found


def summary(command: click.Command) -> str:
    """The first paragraph of ``command``'s help, its whitespace collapsed (the msgid)."""
    first = (command.help or "").strip().split("\n\n")[0]
    return " ".join(first.split())


def walk(command: click.Command, path: str = "") -> Iterator[tuple[str, click.Command]]:
    """``(path, command)`` for ``command`` and every command under it, depth first."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from walk(sub, f"{path} {name}".strip())


def chinese(command: click.Command) -> str | None:
    """The Chinese of ``command``'s summary, or ``None`` when the catalogue has none."""
    return chinese_text(summary(command))


def option_help(option: click.Option) -> str:
    """An option's help, its whitespace collapsed (the msgid)."""
    return " ".join((option.help or "").split())


def chinese_text(text: str) -> str | None:
    """The catalogue's Chinese of ``text``, or ``None``."""
    translated = catalogue("zh").gettext(text) if text else text
    return translated if translated != text else None


def help_language(ctx: click.Context | None) -> str:
    """The language help is printed in: ``--lang`` (as typed, before click parses it: a
    root ``--help`` is handled first), else :func:`default_language`."""
    root = ctx.find_root() if ctx is not None else None
    chosen = root.meta.get(LANG_META) if root is not None else None
    if chosen is None and root is not None:
        chosen = getattr(root.obj, "lang", None) or root.params.get("lang")
    return language(chosen) if chosen else default_language(os.environ)


def _install_one(command: click.Command) -> None:
    original_text = command.format_help_text
    original_short = command.get_short_help_str

    def format_help_text(ctx: click.Context, formatter: click.HelpFormatter) -> None:
        zh = chinese(command) if help_language(ctx) == "zh" else None
        if zh:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(zh)
        original_text(ctx, formatter)

    def get_short_help_str(limit: int = 45) -> str:
        ctx = click.get_current_context(silent=True)
        zh = chinese(command) if help_language(ctx) == "zh" else None
        english = original_short(limit)
        return f"{zh.split('。')[0]} / {english}" if zh else english

    # Assigned on the instance (not a subclass): every command module keeps plain click.
    setattr(command, "context_class", helpwrap.Context)  # noqa: B010 -- wraps by columns
    setattr(command, "format_help_text", format_help_text)  # noqa: B010
    setattr(command, "get_short_help_str", get_short_help_str)  # noqa: B010
    for param in command.params:
        if isinstance(param, click.Option) and param.help:
            _install_option(param)
    original_help_option = command.get_help_option

    def get_help_option(ctx: click.Context) -> click.Option | None:
        # click makes ``--help`` itself, once per command: its help is a msgid too.
        option = original_help_option(ctx)
        if option is not None and option.help and not getattr(option, HELP_INSTALLED, False):
            _install_option(option)
            setattr(option, HELP_INSTALLED, True)
        return option

    setattr(command, "get_help_option", get_help_option)  # noqa: B010


def _install_option(option: click.Option) -> None:
    original = option.get_help_record

    def get_help_record(ctx: click.Context) -> tuple[str, str] | None:
        record = original(ctx)
        zh = chinese_text(option_help(option)) if help_language(ctx) == "zh" else None
        if record is None or not zh:
            return record
        return record[0], f"{zh} / {record[1]}"

    setattr(option, "get_help_record", get_help_record)  # noqa: B010


def install(group: click.Group) -> Any:
    """Give every command under ``group`` (and ``group`` itself) its Chinese help."""
    for _path, command in walk(group):
        _install_one(command)
    return group
