"""Chinese out (issue 12 §7): every message the code writes with ``_()`` has its Chinese,
with the same parameters; a message is its English as text and Chinese when rendered."""

from __future__ import annotations

import ast
import pickle
import re
import string
from pathlib import Path

import pytest

from ledger.errors import NotFoundError, ValidationError
from ledger.i18n import Message, _, bilingual, compile_catalogue, language, render
from ledger.params import Params
from tools import catalogue as tool

ROOT = Path(__file__).resolve().parents[2]


def names(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_in_the_code_has_its_chinese() -> None:
    """A msgid without a (non-fuzzy) Chinese translation fails here: run
    ``python -m tools.catalogue`` and fill in the new entries."""
    used = tool.extract()
    assert len(used) > 50
    assert tool.missing(tool.read(), used) == []


def test_every_translation_keeps_the_parameters_and_is_chinese() -> None:
    for message in tool.read():
        if not message.id:
            continue
        assert isinstance(message.id, str) and isinstance(message.string, str)
        assert names(message.string) == names(message.id), message.id
        for rule in ("R1.", "R2.", "R3.", "R4.", "R5.", "R6.", "R7.", "R8.", "R9.", "R10."):
            if rule in message.id:
                assert rule in message.string, message.id
        words = "".join(text for text, _, _, _ in string.Formatter().parse(message.id))
        if any(ch.isalpha() for ch in words):  # not a pattern of names and punctuation
            assert any("\u4e00" <= ch <= "\u9fff" for ch in message.string), message.id


def test_no_message_is_built_at_run_time() -> None:
    """``_()`` takes a literal (an f-string cannot be looked up in the catalogue), and a
    module that makes messages never rebinds ``_`` (``a, _, b = ...`` would shadow it)."""
    bad = []
    for package in tool.PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            where = path.relative_to(ROOT).as_posix()
            if where.startswith(tool.SKIPPED):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            marks = any(
                isinstance(n, ast.alias) and n.name == "_" and n.asname is None
                for n in ast.walk(tree)
            )
            for node in ast.walk(tree):
                if marks and isinstance(node, ast.Name) and node.id == "_":
                    if isinstance(node.ctx, ast.Store):
                        bad.append(f"{where}:{node.lineno} rebinds _")
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "_"
                    and not (
                        node.args
                        and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)
                    )
                ):
                    bad.append(f"{where}:{node.lineno}")
    assert bad == []


def test_a_message_is_its_english_and_renders_in_chinese() -> None:
    message = _("must be at least {n}", n=3)
    assert isinstance(message, str) and message == "must be at least 3"
    assert str(message) == "must be at least 3" and type(str(message)) is str
    assert message.render("zh") == "不得小于 3" == message.render("zh-CN")
    assert message.render("en") == message.render(None) == "must be at least 3"
    assert bilingual(message) == "不得小于 3 / must be at least 3"
    assert bilingual("plain text") == "plain text"
    assert render("plain", "zh") == "plain" and render(3, "zh") == 3
    copy = pickle.loads(pickle.dumps(message))
    assert copy.render("zh") == "不得小于 3"


def test_a_parameter_that_is_a_message_renders_in_the_same_language() -> None:
    outer = Message("cannot use {path}: {reason}", path="a.json", reason=_("is required"))
    assert str(outer) == "cannot use a.json: is required"
    assert outer.render("zh") == "文件无法读写 a.json：必填"


def test_an_unknown_msgid_or_a_broken_translation_falls_back_to_the_english() -> None:
    assert _("not in the catalogue {x}", x=1).render("zh") == "not in the catalogue 1"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("zh", "zh"), ("zh-CN", "zh"), ("zh_Hans", "zh"), ("ZH-cn", "zh"), ("en", "en"), ("", "en")],
)
def test_language_tags(tag: str, expected: str) -> None:
    assert language(tag) == expected


def test_errors_keep_their_english_and_carry_the_chinese() -> None:
    """The parameter reader's reasons are messages: English in the error, Chinese on
    request; the exception's text is unchanged."""
    params = Params({"n": "x", "when": "2026-13-01"})
    params.integer("n")
    params.date("when")
    params.text("name")
    with pytest.raises(ValidationError) as caught:
        params.done()
    assert str(caught.value) == "invalid parameters"
    assert caught.value.errors == {
        "n": ["must be a whole number"],
        "when": ["must be a date YYYY-MM-DD"],
        "name": ["is required"],
    }
    assert [render(r, "zh") for r in caught.value.errors["name"]] == ["必填"]
    error = NotFoundError(_("Not found"), rule="R7.4")
    assert str(error) == "Not found (R7.4)"


def test_the_pages_catalogue_is_compiled_by_babel() -> None:
    from api.pages import i18n

    translations = compile_catalogue(i18n.CATALOGUES / "en.po")
    assert translations.gettext("下一页") == "Next page"
    assert i18n.gettext_for("en").gettext("下一页") == "Next page"


#: Exceptions that report a programming error (a bug, never a user's input): their text
#: is for the developer and stays English.
PROGRAMMING_ERRORS = frozenset(
    {"AssertionError", "KeyError", "NotImplementedError", "RuntimeError", "TypeError", "ValueError"}
)


def _user_text(node: ast.expr) -> bool:
    """A literal a user would read: an f-string, text with a space or a Chinese character
    (not a code such as ``"id"``), or an expression built from such literals."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return " " in node.value or any("\u4e00" <= ch <= "\u9fff" for ch in node.value)
    if isinstance(node, ast.BinOp):
        return _user_text(node.left) or _user_text(node.right)
    if isinstance(node, ast.IfExp):
        return _user_text(node.body) or _user_text(node.orelse)
    if isinstance(node, ast.Dict):  # an error's reasons per field: the keys are field names
        return any(_user_text(value) for value in node.values)
    if isinstance(node, ast.List | ast.Tuple):
        return any(_user_text(element) for element in node.elts)
    return False


#: Calls that give a person a reason, as a raise site does: a parameter's refusal
#: (``params.fail``, ``Params._fail``) and an importer's ``refuse``.
REASON_GIVERS = frozenset({"fail", "_fail", "refuse"})
#: What a person reads whole: a duty-review finding, and a verification's failure
#: (``ledger.audit.report.Failure``: its reason and detail are printed by ``verify``).
READ_WHOLE = frozenset({"Finding", "Failure"})


def _reason_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id in {*READ_WHOLE, *REASON_GIVERS})
        or (isinstance(node.func, ast.Attribute) and node.func.attr in REASON_GIVERS)
    )


def _named(call: ast.Call, name: str) -> bool:
    return isinstance(call.func, ast.Name) and call.func.id == name


def literal_messages() -> list[str]:
    """Where a raise site, a duty-review finding, a verification failure or a reason given
    to ``fail``/``refuse`` holds literal text instead of ``_()``."""
    bad = []
    for package in tool.PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            where = path.relative_to(ROOT).as_posix()
            if where.startswith(tool.SKIPPED):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                call = None
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                    call = node.exc
                    if ast.unparse(call.func).rpartition(".")[2] in PROGRAMMING_ERRORS:
                        continue
                elif isinstance(node, ast.Call) and _reason_call(node):
                    call = node
                if call is None:
                    continue
                arguments = [*call.args, *(k.value for k in call.keywords)]
                if _reason_call(call) and not any(_named(call, n) for n in READ_WHOLE):
                    arguments = arguments[1:]  # the field (or line) it is about, then why
                if any(_user_text(argument) for argument in arguments):
                    bad.append(f"{where}:{node.lineno}")
    return bad


def test_no_raise_site_or_finding_holds_literal_text() -> None:
    """Every error raised on purpose and every duty-review finding says what it says with
    ``_()``, so it has its Chinese (issue 12 §7): hand-written bilingual text or English
    only fails here (programming errors -- ``ValueError``, ``TypeError`` ... -- excepted)."""
    assert literal_messages() == []


def test_the_checker_catches_literal_text() -> None:
    tree = ast.parse('raise NotFoundError(f"no task {t} / 没有任务")')
    raised = next(n for n in ast.walk(tree) if isinstance(n, ast.Raise))
    assert isinstance(raised.exc, ast.Call) and _user_text(raised.exc.args[0])
    assert not _user_text(ast.parse('"id"', mode="eval").body)
    assert _user_text(ast.parse('"no such " + x', mode="eval").body)


def _reason_of(code: str) -> ast.Call:
    """The call in ``code``, which the checker must take for a reason-giving call."""
    call = ast.parse(code, mode="eval").body
    assert _reason_call(call) and isinstance(call, ast.Call)
    return call


def test_the_checker_catches_a_literal_reason() -> None:
    """A refusal's reason given to ``params.fail`` is read by a person as an error is."""
    for code in (
        'params.fail("rating", "an evaluation carries a rating / 评价须给出等级")',
        'p.fail(name, "unknown factors: " + ", ".join(extra))',
        'self._fail(name, f"not a parameter of {action}")',
    ):
        call = _reason_of(code)
        assert any(_user_text(argument) for argument in call.args[1:])


def test_the_checker_catches_a_literal_failure() -> None:
    """A verification failure's detail is printed by ``verify`` (issue 12 §7): literal
    text in a ``Failure`` is caught, a message or a variable is not."""
    for code in (
        'Failure(p, HASH_MISMATCH, "entry hash does not match the entry bytes")',
        'Failure(p, BROKEN_LINK, f"entry says position {position}")',
        'Failure(0, "bad checkpoint", _("the log changed while verifying"))',
    ):
        call = _reason_of(code)
        assert any(_user_text(argument) for argument in call.args)
    for code in (
        'Failure(p, BROKEN_LINK, _("entry says position {position}", position=position))',
        "Failure(p, MALFORMED_ENTRY, reason_of(exc))",
        "Failure(p, BAD_WITNESS_EVENT, problem)",
    ):
        call = _reason_of(code)
        assert not any(_user_text(argument) for argument in call.args)


def test_the_checker_passes_a_message_and_a_field_name() -> None:
    call = ast.parse('params.fail(f"{name}.rating", _("needs a rating"))', mode="eval").body
    assert _reason_call(call) and isinstance(call, ast.Call)
    assert not any(_user_text(argument) for argument in call.args[1:])
    assert not _reason_call(ast.parse("failed(x)", mode="eval").body)


def test_an_error_inside_a_message_renders_in_the_same_language() -> None:
    inner = NotFoundError(_("no task {task}", task="T-1"), rule="R7.4")
    outer = _("cannot run: {exc}", exc=inner)
    assert str(outer) == "cannot run: no task T-1 (R7.4)"
    assert render(outer, "zh").endswith("没有抽查任务 T-1 (R7.4)")
    assert render(inner, "zh") == "没有抽查任务 T-1 (R7.4)"


# --- what the CLI prints: no hand-written English (issue 12 §7) ------------------------------

#: Calls whose first argument a person reads.
PRINTS = frozenset(
    {"click.echo", "click.secho", "click.ClickException", "click.BadParameter", "click.UsageError"}
)
#: Words a printed literal may hold: the verifier's verdict lines (``ok: ...; head ...``,
#: ``TAMPERED at position N: ...``) are a fixed protocol, like its exit codes, that
#: scripts and the README read; so is the ``error:`` before every error's message
#: (``error: 参数有误 / invalid parameters``); and the program's own name.
VERDICT_WORDS = frozenset({"ok", "head", "TAMPERED", "at", "position", "error", "shuangsui"})
WORD = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")


def _printed_words(node: ast.expr) -> list[str]:
    """The words in a printed argument's literal parts (not in what is substituted)."""
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        parts = [node.value]
    elif isinstance(node, ast.BinOp):
        return _printed_words(node.left) + _printed_words(node.right)
    elif isinstance(node, ast.IfExp):
        return _printed_words(node.body) + _printed_words(node.orelse)
    else:
        return []
    return [w for part in parts for w in WORD.findall(part) if w not in VERDICT_WORDS]


def literal_prints(source: str) -> list[int]:
    """The lines of ``source`` that print literal words instead of a ``_()`` message: a
    print call's text, or a line a table yields."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in PRINTS and node.args:
            printed: ast.expr | None = node.args[0]
        elif isinstance(node, ast.Yield):
            printed = node.value
        else:
            continue
        if printed is not None and _printed_words(printed):
            found.append(node.lineno)
    return found


def test_the_cli_prints_no_literal_text() -> None:
    """Every line the CLI prints on purpose says it with ``_()`` (Chinese, then the
    English; ``--lang en``: the English): hand-written English or hand-written bilingual
    text in ``click.echo``/``ClickException``/``BadParameter`` or in a table's lines
    fails here."""
    bad = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "tools").rglob("*.py"))
        for line in literal_prints(path.read_text(encoding="utf-8"))
    ]
    assert bad == []


def test_the_print_checker_catches_literal_text() -> None:
    assert literal_prints('click.echo(f"committed {digest}; keep {path}")') == [1]
    assert literal_prints('click.echo("未达见证 / not witnessed")') == [1]
    assert literal_prints('raise click.ClickException("bad " + x)') == [1]
    assert literal_prints('click.echo(("warning" if a else "x") + ": y")') == [1]
    # a message, a line of values, the verifier's verdict lines are fine
    assert literal_prints('click.echo(say(_("committed {d}", d=d)))') == []
    assert literal_prints('click.echo(f"  {key}: {value}")') == []
    assert literal_prints('click.echo(f"ok: {what}; head {h}")') == []
    assert literal_prints('click.echo(f"{p}TAMPERED at position {n}: {r}")') == []
    # a table's lines too
    assert literal_prints('def t():\n    yield f"  due {d}"') == [2]
    assert literal_prints('def t():\n    yield f"{a:<8} {b}"\n    yield shown(_("due"))') == []
