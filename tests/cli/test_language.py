"""Chinese out on the CLI (issue 12 §7): an error is Chinese with its English after it by
default; ``--lang en`` or ``SHUANGSUI_LANG=en`` prints the English alone."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ledger.config import Settings
from tests.support.cli import run
from tools.cli import cli


@pytest.fixture
def home(sqlite_settings: Settings) -> Settings:
    result = run(sqlite_settings, "init", "--origin", "lang.example/ledger")
    assert result.exit_code == 0, result.output
    return sqlite_settings


def register(home: Settings, *lang: str, env: dict[str, str] | None = None) -> str:
    office = str(home.keys_dir / "office.key")
    args = ["--home", str(home.home), *lang, "command", "department.register"]
    result = CliRunner().invoke(
        cli, [*args, "--key", office, "-p", "code=X1", "-p", "kind=nope"], env=env or {}
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_chinese_with_the_english_by_default(home: Settings) -> None:
    output = register(home)
    assert "error: 参数有误 / invalid parameters" in output
    assert "  name: 必填 / is required" in output
    assert "  kind: 应为以下之一：" in output and " / must be one of " in output


@pytest.mark.parametrize("how", ["option", "environment"])
def test_english_alone_on_request(home: Settings, how: str) -> None:
    if how == "option":
        output = register(home, "--lang", "en")
    else:
        output = register(home, env={"SHUANGSUI_LANG": "en"})
    assert "error: invalid parameters" in output
    assert "  name: is required" in output
    assert "参数有误" not in output and "必填" not in output


def test_an_unknown_language_is_a_usage_error(home: Settings) -> None:
    result = CliRunner().invoke(cli, ["--home", str(home.home), "--lang", "fr", "status"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_confirmation_names_the_department_in_both_languages(home: Settings) -> None:
    office = str(home.keys_dir / "office.key")
    args = ["department", "register", "--key", office, "X1", "--name", "某局", "--kind", "tax"]
    result = run(home, *args)
    assert result.exit_code == 0, result.output
    assert result.output == "已登记成员单位 X1（某局） / registered department X1（某局）\n"
    result = run(home, "--lang", "en", "department", "add-section", "--key", office, "X1", "股")
    assert result.output == "X1: added section 股\n"


def test_a_key_state_is_named_in_chinese() -> None:
    from ledger.areas.keys.events import KEY_STATES
    from ledger.i18n import _

    message = _("{key_id} was {status}", key_id="k1", status=KEY_STATES["revoked"])
    assert str(message) == "k1 was revoked" and message.render("zh") == "k1 已吊销"
