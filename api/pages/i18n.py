"""Chinese first, English on request: gettext with a catalogue compiled at import.

The pages are written in Chinese; ``translations/en.po`` maps each Chinese message to its
English form. The catalogue is compiled to gettext's binary form in memory when this module
is imported (no build step, no network) and read with the standard library's
:class:`gettext.GNUTranslations`. The language is ``?lang=en`` / ``?lang=zh`` when given,
otherwise the best of Accept-Language, and Chinese when neither says.
"""

from __future__ import annotations

import ast
import gettext
import io
import struct
from pathlib import Path

from flask import request

LANGUAGES = ("zh", "en")
CATALOGUES = Path(__file__).with_name("translations")


def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file (single-line and continued strings; no plurals)."""
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    field = ""
    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if not line or line.startswith("#"):
            if "msgid" in current and current["msgid"] and current.get("msgstr"):
                entries[current["msgid"]] = current["msgstr"]
            if not line:
                current, field = {}, ""
            continue
        if line.startswith(("msgid ", "msgstr ")):
            field, _, rest = line.partition(" ")
            current[field] = ast.literal_eval(rest)
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
    return entries


def compile_mo(messages: dict[str, str]) -> bytes:
    """The GNU .mo bytes of ``messages`` (what msgfmt writes), header entry included."""
    catalogue = {"": "Content-Type: text/plain; charset=UTF-8\n", **messages}
    keys = sorted(catalogue)
    ids = [k.encode() for k in keys]
    strs = [catalogue[k].encode() for k in keys]
    start = 7 * 4 + 16 * len(keys)
    id_table, str_table = [], []
    offset = start
    for data in ids:
        id_table.append((len(data), offset))
        offset += len(data) + 1
    for data in strs:
        str_table.append((len(data), offset))
        offset += len(data) + 1
    out = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    out += b"".join(struct.pack("ii", n, o) for n, o in id_table)
    out += b"".join(struct.pack("ii", n, o) for n, o in str_table)
    out += b"".join(d + b"\0" for d in ids) + b"".join(d + b"\0" for d in strs)
    return out


def _load(language: str) -> gettext.NullTranslations:
    po = CATALOGUES / f"{language}.po"
    if not po.exists():
        return gettext.NullTranslations()
    messages = parse_po(po.read_text(encoding="utf-8"))
    return gettext.GNUTranslations(io.BytesIO(compile_mo(messages)))


TRANSLATIONS: dict[str, gettext.NullTranslations] = {lang: _load(lang) for lang in LANGUAGES}


def language() -> str:
    """The request's language: ?lang=, else Accept-Language, else Chinese."""
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    best = request.accept_languages.best_match(["zh", "zh-CN", "en"], default="zh")
    return "en" if best and best.startswith("en") else "zh"


def gettext_for(lang: str) -> gettext.NullTranslations:
    return TRANSLATIONS.get(lang, TRANSLATIONS["zh"])
