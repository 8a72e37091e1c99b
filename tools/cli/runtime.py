"""What every sub-command shares: the :class:`Runtime` (settings, keys, opening the
ledger), ``pass_runtime``, the ``--key`` option, exit statuses, and small helpers for
reading input files and the ledger.

Invariants: nothing here registers a command or imports another CLI module, so any
command module may import this one. Input that cannot be read becomes a
:class:`~ledger.errors.ValidationError` (exit status 2, one line on stderr), never a
traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ledger.config import Settings
from ledger.counties import county_settings
from ledger.errors import LedgerError, NotFoundError, ValidationError
from ledger.i18n import _, os_reason

#: ``verify`` and ``verify-draw``: the ledger or the draw is not what was recorded.
EXIT_TAMPERED = 1
#: A usage error or any :class:`~ledger.errors.LedgerError`.
EXIT_USAGE = 2


class Runtime:
    """What every sub-command needs: settings, and how to read keys."""

    def __init__(
        self,
        home: str | None,
        database_url: str | None,
        *,
        lang: str = "zh",
        county: str | None = None,
    ) -> None:
        self.environ = dict(os.environ)
        #: The language of messages and listings: "zh" (Chinese with the English) or "en".
        self.lang = lang
        #: ``--county``: the county of a provincial deployment every command acts on.
        self.county = county
        self._home = home
        self._database_url = database_url
        self._settings: Settings | None = None
        self._province: Settings | None = None

    @property
    def province_settings(self) -> Settings:
        """The settings ``--home`` and ``--database-url`` give, before ``--county``: on a
        provincial deployment the province's home (``counties.json``) and database."""
        if self._province is None:
            self._province = Settings.from_mapping(
                self.environ, home=self._home, database_url=self._database_url
            )
        return self._province

    @property
    def settings(self) -> Settings:
        """The ledger every command acts on: the province's settings, or with
        ``--county`` that county's (its home and its schema; ledger/counties.py)."""
        if self._settings is None and self.county is not None:
            self._settings = county_settings(self.province_settings, self.selected_county)
        if self._settings is None:
            self._settings = Settings.from_mapping(
                self.environ, home=self._home, database_url=self._database_url
            )
        return self._settings

    def say(self, message: Any, *, err: bool = False) -> None:
        """Print a message: Chinese then the English (``--lang zh``), or the English."""
        from ledger.i18n import bilingual

        click.echo(bilingual(message) if self.lang == "zh" else str(message), err=err)

    def passphrase(self, path: Path) -> str | None:
        from ledger.keys import key_file_is_sealed

        if not key_file_is_sealed(path):
            return None
        value = self.environ.get("SHUANGSUI_PASSPHRASE")
        if value:
            return value
        if not sys.stdin.isatty():
            raise LedgerError(
                _(
                    "{path} is sealed: set SHUANGSUI_PASSPHRASE or run in a terminal to be asked",
                    path=path,
                )
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
            recorded = ledger.execute(sign_command(key, action, params), attachment=attachment)
            self.keep_receipt(recorded.receipt)
            result: dict[str, Any] = recorded.as_dict()
            return result

        return submit

    def keep_receipt(self, receipt: dict[str, Any] | None) -> None:
        """Keep the ledger's signed receipt in HOME/receipts (``verify --receipts``)."""
        from ledger.transparency.receipts import RECEIPTS_DIR, save_receipt

        if receipt is not None:
            save_receipt(self.settings.home / RECEIPTS_DIR, receipt)

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

    def open(self, *, write: bool = True, read_only: bool = False) -> Any:
        """Open the ledger; ``write`` loads the ledger key that seals entries;
        ``read_only`` opens the database so that nothing can be written or created."""
        from ledger.bootstrap import open_ledger

        settings = self.settings
        signer = self.signing_key(settings.ledger_key_path) if write and not read_only else None
        return open_ledger(settings, signer=signer, read_only=read_only)

    @property
    def selected_county(self) -> Any:
        """The :class:`~ledger.counties.County` ``--county`` names (an unknown one is a
        clear error naming the configured counties)."""
        from ledger.counties import Counties

        if self.county is None:
            raise ValidationError(_("name a county with --county (env SHUANGSUI_COUNTY)"))
        return Counties.load(self.province_settings.home).get(self.county)


pass_runtime = click.make_pass_decorator(Runtime)

#: The acting key: every command that changes the ledger is signed with it.
KEY = click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="The acting key file (signs the command).",
)


def read_text(path: Path) -> str:
    """A UTF-8 input file's text (a checkpoint, a proof)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            _("cannot read {path}: {exc}", path=path, exc=os_reason(exc))
        ) from exc


def bundle_header(path: Path) -> dict[str, Any]:
    """The header record of a bundle file, or a usage error if the file is not a bundle
    at all (不是导出包): a false "TAMPERED" would raise alarms for a wrong file name."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(1 << 16)
    except OSError as exc:
        raise ValidationError(
            _("cannot read {path}: {value}", path=path, value=os_reason(exc))
        ) from exc
    try:
        header = json.loads(first.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        header = None
    if not isinstance(header, dict) or header.get("t") != "header":
        raise ValidationError(
            _(
                "{path} is not a shuangsui bundle: its first line is not a bundle header; "
                "write one with 'shuangsui export --out FILE'",
                path=path,
            )
        )
    return header


def writable_output(path: Path) -> None:
    """Refuse, before anything is done, an output file that cannot be written: its
    folder missing or not writable, or the path a folder (输出路径不可写)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ValidationError(_("cannot write {path}: it is a directory", path=path))
    if not folder.is_dir():
        raise ValidationError(
            _("cannot write {path}: no such directory {folder}", path=path, folder=folder)
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValidationError(_("cannot write {path}: permission denied", path=path))


def read_json(path: Path) -> Any:
    """A JSON input file shaped like a command's parameters."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            _("cannot read {path}: {exc}", path=path, exc=os_reason(exc))
        ) from exc
    except ValueError as exc:
        raise ValidationError(_("{path} is not JSON: {exc}", path=path, exc=exc)) from exc


def current() -> Runtime:
    """The running command's :class:`Runtime` (a default one outside a command)."""
    ctx = click.get_current_context(silent=True)
    runtime = ctx.find_object(Runtime) if ctx is not None else None
    return runtime or Runtime(None, None)


def say(message: Any, *, err: bool = False) -> None:
    """Print a message in the language of the running command (``--lang``): Chinese then
    the English, or the English alone; for code that has no :class:`Runtime` at hand."""
    current().say(message, err=err)


def shown(message: Any) -> str:
    """A message as :func:`say` prints it, for a line made of several parts."""
    from ledger.i18n import bilingual

    return bilingual(message) if current().lang == "zh" else str(message)


def header_lines(message: Any) -> list[str]:
    """A table's header (a message whose Chinese keeps the columns): the Chinese line
    above the English one, or the English alone with ``--lang en``."""
    from ledger.i18n import render

    english = str(message)
    chinese = str(render(message, "zh"))
    return [chinese, english] if current().lang == "zh" and chinese != english else [english]


def echo_json(value: Any) -> None:
    """Print ``value`` as indented JSON, Chinese text as it is."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def read_ledger(runtime: Runtime, fn: Callable[[Any], Any]) -> Any:
    """``fn(ledger)`` on the ledger opened read-only, closed afterwards."""
    ledger = runtime.open(write=False)
    try:
        return fn(ledger)
    finally:
        ledger.close()


def find(ledger: Any, stream: Any, missing: Any) -> Any:
    """The aggregate of ``stream``, or :class:`NotFoundError` saying ``missing`` (a
    message: ``_("no task {task}", task=code)``)."""
    found = ledger.find(stream)
    if found is None:
        raise NotFoundError(missing)
    return found


def parse_draw_ref(ref: str) -> tuple[str, int]:
    """``TASK/N`` -> (task, draw number)."""
    task, _slash, number = ref.rpartition("/")
    if not task or not (number.isascii() and number.isdigit()):
        raise ValidationError(_("{ref!r}: name a draw as TASK/NUMBER, e.g. T-2027-001/1", ref=ref))
    return task, int(number)
