"""``shuangsui``: one click group for operators, auditors and discipline inspectors.

Global options select the ledger (``--home``, ``--database-url``); every
sub-command that changes the ledger signs with the acting key (``--key FILE``).
Errors from the ledger are reported once, here: a one-line message on stderr and
exit status 2 (``verify`` uses 1 for "tampered").

Invariant: this module is the only one that knows every command module; it adds each
command to the group explicitly. Command modules import only ``runtime``, ``output`` and
the shared option modules (``basis``, ``projected``, ``terms``), never this package or each other
(one exception: ``demo`` runs ``chain.init`` first).

Modules: runtime (Runtime, --key, exit statuses, input files), output (--json/--csv for
listings), basis and projected (shared options); one per area as in ``ledger/areas``
(keys departments notes calendar items directory inspectors plans tasks draws
inspections results reports reviews); chain (init, status, verify), transparency
(checkpoint, prove, consistency, export, witness), reading (projections, trail,
deadlines, feed, coverage, task-ledger, progress), server (serve, client, demo),
backup (backup, restore).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import click

from ledger.errors import LedgerError
from ledger.i18n import LANGUAGES, _, bilingual, os_reason
from tools.cli import (
    backup,
    bodies,
    calendar,
    chain,
    clicktext,
    command,
    counties,
    credit,
    departments,
    directory,
    draws,
    helptext,
    inspections,
    inspectors,
    items,
    keys,
    notes,
    notices,
    plans,
    reading,
    reports,
    results,
    reviews,
    server,
    tasks,
    transparency,
    worklist,
)
from tools.cli.runtime import EXIT_USAGE, Runtime


def say(message: Any, lang: str) -> str:
    """A message as the CLI prints it: Chinese, then the English after " / " (``zh``,
    the default); the English alone with ``--lang en``."""
    return bilingual(message) if lang == "zh" else str(message)


def usage_message(exc: click.UsageError) -> Any:
    """Click's own usage errors (a missing, unknown or invalid option, an extra argument,
    an unknown command) as a message with its Chinese, an invalid value's reason too
    (:mod:`tools.cli.clicktext`); ``None`` for a text click writes that no template
    matches, which keeps click's English."""
    ctx, param = exc.ctx, getattr(exc, "param", None)
    hint = param.get_error_hint(ctx) if param is not None and ctx is not None else ""
    if isinstance(exc, click.MissingParameter) and hint:
        if param is not None and param.param_type_name == "argument":
            return _("missing argument {name}", name=hint)
        return _("missing option {name}", name=hint)
    if isinstance(exc, click.NoSuchOption):
        return _("no such option: {name}", name=exc.option_name)
    if isinstance(exc, click.BadParameter) and hint:
        reason = clicktext.translated(exc.message) or exc.message
        return _("invalid value for {name}: {reason}", name=hint, reason=reason)
    return clicktext.translated(exc.message)


class LedgerGroup(click.Group):
    """Maps :class:`LedgerError` to a clear message and exit status 2, once; a file
    that cannot be read or written (an ``OSError`` no command caught) too, so no input
    ever ends in a traceback (issue 14 §3). The message is Chinese with its English
    (``--lang en`` / ``SHUANGSUI_LANG=en``: English only); so are click's own errors for
    a missing, unknown or invalid option (:func:`usage_message`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """``--lang`` wherever it was typed applies to the whole command line, help too
        (:func:`tools.cli.helptext.hoist_lang`)."""
        hoisted, lang = helptext.hoist_lang(args)
        if lang is not None:
            ctx.meta[helptext.LANG_META] = lang
        return super().parse_args(ctx, hoisted)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            lang = helptext.help_language(ctx)
            message = usage_message(exc) if lang == "zh" else None
            if message is None:
                raise
            raise click.UsageError(say(message, lang), ctx=exc.ctx) from exc
        except OSError as exc:
            lang = helptext.help_language(ctx)
            message = _(
                "cannot use {path}: {reason}",
                path=exc.filename or "",
                reason=os_reason(exc),
            )
            click.echo(f"error: {say(message, lang)}", err=True)
            ctx.exit(EXIT_USAGE)
        except LedgerError as exc:
            lang = helptext.help_language(ctx)
            rule = f" ({exc.rule})" if exc.rule else ""
            click.echo(f"error: {say(exc.message, lang)}{rule}", err=True)
            errors = getattr(exc, "errors", None)
            if errors:
                for field, problems in errors.items():
                    reasons = "; ".join(say(p, lang) for p in problems)
                    click.echo(f"  {field}: {reasons}", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=str),
    help="Ledger home: SQLite file and keys (env SHUANGSUI_HOME, default ./var).",
)
@click.option(
    "--database-url",
    help="postgresql://user@host:port/db[?schema=s] (env SHUANGSUI_DATABASE_URL).",
)
@click.option(
    "--county",
    envvar="SHUANGSUI_COUNTY",
    metavar="CODE",
    help="On a provincial deployment: act on this county's log, keys and home "
    "(configured with 'shuangsui county add'; env SHUANGSUI_COUNTY).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=lambda: helptext.default_language(os.environ),
    show_default="zh",
    help="Language of messages and help: zh (Chinese, with the English after it) or en; "
    "anywhere on the command line (else env SHUANGSUI_LANG, else zh; the system locale "
    "is not read). "
    "Example: shuangsui --lang en task --help",
)
@click.version_option(package_name="shuangsui-ledger")
@click.pass_context
def cli(
    ctx: click.Context, home: str | None, database_url: str | None, county: str | None, lang: str
) -> None:
    """The 双随机、一公开 audit ledger.

    \b
    Examples (start here):
      shuangsui init                 create keys and the genesis
      shuangsui status               what is in the ledger
      shuangsui verify               check every hash, link and signature
      shuangsui --county anyue verify   one county's log on a provincial deployment
    """
    ctx.obj = Runtime(home, database_url, lang=lang, county=county)


def main(argv: Sequence[str] | None = None) -> None:
    cli.main(args=list(argv) if argv is not None else None, prog_name="shuangsui")


COMMANDS: tuple[click.Command, ...] = (
    # the ledger itself and its keys
    chain.init,
    chain.status,
    chain.verify,
    keys.keygen,
    keys.key,
    notes.append_note,
    command.command,
    # the areas, in the order of a year's work
    departments.department,
    calendar.calendar,
    items.items,
    directory.import_,
    inspectors.inspectors,
    plans.plans,
    tasks.task,
    draws.draw,
    draws.verify_draw_cmd,
    inspections.inspection,
    results.result,
    reports.report_group,
    reviews.review,
    notices.notice,
    worklist.worklist,
    bodies.body,
    credit.credit,
    # reading through the projections
    reading.projections,
    reading.trail_cmd,
    reading.deadlines_cmd,
    reading.feed_cmd,
    reading.coverage_cmd,
    reading.task_ledger_cmd,
    reading.progress_cmd,
    # the transparency log
    transparency.checkpoint,
    transparency.prove,
    transparency.consistency,
    transparency.export,
    transparency.witness,
    transparency.monitor,
    transparency.verify_fork,
    # a provincial deployment
    counties.county,
    # the HTTP API
    server.serve,
    server.client,
    server.demo,
    # keeping it
    backup.backup,
    backup.restore,
)
for _command in COMMANDS:
    cli.add_command(_command)
helptext.install(cli)
