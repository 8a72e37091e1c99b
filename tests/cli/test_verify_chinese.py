"""Chinese in, Chinese out for the verifier of the task ledger (R10.3; issue 12 §7):
``verify`` on a tampered ledger says why in Chinese on a line of its own, then the verdict line
``TAMPERED at position N: reason (detail)`` exactly as before, which scripts read;
``--lang en`` prints the English line alone, and ``--json`` keeps its shape and English
values."""

from __future__ import annotations

import json
import sqlite3

import pytest

from ledger.audit.errors import NoteError
from ledger.audit.messages import reason_of
from ledger.audit.report import BAD_WITNESS_EVENT, HASH_MISMATCH, INCOMPLETE_SLICE, Failure
from ledger.config import Settings
from ledger.i18n import _, render
from tests.support.cli import run
from tools.cli.chain import tampered_in_chinese

ENGLISH = "TAMPERED at position 5: hash mismatch (entry hash does not match the entry bytes)"
CHINESE = "篡改：位置 5：哈希不符（条目哈希与条目字节不符）"


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def tampered(sqlite_settings: Settings) -> Settings:
    """A ledger whose note at position 5 was rewritten in the database (trigger dropped)."""
    assert run(sqlite_settings, "init").exit_code == 0
    office = str(sqlite_settings.keys_dir / "office.key")
    for text in ("a", "b", "c"):
        assert run(sqlite_settings, "append-note", "--key", office, text).exit_code == 0
    db = sqlite3.connect(sqlite_settings.home / "ledger.sqlite3")
    db.execute("DROP TRIGGER stored_events_no_update")
    db.execute("UPDATE stored_events SET state = replace(state, 'b', 'B') WHERE rowid = 5")
    db.commit()
    db.close()
    return sqlite_settings


def test_chinese_mode_prints_the_chinese_line_then_the_unchanged_verdict(
    tampered: Settings,
) -> None:
    result = run(tampered, "verify", "--allow-unwitnessed")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert ENGLISH in lines  # byte for byte the line scripts read
    at = lines.index(ENGLISH)
    assert at > 0 and lines[at - 1] == CHINESE
    # the verdict line stays the only line starting with TAMPERED
    assert [line for line in lines if line.startswith("TAMPERED")] == [ENGLISH]


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_english_mode_prints_the_verdict_alone(tampered: Settings, how: str) -> None:
    result = (
        run(tampered, "--lang", "en", "verify", "--allow-unwitnessed")
        if how == "flag"
        else run(tampered, "verify", "--allow-unwitnessed", env={"SHUANGSUI_LANG": "en"})
    )
    assert result.exit_code == 1, result.output
    assert ENGLISH in result.stdout.splitlines()
    assert not has_chinese(result.stdout) and CHINESE not in result.output


def test_json_keeps_its_shape_and_english(tampered: Settings) -> None:
    for lang in ([], ["--lang", "en"]):
        result = run(tampered, *lang, "verify", "--allow-unwitnessed", "--json")
        assert result.exit_code == 1, result.output
        document = json.loads(result.stdout)
        assert document["ok"] is False
        assert document["failure"] == {
            "position": 5,
            "reason": "hash mismatch",
            "detail": "entry hash does not match the entry bytes",
        }
        assert not has_chinese(result.stdout)


def test_an_intact_ledger_prints_no_tampered_line_in_either_language(
    sqlite_settings: Settings,
) -> None:
    assert run(sqlite_settings, "init").exit_code == 0
    for lang in ([], ["--lang", "en"]):
        result = run(sqlite_settings, *lang, "verify", "--allow-unwitnessed")
        assert result.exit_code == 0, result.output
        assert "TAMPERED" not in result.output and "篡改" not in result.output
        assert [line for line in result.stdout.splitlines() if line.startswith("ok: ")]


def test_a_failure_renders_its_nested_reasons_in_chinese() -> None:
    """A detail that carries another message (a witness event's problem) is Chinese as
    a whole; the failure's text (``str``) is the English it always was."""
    detail = _("cosignature by {key_id}: not a registered witness key", key_id="w1")
    failure = Failure(7, BAD_WITNESS_EVENT, detail)
    assert (
        str(failure)
        == "position 7: bad witness event (cosignature by w1: not a registered witness key)"
    )
    assert (
        render(failure.message, "zh") == "位置 7：见证事件无效（w1 的联署：不是已登记的见证密钥）"
    )
    assert (
        tampered_in_chinese(failure)
        == "篡改：位置 7：见证事件无效（w1 的联署：不是已登记的见证密钥）"
    )
    assert tampered_in_chinese(failure, replay=True) == (
        "重放不符 -- 篡改：位置 7：见证事件无效（w1 的联署：不是已登记的见证密钥）"
    )


def test_a_detail_without_a_chinese_form_is_shown_as_it_is() -> None:
    """A detail that is plain text (an exception's own words) is kept as it is inside the
    Chinese line; the reason is still Chinese."""
    failure = Failure(3, HASH_MISMATCH, "'position'")
    assert tampered_in_chinese(failure) == "篡改：位置 3：哈希不符（'position'）"
    assert HASH_MISMATCH == "hash mismatch" and render(HASH_MISMATCH, "en") == "hash mismatch"


def test_an_exception_inside_a_failure_renders_in_the_same_language() -> None:
    """``reason_of`` keeps an error's English as its text and its Chinese when rendered
    (a bundle's unreadable state proofs, a fork proof's bad hash)."""
    error = NoteError(_("proof is not a list"))
    reason = reason_of(error)
    assert reason == "proof is not a list" and str(reason) == str(error)
    failure = Failure(0, INCOMPLETE_SLICE, reason)
    assert str(failure) == "position 0: incomplete slice (proof is not a list)"
    assert render(failure.message, "zh") == f"位置 0：部分导出包不完整（{render(error, 'zh')}）"
    assert has_chinese(render(error, "zh"))
    assert reason_of(ValueError("plain")).render("zh") == "plain"
