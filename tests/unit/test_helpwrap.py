"""Help wrapped by display columns (issue 12 §7): Chinese takes two columns a character
and breaks between characters; every command's --help fits the width."""

from __future__ import annotations

import re

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from tools.cli import cli
from tools.cli.helptext import walk
from tools.cli.helpwrap import NO_BREAK_AFTER, NO_BREAK_BEFORE, columns, wrap, wrap_text

WIDTH = 80


def test_a_chinese_character_takes_two_columns() -> None:
    assert columns("承诺") == 4 and columns("ab") == 2 and columns("（a）") == 5


def test_chinese_breaks_between_characters_and_fits() -> None:
    text = "在这么多天内已被其他随机抽取抽中——或在第 3 版格式账本上因案件线索被检查——的对象"
    lines = wrap(text, 20).splitlines()
    assert len(lines) > 1 and all(columns(line) <= 20 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_punctuation_stays_with_what_it_closes_or_opens() -> None:
    lines = wrap("甲乙丙丁，戊己（庚辛）", 8).splitlines()
    assert not any(line[0] in NO_BREAK_BEFORE for line in lines)
    assert not any(line.endswith(NO_BREAK_AFTER) for line in lines)


cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80)
words = st.text(alphabet="abcdefg", min_size=1, max_size=8)


@given(st.lists(st.one_of(cjk, words, st.just(" "), st.just("，")), max_size=60),
       st.integers(min_value=12, max_value=60))  # fmt: skip
def test_no_line_is_wider_than_asked_and_no_word_is_lost(parts: list[str], width: int) -> None:
    text = "".join(parts)
    wrapped = wrap(text, width)
    for line in wrapped.splitlines():  # past the edge only by closing marks ...
        kept = line.rstrip("".join(NO_BREAK_BEFORE) + " ")
        # ... or when a single word is longer than the width
        assert columns(kept) <= width or (" " not in kept and columns(kept) == len(kept))
    assert re.sub(r"\s", "", wrapped) == re.sub(r"\s", "", text)


def test_an_example_block_is_kept_as_written() -> None:
    text = "Intro text.\n\n\b\nExample:\n  shuangsui draw commit --key k T-1  \\\n    --dice"
    out = wrap_text(text, 30, "  ")
    assert "  Example:\n    shuangsui draw commit --key k T-1  \\\n      --dice" in out


def test_every_help_fits_eighty_columns() -> None:
    """Each command's --help, in Chinese and English, at 80 columns: a wider line holds a
    single unbreakable run (an option's name and choices) or is a line of a ``\b`` block
    kept as the docstring wrote it (an example), never text the formatter wrapped."""
    for path, command in walk(cli):
        written = {line.strip() for line in (command.help or "").splitlines()}
        for lang in ("zh", "en"):
            args = [*path.split(), "--help", "--lang", lang]
            result = CliRunner().invoke(cli, args, terminal_width=WIDTH)
            assert result.exit_code == 0, (path, result.output)
            for line in result.output.splitlines():
                if columns(line) > WIDTH:
                    alone = " " not in line.strip() or line.lstrip().startswith("-")
                    assert alone or line.strip() in written, (path, line)  # \b: as written
