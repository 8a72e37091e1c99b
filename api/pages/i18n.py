"""Chinese first, English on request: gettext with a catalogue compiled at import.

The pages are written in Chinese; ``translations/en.po`` maps each Chinese message to its
English form. The catalogue is read and compiled to gettext's binary form in memory by Babel
(:func:`ledger.i18n.compile_catalogue`) when this module is imported (no build step, no
network) and read with the standard library's :class:`gettext.GNUTranslations`. The
language is ``?lang=en`` / ``?lang=zh`` when given, otherwise the best of
Accept-Language, and Chinese when neither says.
"""

from __future__ import annotations

import gettext
from pathlib import Path

from flask import request

from ledger.i18n import compile_catalogue

LANGUAGES = ("zh", "en")
CATALOGUES = Path(__file__).with_name("translations")


def _load(language: str) -> gettext.NullTranslations:
    po = CATALOGUES / f"{language}.po"
    return compile_catalogue(po) if po.exists() else gettext.NullTranslations()


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
