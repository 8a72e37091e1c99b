"""Help text wrapped by what a terminal shows (issue 12 §7): a Chinese character takes two
columns, and a line of Chinese may break between any two characters.

click wraps by counting characters and breaks only at spaces, so a help line holding
Chinese ran to twice the terminal's width and a long Chinese sentence was never broken.
:class:`HelpFormatter` is click's formatter with its two wrapping methods (``write_text``,
``write_dl``) measuring display columns (``unicodedata.east_asian_width``: wide and
full-width characters count two) and breaking before any wide character, but never
before closing punctuation (，。、；：）》 …), which stays on the line it closes, nor
after an opening bracket. Everything
else (paragraphs, ``\\b`` blocks kept as written, indentation) is click's.

Invariant: no line is wider than the formatter's width, except one holding a single
unbreakable run (a long option name, a URL, a line of a ``\\b`` example block).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import click

__all__ = ["HelpFormatter", "columns", "wrap"]

#: A line never starts with these: they close what comes before them.
NO_BREAK_BEFORE = frozenset("，。、；：？！）》」』】〉,.;:?!)]}％%")
#: ... and never ends with these: they open what comes after them.
NO_BREAK_AFTER = tuple("（《「『【〈([{“‘")
_TOKEN = re.compile(r"\s+|[^\s]")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def columns(text: str) -> int:
    """The columns ``text`` takes on a terminal."""
    return sum(2 if _wide(c) else 1 for c in text)


def _tokens(text: str) -> Iterable[str]:
    """Spaces, each wide character alone, and runs of other characters (words)."""
    word = ""
    for match in _TOKEN.finditer(text):
        piece = match.group()
        if piece.isspace() or _wide(piece):
            if word:
                yield word
                word = ""
            yield piece
        else:
            word += piece
    if word:
        yield word


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """One paragraph filled to ``width`` columns."""
    lines: list[str] = []
    line, used, space, empty = initial_indent, columns(initial_indent), False, True
    for token in _tokens(text):
        if token.isspace():
            space = not empty
            continue
        gap = " " if space else ""
        needed = columns(gap) + columns(token)
        if not empty and used + needed > width:
            last = line[-1]
            # An opening bracket goes down with what it opens; a closing mark that does not
            # fit takes the character it closes down with it.
            carry = not gap and line[:-1].strip() != ""
            if token in NO_BREAK_BEFORE:
                carry = carry and _wide(last) and last not in NO_BREAK_BEFORE
                if not carry:  # after a word or another mark: past the edge, by a mark
                    line += gap + token
                    used += needed
                    space, empty = False, False
                    continue
            else:
                carry = carry and line.endswith(NO_BREAK_AFTER)
            carried = last if carry else ""
            line = line[:-1] if carry else line
            lines.append(line.rstrip())
            line = subsequent_indent + carried
            used, empty = columns(line), True
            gap, needed = "", columns(token)
        line += gap + token
        used += needed
        space, empty = False, False
    lines.append(line.rstrip())
    return "\n".join(lines)


def wrap_text(text: str, width: int, indent: str = "") -> str:
    """click's ``wrap_text(preserve_paragraphs=True)`` by columns: paragraphs split by
    blank lines, each filled; a paragraph whose first line is ``\\b`` kept as written."""
    paragraphs: list[tuple[int, bool, str]] = []
    buffer: list[str] = []
    extra: int | None = None

    def flush() -> None:
        if buffer:
            raw = buffer[0].strip() == "\b"
            body = "\n".join(buffer[1:]) if raw else " ".join(buffer)
            paragraphs.append((extra or 0, raw, body))
            buffer.clear()

    for line in text.expandtabs().splitlines():
        if not line:
            flush()
            extra = None
            continue
        if extra is None:
            extra = len(line) - len(line.lstrip())
            line = line.lstrip()
        buffer.append(line)
    flush()
    out = []
    for more, raw, body in paragraphs:
        prefix = indent + " " * more
        if raw:
            out.append("\n".join(prefix + row if row else row for row in body.splitlines()))
        else:
            out.append(wrap(body, width, prefix, prefix))
    return "\n\n".join(out)


class HelpFormatter(click.HelpFormatter):
    """click's formatter, wrapping by columns (see the module)."""

    def write_text(self, text: str) -> None:
        self.write(wrap_text(text, self.width, " " * self.current_indent))
        self.write("\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        if any(len(row) != 2 for row in rows):
            raise TypeError("Expected two columns for definition list")
        first_col = min(max((columns(r[0]) for r in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if columns(first) <= first_col - col_spacing:
                self.write(" " * (first_col - columns(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - 2, 10)
            lines = wrap_text(second, text_width).splitlines() or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class Context(click.Context):
    """A context whose help is wrapped by :class:`HelpFormatter`."""

    formatter_class = HelpFormatter
