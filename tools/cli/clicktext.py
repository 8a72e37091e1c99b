"""Click's own error texts in Chinese (issue 12 §7): an invalid value's reason, an
extra argument, an unknown command, an option without its value.

Click writes these in English through the standard library's ``gettext`` at the moment
it raises, so the CLI translates the finished English text instead: each template click
uses (:data:`TEMPLATES`, click 8.x's own msgids) becomes a pattern, and a text that
matches one is rendered as that template's message, whose Chinese is in the project's
catalogue like every other message. Nothing of click is patched; a text no template
matches stays click's English.

Example: ``'nope' is not one of 'a', 'b'.`` → ``'nope' 不是以下之一：'a', 'b'。``
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from ledger.i18n import _

__all__ = ["TEMPLATES", "translated"]

Make = Callable[..., Any]

#: click's English template -> the message it becomes (same field names, ``!r`` dropped:
#: the value keeps the quotes click put round it).
TEMPLATES: dict[str, Make] = {
    "{value!r} is not {choice}.": lambda **kw: _("{value} is not {choice}.", **kw),
    "{value!r} is not one of {choices}.": lambda **kw: _("{value} is not one of {choices}.", **kw),
    "{value!r} does not match the format {format}.": lambda **kw: _(
        "{value} does not match the format {format}.", **kw
    ),
    "{value!r} does not match the formats {formats}.": lambda **kw: _(
        "{value} does not match any of the formats {formats}.", **kw
    ),
    "{value!r} is not a valid integer.": lambda **kw: _("{value} is not a whole number.", **kw),
    "{value!r} is not a valid integer range.": lambda **kw: _(
        "{value} is not a whole number.", **kw
    ),
    "{value!r} is not a valid float.": lambda **kw: _("{value} is not a number.", **kw),
    "{value!r} is not a valid float range.": lambda **kw: _("{value} is not a number.", **kw),
    "{value!r} is not a valid {number_type}.": lambda **kw: _(
        "{value} is not a valid {number_type}.", **kw
    ),
    "{value} is not in the range {range}.": lambda **kw: _(
        "{value} is not in the range {range}.", **kw
    ),
    "{value!r} is not a valid UUID.": lambda **kw: _("{value} is not a valid UUID.", **kw),
    "{value!r} is not a valid boolean. Recognized values: {states}": lambda **kw: _(
        "{value} is not a yes/no value; use one of {states}.", **kw
    ),
    "{name} {filename!r} does not exist.": lambda **kw: _("{filename} does not exist.", **kw),
    "{name} {filename!r} is a directory.": lambda **kw: _("{filename} is a directory.", **kw),
    "{name} {filename!r} is a file.": lambda **kw: _("{filename} is a file.", **kw),
    "{name} {filename!r} is not readable.": lambda **kw: _("{filename} is not readable.", **kw),
    "{name} {filename!r} is not writable.": lambda **kw: _("{filename} is not writable.", **kw),
    "Could not open file {filename!r}: {message}": lambda **kw: _(
        "could not open {filename}: {message}", **kw
    ),
    "Option {name!r} requires an argument.": lambda **kw: _("option {name} needs a value.", **kw),
    "Option {name!r} requires {nargs} arguments.": lambda **kw: _(
        "option {name} needs {nargs} values.", **kw
    ),
    "Option {name!r} does not take a value.": lambda **kw: _(
        "option {name} does not take a value.", **kw
    ),
    "Got unexpected extra argument ({args})": lambda **kw: _(
        "unexpected extra argument ({args})", **kw
    ),
    "Got unexpected extra arguments ({args})": lambda **kw: _(
        "unexpected extra arguments ({args})", **kw
    ),
    "No such command {name!r}.": lambda **kw: _("no such command {name}.", **kw),
    "Missing command.": lambda **kw: _("a command is missing.", **kw),
}

_FIELD = re.compile(r"\{(\w+)(?:![rs])?\}")


def _pattern(template: str) -> re.Pattern[str]:
    parts, last = [], 0
    for match in _FIELD.finditer(template):
        parts.append(re.escape(template[last : match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+?)")
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.DOTALL)


@functools.cache
def _patterns() -> tuple[tuple[re.Pattern[str], Make], ...]:
    # The template with the most literal text first: ``is not one of {choices}`` before
    # ``is not {choice}``, whose field would swallow ``one of ...``.
    ordered = sorted(TEMPLATES.items(), key=lambda pair: -len(_FIELD.sub("", pair[0])))
    return tuple((_pattern(template), make) for template, make in ordered)


def translated(text: str) -> Any | None:
    """Click's English ``text`` as a message with its Chinese, or ``None`` when it is
    not one of click's templates (it then stays English)."""
    for pattern, make in _patterns():
        found = pattern.fullmatch(text)
        if found is not None:
            return make(**found.groupdict())
    return None
