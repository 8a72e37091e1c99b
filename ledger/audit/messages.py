"""Messages that are English as text and can be rendered in another language.

This is the part of :mod:`ledger.i18n` the auditor's package can use (it imports only the
standard library): :class:`Message` and its marker ``_``. The catalogues are read by
:mod:`ledger.i18n`, which installs them here (:data:`TRANSLATIONS`) when it is imported;
until then, and for a message the catalogue lacks, a message renders as its English.

Invariants:

* ``_("no task {task}", task=code)`` is a ``str`` whose text is the English, the msgid
  formatted with ``str.format`` and the parameters (a message with parameters writes a
  literal brace as ``{{``); it also keeps the msgid and the parameters;
* a parameter that is itself a :class:`Message` (or an error raised with one) is
  rendered in the same language;
* rendering never raises: a translation that does not format gives the English.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: lang ("zh") -> the msgid's translation (installed by :mod:`ledger.i18n`).
TRANSLATIONS: dict[str, Callable[[str], str]] = {}


def language(lang: str | None) -> str:
    """ "zh" for any Chinese tag (zh, zh-CN, zh_Hans ...), "en" for anything else."""
    return "zh" if lang and lang.lower().replace("_", "-").split("-")[0] == "zh" else "en"


class Message(str):
    """A message: its English text, plus the msgid and parameters to translate it."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Message:
        self = super().__new__(cls, msgid.format(**params) if params else msgid)
        self.msgid = msgid
        self.params = params
        return self

    def render(self, lang: str | None) -> str:
        """The message in ``lang`` ("zh", "zh-CN", "en" ...); English for anything else."""
        translate = TRANSLATIONS.get(language(lang))
        if translate is None:
            return str(self)
        text = translate(self.msgid)
        if not self.params:
            return text
        try:
            return text.format(**{k: render(v, lang) for k, v in self.params.items()})
        except (KeyError, IndexError, ValueError):  # a broken translation: the English
            return str(self)


#: The marker Babel's extractor looks for: ``_("text {name}", name=value)``.
_ = Message


def reason_of(exc: BaseException) -> Message:
    """Why ``exc`` was raised, as a message: its English is ``str(exc)``, and it renders
    as the error's own message does (an error raised with ``_()`` gives its Chinese)."""
    return Message("{exc}", exc=exc)  # not in the catalogue: "{exc}" is its own form


def render(value: Any, lang: str | None) -> Any:
    """``value`` in ``lang`` if it is a :class:`Message`, or an error raised with one
    (its ``message``, then its rule's id as ``str(error)`` gives it); anything else
    unchanged."""
    if isinstance(value, Message):
        return value.render(lang)
    message = getattr(value, "message", None)
    if isinstance(value, Exception) and isinstance(message, Message):
        rule = getattr(value, "rule", None)
        text = message.render(lang)
        return f"{text} ({rule})" if rule else text
    return value
