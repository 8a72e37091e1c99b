"""``shuangsui``: one click group for operators, auditors and discipline inspectors.

Global options select the ledger (``--home``, ``--database-url``); every
sub-command that changes the ledger signs with the acting key (``--key FILE``).
Errors from the ledger are reported once, here: a one-line message on stderr and
exit status 2 (``verify`` uses 1 for "tampered").
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from ledger.config import Settings
from ledger.errors import LedgerError

EXIT_TAMPERED = 1
EXIT_USAGE = 2


class Runtime:
    """What every sub-command needs: settings, and how to read keys."""

    def __init__(self, home: str | None, database_url: str | None) -> None:
        self.environ = dict(os.environ)
        self._home = home
        self._database_url = database_url
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_mapping(
                self.environ, home=self._home, database_url=self._database_url
            )
        return self._settings

    def passphrase(self, path: Path) -> str | None:
        from ledger.keys import key_file_is_sealed

        if not key_file_is_sealed(path):
            return None
        value = self.environ.get("SHUANGSUI_PASSPHRASE")
        if value:
            return value
        if not sys.stdin.isatty():
            raise LedgerError(
                f"{path} is sealed: set SHUANGSUI_PASSPHRASE or run in a terminal to be asked"
            )
        return str(click.prompt(f"Passphrase for {path}", hide_input=True))

    def signing_key(self, path: Path | str) -> Any:
        from ledger.keys import read_key_file

        path = Path(path)
        return read_key_file(path, self.passphrase(path))

    def submitter(self, ledger: Any, key: Any) -> Any:
        """``submit(action, params, attachment)`` signing with ``key`` on this ledger."""
        from ledger.authorisation import sign_command

        def submit(action: str, params: dict[str, Any], attachment: Any) -> dict[str, Any]:
            result: dict[str, Any] = ledger.execute(
                sign_command(key, action, params), attachment=attachment
            ).as_dict()
            return result

        return submit

    def run(
        self, key_file: str, action: str, params: dict[str, Any], attachment: Any = None
    ) -> dict[str, Any]:
        """Sign ``action(params)`` with the key in ``key_file`` and execute it."""
        key = self.signing_key(key_file)
        ledger = self.open()
        try:
            result: dict[str, Any] = self.submitter(ledger, key)(action, params, attachment)
            return result
        finally:
            ledger.close()

    def open(self, *, write: bool = True) -> Any:
        """Open the ledger; ``write`` loads the ledger key that seals entries."""
        from ledger.bootstrap import open_ledger

        settings = self.settings
        signer = self.signing_key(settings.ledger_key_path) if write else None
        return open_ledger(settings, signer=signer)


class LedgerGroup(click.Group):
    """Maps :class:`LedgerError` to a clear message and exit status 2, once."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as exc:
            click.echo(f"error: {exc}", err=True)
            errors = getattr(exc, "errors", None)
            if errors:
                for field, problems in errors.items():
                    click.echo(f"  {field}: {'; '.join(problems)}", err=True)
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
@click.version_option(package_name="shuangsui-ledger")
@click.pass_context
def cli(ctx: click.Context, home: str | None, database_url: str | None) -> None:
    """The 双随机、一公开 audit ledger.

    \b
    Start here:
      shuangsui init                 create keys and the genesis
      shuangsui status               what is in the ledger
      shuangsui verify               check every hash, link and signature
    """
    ctx.obj = Runtime(home, database_url)


def main(argv: Sequence[str] | None = None) -> None:
    cli.main(args=list(argv) if argv is not None else None, prog_name="shuangsui")


pass_runtime = click.make_pass_decorator(Runtime)

# Sub-command modules register themselves on ``cli``.
from tools.cli import (  # noqa: E402, F401
    api_cmds,
    domain_cmds,
    draw_cmds,
    keys_cmds,
    ledger_cmds,
    log_cmds,
    projection_cmds,
    work_cmds,
)
