"""Chinese out on the CLI (issue 12 §7): an error is Chinese with its English after it by
default; ``--lang en`` or ``SHUANGSUI_LANG=en`` prints the English alone."""

from __future__ import annotations

import json

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


def test_only_an_explicit_choice_gives_english(home: Settings) -> None:
    """English is chosen by ``--lang en`` or ``SHUANGSUI_LANG=en``, nothing else."""
    assert "参数有误" not in register(home, "--lang", "en", env={"SHUANGSUI_LANG": "zh"})
    assert "参数有误" in register(home, "--lang", "zh", env={"SHUANGSUI_LANG": "en"})


def test_an_english_system_locale_still_gets_chinese(home: Settings) -> None:
    """A server installed with ``LANG=en_US.UTF-8`` still prints Chinese first (issue 12
    §7: zh-CN the default); the locale is set by whoever installed the machine."""
    locale = {"LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8", "LANGUAGE": "en"}
    output = register(home, env=locale)
    assert "error: 参数有误 / invalid parameters" in output


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


# --- the Chinese form of JSON and CSV listings: names added, nothing changed ------------------


def test_json_rows_keep_their_keys_and_gain_names_beside_codes() -> None:
    from ledger.i18n import _
    from projections.read.names import named
    from tools.cli.output import csv_text

    names = {
        "departments": {"SCJGJ": "安岳县市场监督管理局", "WJJ": "安岳县卫生健康局"},
        "items": {"SCJGJ:SC-001": "食品生产检查"},
    }
    row = {
        "department": "SCJGJ",
        "item": "SC-001",
        "result": "no_problem",
        "method": "on_site",
        "status": "overdue",
        "participants": ["WJJ"],
        "detail": _("no result entered yet"),
        "note": "free text",
        "department_name": "kept as it was",
    }
    shown = named([row], names)[0]
    assert {k: shown[k] for k in row} == row  # every key and value as it was
    assert shown["department_name"] == "kept as it was"  # never overwritten
    assert shown["item_name"] == "食品生产检查"  # a code beside the row's department
    assert shown["result_name"] == "未发现问题" and shown["method_name"] == "实地核查"
    assert shown["status_name"] == "已逾期"
    assert shown["participants_names"] == ["安岳县卫生健康局"]
    assert shown["detail_zh"] == "尚未录入检查结果"
    assert "note_name" not in shown and "note_zh" not in shown
    # an unknown code gets no name; nested rows are named too
    nested = named({"rows": [{"department": "NOPE", "result": "violation"}]}, names)
    assert nested["rows"][0] == {
        "department": "NOPE",
        "result": "violation",
        "result_name": "发现违法违规行为",
    }
    header = csv_text(named([row], names), ("department",)).splitlines()[0].split(",")
    assert header[0] == "department" and "result_name" in header


def test_a_json_listing_shows_names_in_both_languages(home: Settings) -> None:
    office = str(home.keys_dir / "office.key")
    args = ["department", "register", "--key", office, "X1", "--name", "某局", "--kind", "tax"]
    assert run(home, *args).exit_code == 0
    for lang in ([], ["--lang", "en"]):
        result = CliRunner().invoke(cli, ["--home", str(home.home), *lang, "deadlines", "--json"])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        mine = [r for r in rows if r["department"] == "X1"]
        assert mine and all(r["department_name"] == "某局" for r in mine)
        assert all(r["kind_name"] and r["status_name"] for r in mine)


@pytest.mark.parametrize(
    ("args", "chinese", "english"),
    [
        (["feed", "--bogus"], "没有这个选项：--bogus", "No such option '--bogus'."),
        (["feed", "--limit", "0"], "'--limit' 的值无效：0 不在范围 1<=x<=1000 内。", "range"),
        (["feed", "--limit", "x"], "'--limit' 的值无效：'x' 不是整数。", "not a valid"),
        (["deadlines", "--kind", "x"], "'x' 不是以下之一：'item_list'", "is not one of"),
        (["deadlines", "--kind"], "选项 '--kind' 需要一个值。", "requires an argument"),
        (["keygen", "a", "b", "c"], "多余的参数（b c）", "extra arguments (b c)"),
        (["nosuch"], "没有这个命令：'nosuch'。", "No such command 'nosuch'."),
        (["verify", "--bundle", "/nonexistent"], "没有这个文件或目录", "no such file"),
        (["plans", "show", "SCJGJ"], "缺少参数 'YEAR'", "Missing argument 'YEAR'."),
        (["task", "show", "NOPE"], "没有抽查任务 NOPE / no task NOPE", "error: no task NOPE"),
        (["trail", "--object", "NOPE"], "日志中没有涉及 检查对象 NOPE", "touches object NOPE"),
    ],
)
def test_usage_errors_read_in_chinese_then_english(
    home: Settings, args: list[str], chinese: str, english: str
) -> None:
    """click's own errors (missing, unknown or invalid options, an invalid value's reason,
    extra arguments, an unknown command) and the commands' (a file that is not there)
    are Chinese with the English by default, English alone with --lang en."""
    base = ["--home", str(home.home)]
    zh = CliRunner().invoke(cli, [*base, *args])
    en = CliRunner().invoke(cli, [*base, "--lang", "en", *args])
    assert zh.exit_code == en.exit_code == 2, zh.output
    assert chinese in zh.output and "Traceback" not in zh.output
    assert english in en.output and not any("\u4e00" <= ch <= "\u9fff" for ch in en.output)


def test_help_is_chinese_then_english_or_english_alone(home: Settings) -> None:
    """Each command's summary has its Chinese in the catalogue (test_i18n checks that
    every one is translated); --help prints it above the English, --lang en does not."""
    from tools.cli.helptext import chinese, walk

    commands = list(walk(cli))
    assert len(commands) > 100 and all(chinese(c) for _p, c in commands if c.help)
    base = ["--home", str(home.home)]
    zh = CliRunner().invoke(cli, [*base, "department", "--help"])
    en = CliRunner().invoke(cli, [*base, "--lang", "en", "department", "--help"])
    assert zh.exit_code == en.exit_code == 0
    assert "联席会议成员单位及其股室。" in zh.output and "Member departments" in zh.output
    assert "列出已登记的成员单位 / List the registered departments." in zh.output
    assert "Member departments" in en.output and "联席会议成员单位及其股室" not in en.output
