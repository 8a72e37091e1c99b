"""The Chinese catalogue of the ledger's messages: extract with Babel, keep in step.

``python -m tools.catalogue`` extracts every ``_("...")`` msgid (:mod:`ledger.i18n`) from
``ledger``, ``projections``, ``api`` (not the pages, which have their own catalogue)
and ``tools`` with Babel's Python extractor, adds the new ones to
``ledger/translations/zh_CN/LC_MESSAGES/messages.po`` with an empty translation (to be
filled in), drops the ones no longer used, and rewrites the file sorted by msgid. Each
CLI command's help summary and each option's help are msgids too, taken from the command
tree (:mod:`tools.cli.helptext`).
``--check`` changes nothing and exits 1 when a msgid has no Chinese.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from ledger.i18n import catalogue_path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ledger", "projections", "api", "tools")
#: The pages translate Chinese into English with their own catalogue (api/pages/i18n.py).
SKIPPED = ("api/pages/",)
KEYWORDS = {"_": None}


def extract(root: Path = ROOT) -> dict[str, list[tuple[str, int]]]:
    """msgid -> where it is used (file relative to ``root``, line)."""
    found: dict[str, list[tuple[str, int]]] = {}
    for package in PACKAGES:
        for filename, line, msgid, _comments, _context in extract_from_dir(
            root / package, [("**.py", "python")], keywords=KEYWORDS
        ):
            where = f"{package}/{filename}"
            if where.startswith(SKIPPED) or not isinstance(msgid, str):
                continue
            found.setdefault(msgid, []).append((where, line))
    if root == ROOT:
        for summary, places in help_summaries().items():
            found.setdefault(summary, []).extend(places)
    return found


def help_summaries() -> dict[str, list[tuple[str, int]]]:
    """Each CLI command's summary (the first paragraph of its help) -> where: the help's
    Chinese lives in the same catalogue (:mod:`tools.cli.helptext`)."""
    import click

    from tools.cli import cli
    from tools.cli.helptext import HELP_OPTION_HELP, option_help, summary, walk

    found: dict[str, list[tuple[str, int]]] = {}
    for path, command in walk(cli):
        where = (f"shuangsui {path} --help".replace("  ", " "), 0)
        text = summary(command)
        if text:
            found.setdefault(text, []).append(where)
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                found.setdefault(option_help(param), []).append(where)
    found.setdefault(HELP_OPTION_HELP, []).append(("shuangsui --help", 0))
    return found


def read(path: Path | None = None) -> Catalog:
    with (path or catalogue_path("zh")).open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def missing(catalog: Catalog, used: dict[str, list[tuple[str, int]]]) -> list[str]:
    """The msgids used in the code that have no (or only a fuzzy) Chinese."""
    return sorted(
        msgid
        for msgid in used
        if msgid not in catalog or not catalog[msgid].string or catalog[msgid].fuzzy
    )


def update(path: Path | None = None) -> list[str]:
    """Bring the catalogue in step with the code (new msgids with an empty translation,
    unused ones dropped; sorted, no locations, so a change is one small hunk); returns the
    msgids still untranslated."""
    path = path or catalogue_path("zh")
    used = extract()
    catalog = read(path)
    for message in list(catalog):
        if message.id and message.id not in used:
            catalog.delete(message.id)
    for msgid in used:
        if msgid not in catalog:
            catalog.add(msgid, "")
    catalog.obsolete.clear()
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, no_location=True, sort_output=True)
    return missing(catalog, used)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--check"]:
        untranslated = missing(read(), extract())
    else:
        untranslated = update()
    for msgid in untranslated:
        print(f"untranslated: {msgid}")
    return 1 if untranslated else 0


if __name__ == "__main__":
    raise SystemExit(main())
