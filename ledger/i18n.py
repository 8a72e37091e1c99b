"""Messages that are English as text and Chinese on request (gettext, catalogues by Babel).

``_("no task {task}", task=code)`` makes a :class:`~ledger.audit.messages.Message`: a
``str`` whose text is the English (so logs, tests and every ``str`` use keep working)
that also keeps its msgid and parameters, so the edges that face people render it in
Chinese: the CLI by default (:func:`bilingual`: the Chinese, then the English), the API's
problem details when the request's ``Accept-Language`` prefers Chinese. The class lives
in :mod:`ledger.audit.messages` so the auditor's package can use it too; this module
installs the catalogue there.

Invariants:

* every msgid written with ``_("...")`` in ``ledger``, ``projections``, ``api`` (not the
  pages, which have their own catalogue) and ``tools`` has its Chinese in
  ``translations/zh_CN/LC_MESSAGES/messages.po`` (``python -m tools.catalogue`` extracts
  them with Babel and adds the new ones; ``tests/unit/test_i18n.py`` fails on a missing
  or fuzzy translation), and the Chinese uses the same ``{names}`` as the English;
* the catalogue is read and compiled (Babel's ``read_po``/``write_mo``) on the first
  Chinese rendering, never on import and never inside a command's handler: making a
  message reads nothing.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ledger.audit import messages
from ledger.audit.messages import Message, _, language, render

__all__ = [
    "LANGUAGES",
    "Message",
    "_",
    "bilingual",
    "catalogue",
    "compile_catalogue",
    "joined",
    "language",
    "render",
]

#: The languages a message renders in; English is the text itself.
LANGUAGES = ("zh", "en")
CATALOGUES = Path(__file__).with_name("translations")
DOMAIN = "messages"


def bilingual(value: Any) -> str:
    """Chinese first, then the English after ``" / "`` (the house's bilingual style);
    the English alone when there is no Chinese form."""
    english = str(value)
    chinese = str(render(value, "zh"))
    return english if chinese == english else f"{chinese} / {english}"


def joined(parts: Sequence[Any]) -> Any:
    """``parts`` separated by ``"; "`` (``"；"`` in Chinese), still a message: each part
    renders in the language the whole is rendered in."""
    if not parts:
        return ""
    whole = parts[-1]
    for part in reversed(parts[:-1]):
        whole = _("{first}; {rest}", first=part, rest=whole)
    return whole


def compile_catalogue(po: Path) -> gettext.GNUTranslations:
    """The translations of a ``.po`` file, compiled by Babel in memory (fuzzy entries
    left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        parsed = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, parsed)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def catalogue_path(lang: str) -> Path:
    return CATALOGUES / {"zh": "zh_CN"}.get(lang, lang) / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (empty for English), read once."""
    path = catalogue_path(lang)
    return compile_catalogue(path) if lang != "en" and path.exists() else gettext.NullTranslations()


def _translate_zh(msgid: str) -> str:
    return catalogue("zh").gettext(msgid)


messages.TRANSLATIONS["zh"] = _translate_zh


def os_reason(exc: BaseException) -> Any:
    """Why a file could not be used, as a message with its Chinese for the errors people
    meet (a missing file, no permission, a directory where a file was meant, a full disk);
    the system's own text for the rest (and the exception's text for anything not an
    ``OSError``, e.g. a file that is not UTF-8)."""
    import errno

    if not isinstance(exc, OSError):
        return str(exc)

    reasons = {
        errno.ENOENT: _("no such file or directory"),
        errno.EACCES: _("permission denied"),
        errno.EPERM: _("operation not permitted"),
        errno.EISDIR: _("is a directory"),
        errno.ENOTDIR: _("not a directory"),
        errno.EEXIST: _("file exists"),
        errno.ENOSPC: _("no space left on device"),
        errno.EROFS: _("read-only file system"),
        errno.EADDRINUSE: _("address already in use"),
        errno.EADDRNOTAVAIL: _("cannot assign the requested address"),
    }
    found = reasons.get(exc.errno) if exc.errno is not None else None
    return found if found is not None else (exc.strerror or str(exc))
