"""Help in the language asked for (issue 12 §7): the root group's help and every
sub-command's obey ``--lang`` wherever it is typed, then ``SHUANGSUI_LANG``, else Chinese
(the system locale is not read); each option's
help has its Chinese from the catalogue, as the summaries do."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from tools.cli import cli
from tools.cli.helptext import (
    chinese_text,
    default_language,
    hoist_lang,
    option_help,
    summary,
    walk,
)

ROOT_ZH = "双随机、一公开审计账本。"  # the root summary's Chinese
HOME_ZH = "账本主目录"  # the --home option's Chinese
KEY_ZH = "执行操作的密钥文件"  # task create --key


def helped(*args: str, **env: str | None) -> str:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    "args",
    [("--help", "--lang", "en"), ("--lang", "en", "--help"), ("--help", "--lang=en")],
    ids=["help-then-lang", "lang-then-help", "lang-equals"],
)
def test_the_root_help_obeys_lang_en_wherever_it_stands(args: tuple[str, ...]) -> None:
    shown = helped(*args)
    assert "The 双随机、一公开 audit ledger." in shown and "Ledger home" in shown
    assert ROOT_ZH not in shown and HOME_ZH not in shown and "显示本帮助" not in shown


def test_the_root_help_is_chinese_then_english_by_default() -> None:
    shown = helped("--help")
    assert ROOT_ZH in shown and HOME_ZH in shown and "Ledger home" in shown
    assert "显示本帮助并退出。 / Show this message and exit." in shown  # click's own --help
    assert shown.index(ROOT_ZH) < shown.index("The 双随机、一公开 audit ledger.")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SHUANGSUI_LANG": "en"}, "en"),
        ({"SHUANGSUI_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"SHUANGSUI_LANG": "zh", "LANG": "en_US.UTF-8"}, "zh"),
        ({}, "zh"),
        # the system locale is no choice made for this program (issue 12 §7: zh the default)
        ({"LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "en_GB.UTF-8", "LC_MESSAGES": "en_US", "LANGUAGE": "en"}, "zh"),
    ],
)
def test_the_environment_chooses_the_language(env: dict[str, str], expected: str) -> None:
    assert default_language(env) == expected
    shown = helped("task", "create", "--help", **env)
    assert (KEY_ZH in shown) == (expected == "zh")
    assert "The acting key file" in shown  # the English is always there


def test_lang_on_the_command_line_wins_over_the_environment() -> None:
    assert KEY_ZH in helped("--lang", "zh", "task", "create", "--help", SHUANGSUI_LANG="en")
    assert KEY_ZH not in helped("task", "create", "--help", "--lang", "en", LANG="zh_CN.UTF-8")


def test_a_sub_command_help_obeys_lang_typed_after_it() -> None:
    shown = helped("task", "create", "--help", "--lang", "en")
    assert KEY_ZH not in shown and "Create a joint task" in shown
    listing = helped("task", "--help", "--lang", "en")
    assert "创建" not in listing and "create" in listing
    assert "创建" in helped("task", "--help")  # the command list's Chinese by default


def test_lang_after_a_sub_command_applies_to_its_messages_too(tmp_path: object) -> None:
    result = CliRunner().invoke(
        cli, ["--home", str(tmp_path), "task", "show", "NOPE", "--lang", "en"]
    )
    assert result.exit_code == 2 and "error:" in result.output
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in result.output), result.output


def test_hoisting_moves_the_last_lang_first_and_stops_at_the_separator() -> None:
    assert hoist_lang(["task", "show", "--lang", "en", "T-1"]) == (
        ["--lang", "en", "task", "show", "T-1"],
        "en",
    )
    assert hoist_lang(["--lang", "zh", "x", "--lang=en"]) == (["--lang", "en", "x"], "en")
    assert hoist_lang(["x", "--", "--lang", "en"]) == (["x", "--", "--lang", "en"], None)
    assert hoist_lang(["x", "--lang"]) == (["x", "--lang"], None)  # click names what is missing
    assert hoist_lang([]) == ([], None)


def test_every_option_help_and_summary_has_its_chinese() -> None:
    """What ``--help`` shows comes from the catalogue, option by option: an option added
    without its Chinese fails here (and in tests/unit/test_i18n.py)."""
    lacking = []
    for path, command in walk(cli):
        texts = [summary(command)] + [
            option_help(p) for p in command.params if isinstance(p, click.Option) and p.help
        ]
        for text in texts:
            if text and text.isascii() and chinese_text(text) is None:
                lacking.append(f"shuangsui {path}: {text}")
    assert lacking == []
