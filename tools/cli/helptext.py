"""The commands' help in Chinese (issue 12 §7: every --help has a Chinese form).

Each command's summary -- the first paragraph of its help -- is a msgid of the ledger's
catalogue: ``python -m tools.catalogue`` extracts it from the command tree (not from an
``_()`` call), so the help keeps its one English text and its Chinese lives in
``messages.po`` with every other message's. In Chinese (the default), ``--help`` prints
the Chinese summary above the English help and a group's command list puts each
command's Chinese summary before its English one; ``--lang en`` (or ``SHUANGSUI_LANG=en``)
prints click's English alone.

Invariant: only what help prints changes; parsing and the commands are untouched, and a
summary the catalogue lacks is shown in English alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import click

from ledger.i18n import catalogue, language


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
    text = summary(command)
    translated = catalogue("zh").gettext(text) if text else text
    return translated if translated != text else None


def help_language(ctx: click.Context | None) -> str:
    """The language help is printed in: ``--lang`` (once parsed), else ``SHUANGSUI_LANG``,
    else Chinese."""
    root = ctx.find_root() if ctx is not None else None
    chosen = getattr(root.obj, "lang", None) if root is not None else None
    if chosen is None and root is not None:
        chosen = root.params.get("lang")
    return language(chosen or os.environ.get("SHUANGSUI_LANG") or "zh")


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
    setattr(command, "format_help_text", format_help_text)  # noqa: B010
    setattr(command, "get_short_help_str", get_short_help_str)  # noqa: B010


def install(group: click.Group) -> Any:
    """Give every command under ``group`` (and ``group`` itself) its Chinese help."""
    for _path, command in walk(group):
        _install_one(command)
    return group
