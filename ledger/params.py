"""Reading a command's parameters: :class:`Params` collects every problem before
failing, so a caller learns about all bad fields at once.

Invariant: a problem is recorded under the field's full name (``basis.kind``,
``items[3].code``) with a message that says what is wrong; :meth:`Params.done` raises
them together as one :class:`~ledger.errors.ValidationError`. The declarations that
drive these readers are in :mod:`ledger.fields`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.errors import ValidationError
from ledger.i18n import _


class Params:
    """Reads a command's parameters, collecting every problem before failing.

    Each getter records a message under the field's name instead of raising, so the
    caller learns about all bad fields at once; :meth:`done` raises them together.
    """

    def __init__(self, raw: Any, prefix: str = "", *, today: dt.date | None = None) -> None:
        if not isinstance(raw, dict):
            raise ValidationError(
                _("parameters must be a JSON object"), {"params": [_("not an object")]}
            )
        self.raw: dict[str, Any] = raw
        self.prefix = prefix
        #: The command's date (when it was signed), for "not in the future" checks.
        self.today = today
        self.errors: dict[str, list[str]] = {}

    def _fail(self, name: str, message: str) -> None:
        self.errors.setdefault(self.prefix + name, []).append(message)

    def _get(self, name: str, required: bool) -> Any:
        value = self.raw.get(name)
        if value is None and required:
            self._fail(name, _("is required"))
        return value

    def text(
        self, name: str, *, required: bool = True, max_length: int = 500, pattern: str | None = None
    ) -> str:
        value = self._get(name, required)
        if value is None:
            return ""
        if not isinstance(value, str):
            self._fail(name, _("must be text"))
            return ""
        text: str = value.strip()
        if required and not text:
            self._fail(name, _("must not be empty"))
        elif len(text) > max_length:
            self._fail(name, _("is longer than {n} characters", n=max_length))
        elif pattern and text and not re.fullmatch(pattern, text):
            self._fail(name, _("does not match {pattern}", pattern=pattern))
        return text

    def optional_text(self, name: str, *, max_length: int = 500) -> str | None:
        return self.text(name, required=False, max_length=max_length) or None

    def choice(self, name: str, choices: Iterable[str], *, required: bool = True) -> str:
        allowed = tuple(choices)
        value = self.text(name, required=required)
        if value and value not in allowed:
            self._fail(name, _("must be one of {choices}", choices=", ".join(allowed)))
        return value

    def text_list(
        self,
        name: str,
        *,
        required: bool = True,
        choices: Iterable[str] | None = None,
        min_items: int = 0,
    ) -> tuple[str, ...]:
        value = self._get(name, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self._fail(name, _("must be a list of non-empty texts"))
            return ()
        items = tuple(v.strip() for v in value)
        if len(items) < min_items:
            self._fail(name, _("needs at least {n} item(s)", n=min_items))
        if len(set(items)) != len(items):
            self._fail(name, _("has duplicates"))
        if choices is not None:
            allowed = set(choices)
            bad = [v for v in items if v not in allowed]
            if bad:
                self._fail(name, _("unknown value(s): {values}", values=", ".join(bad)))
        return items

    def integer(
        self,
        name: str,
        *,
        required: bool = True,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int:
        value = self._get(name, required)
        if value is None:
            return 0
        if not isinstance(value, int) or isinstance(value, bool):
            self._fail(name, _("must be a whole number"))
            return 0
        if minimum is not None and value < minimum:
            self._fail(name, _("must be at least {n}", n=minimum))
        if maximum is not None and value > maximum:
            self._fail(name, _("must be at most {n}", n=maximum))
        return value

    def ratio(self, name: str, *, required: bool = True) -> str:
        """A proportion 0..1 as a decimal string (exact; never a float)."""
        value = self._get(name, required)
        if value is None:
            return ""
        try:
            number = (
                Decimal(str(value))
                if isinstance(value, (str, int)) and not isinstance(value, bool)
                else None
            )
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not Decimal(0) <= number <= Decimal(1):
            self._fail(name, _('must be a decimal between 0 and 1, written as text, e.g. "0.05"'))
            return ""
        return format(number.normalize(), "f") if number else "0"

    def date(self, name: str, *, required: bool = True) -> str:
        value = self.text(name, required=required, max_length=10)
        if value:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                self._fail(name, _("must be a date YYYY-MM-DD"))
                return ""
        return value

    def past_date(self, name: str) -> str:
        """A date on or before the command's own date (:attr:`today`)."""
        day = self.date(name)
        if day and self.today is not None and day > self.today.isoformat():
            self._fail(name, _("is in the future"))
        return day

    def boolean(self, name: str, *, default: bool = False) -> bool:
        value = self.raw.get(name, default)
        if not isinstance(value, bool):
            self._fail(name, _("must be true or false"))
            return default
        return value

    def nested(self, name: str, *, required: bool = True) -> Params | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self._fail(name, _("must be an object"))
            return None
        child = Params(value, prefix=f"{self.prefix}{name}.", today=self.today)
        child.errors = self.errors
        return child

    def items(self, name: str, *, required: bool = True, max_items: int = 10_000) -> list[Params]:
        value = self._get(name, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self._fail(name, _("must be a list of objects"))
            return []
        if len(value) > max_items:
            self._fail(name, _("has more than {n} items", n=max_items))
            return []
        children = []
        for i, item in enumerate(value):
            child = Params(item, prefix=f"{self.prefix}{name}[{i}].", today=self.today)
            child.errors = self.errors
            children.append(child)
        return children

    def fail(self, name: str, message: str) -> None:
        """Record a problem found by the caller's own checks."""
        self._fail(name, message)

    def done(self) -> None:
        if self.errors:
            raise ValidationError(_("invalid parameters"), self.errors)
