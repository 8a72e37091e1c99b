"""The ``shuangsui`` CLI through click's runner, as an operator or auditor uses it."""

from __future__ import annotations

from click.testing import CliRunner, Result

from ledger.config import Settings
from tools.cli import cli


def run(settings: Settings, *args: str, env: dict[str, str] | None = None) -> Result:
    """Invoke ``shuangsui --home HOME [--database-url URL] ARGS`` (exceptions propagate)."""
    base = ["--home", str(settings.home)]
    if settings.database_url:
        base += ["--database-url", settings.database_url]
    return CliRunner().invoke(cli, [*base, *args], env=env or {}, catch_exceptions=False)


def ok(settings: Settings, *args: str) -> Result:
    """:func:`run`, which must exit with status 0."""
    result = run(settings, *args)
    assert result.exit_code == 0, result.output
    return result
