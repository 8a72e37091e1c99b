"""Chinese official working days, and the deadlines the source document counts in them.

SPEC.md: "Working days are Chinese official working days: weekends and public holidays
are off, and the adjusted working weekends (调休) are on." The official calendar comes
from the ``chinesecalendar`` package (imported as ``chinese_calendar``), which knows
only the years the State Council has announced and that the installed version ships;
the office may *amend* it.

Invariants:

* A date's status is decided, in this order, by: the office's amendment for that very
  date; else, if the office declared the date's year complete, the plain weekday rule
  (Monday-Friday on, Saturday-Sunday off) -- the package is then NOT consulted, so a
  package upgrade never changes a year the office has recorded itself; else the
  package; else :class:`~ledger.errors.ValidationError`. We never guess a year nobody
  has recorded: a deadline computed from a guessed calendar would be silently wrong.
* ``add_workdays(start, n)`` does not count ``start``; ``workdays_between(a, b)``
  counts the working days in ``(a, b]``. So ``workdays_between(s, add_workdays(s, n))
  == n`` for every ``n >= 1``.
* A deadline is the last day on which the act is on time (``done == due`` is "met").
* Everything here is pure: no I/O, no clock (``today`` is always passed in), no
  mutable module state; a :class:`WorkCalendar` is immutable once built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

# The package ships no type information; we wrap its two calls and coerce to bool.
import chinese_calendar  # type: ignore[import-untyped]

from ledger.errors import ValidationError
from ledger.i18n import _

__all__ = [
    "OFFICIAL",
    "DeadlineStatus",
    "WorkCalendar",
    "add_workdays",
    "annual_plan_deadline",
    "annual_summary_deadline",
    "judge",
    "organise_deadline",
    "package_years",
    "publication_deadline",
    "quarterly_report_deadline",
    "workdays_between",
]

ORGANISE_WORKDAYS = 5  # R7.4
PUBLICATION_WORKDAYS = 20  # R9.1
# Our convention for R10.6's quarterly reports (the source fixes no date): due this many
# calendar days after the quarter's last day, i.e. on the 10th of the following month.
QUARTERLY_REPORT_DAYS_AFTER = 10

_ONE_DAY = timedelta(days=1)
# An immutable default, so the constructor's default cannot be mutated between calls.
_NO_AMENDMENTS: Mapping[date, bool] = MappingProxyType({})


def package_years() -> range:
    """The years the installed ``chinesecalendar`` knows (it refuses any other year)."""
    # Same bounds the package itself checks against (utils._validate_date).
    known = chinese_calendar.holidays.keys()
    return range(min(known).year, max(known).year + 1)


def _plain_date(d: date) -> date:
    # A datetime is a date subclass but never equals a date, so it would silently miss
    # the amendments; refuse it rather than drop its time behind the caller's back.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise ValidationError(
            _("expected a calendar date, got {kind}", kind=type(d).__name__),
            {"date": [_("{d!r} is not a datetime.date", d=d)]},
        )
    return d


class WorkCalendar:
    """The official calendar plus the office's amendments; immutable.

    ``amendments`` maps a date to ``True`` (working day) or ``False`` (day off) and wins
    over everything else for that date. ``declared_years`` are years the office has
    recorded in full by amendments: any of their dates without an amendment is a
    working day exactly when it is Monday to Friday.

    ``official=False``: never consult the ``chinesecalendar`` package -- a date in a year
    the office has not declared is refused. That is the calendar a command's handler
    uses (:func:`ledger.areas.calendar.rules.recorded_calendar`): from the log alone, so
    a later package release cannot change what a replay of the command decides
    (issue 11.1).
    """

    __slots__ = ("_amendments", "_declared_years", "_official", "_package")

    def __init__(
        self,
        amendments: Mapping[date, bool] = _NO_AMENDMENTS,
        declared_years: Iterable[int] = (),
        *,
        official: bool = True,
    ) -> None:
        problems: dict[str, list[str]] = {}
        copied: dict[date, bool] = {}
        for day, working in amendments.items():
            if isinstance(day, datetime) or not isinstance(day, date):
                problems.setdefault("amendments", []).append(_("{day!r} is not a date", day=day))
            elif not isinstance(working, bool):
                problems.setdefault("amendments", []).append(
                    _("{day}: {working!r} is not true/false", day=day.isoformat(), working=working)
                )
            else:
                copied[day] = working
        years: set[int] = set()
        for year in declared_years:
            # bool is an int subclass; True as a year is certainly a mistake.
            if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
                problems.setdefault("declared_years", []).append(
                    _("{year!r} is not a year", year=year)
                )
            else:
                years.add(year)
        if problems:
            raise ValidationError(_("invalid working-day calendar amendments"), problems)
        # Private copies: a caller mutating its own dict later must not change us.
        self._amendments: Mapping[date, bool] = MappingProxyType(copied)
        self._declared_years: frozenset[int] = frozenset(years)
        self._official = official
        # The package's answers, remembered: a board of many deadlines asks about the
        # same few hundred days again and again. Not state anyone can observe.
        self._package: dict[date, bool] = {}

    @property
    def amendments(self) -> Mapping[date, bool]:
        """The office's per-date overrides (read-only)."""
        return self._amendments

    @property
    def declared_years(self) -> frozenset[int]:
        """Years the office has recorded in full by amendments."""
        return self._declared_years

    def __repr__(self) -> str:
        return (
            f"WorkCalendar({len(self._amendments)} amendments, "
            f"declared_years={sorted(self._declared_years)})"
        )

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day; refuses a year nobody has recorded."""
        d = _plain_date(d)
        amended = self._amendments.get(d)
        if amended is not None:
            return amended
        if d.year in self._declared_years:
            return d.weekday() < 5
        if not self._official:
            raise ValidationError(
                _(
                    "no working-day calendar recorded in the ledger for {year}: the office "
                    "must record {year}'s calendar (calendar.amend: its holidays and "
                    "adjusted working days, and declare the year) before a rule can count "
                    "working days in it",
                    year=d.year,
                ),
                {
                    "date": [
                        _(
                            "{d}: year {year} is not recorded in the ledger",
                            d=d.isoformat(),
                            year=d.year,
                        )
                    ]
                },
            )
        cached = self._package.get(d)
        if cached is not None:
            return cached
        try:
            cached = self._package[d] = bool(chinese_calendar.is_workday(d))
            return cached
        except NotImplementedError:
            # The package raises this exactly for years it has no data for.
            known = package_years()
            raise ValidationError(
                _(
                    "no official working-day calendar for {year}: the installed "
                    "chinesecalendar knows {start}-{stop} only; the office must record "
                    "{year}'s calendar (amend its holidays and adjusted working days and "
                    "declare the year) before working days in it can be counted",
                    year=d.year,
                    start=known.start,
                    stop=known.stop - 1,
                ),
                {
                    "date": [
                        _("{d}: year {year} has no recorded calendar", d=d.isoformat(), year=d.year)
                    ]
                },
            ) from None

    def add_workdays(self, start: date, n: int) -> date:
        """The date ``n`` working days after ``start`` (``start`` itself does not count)."""
        start = _plain_date(start)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValidationError(
                _("number of working days must be a positive integer, got {n!r}", n=n),
                {"n": [_("must be >= 1")]},
            )
        day, left = start, n
        while left:
            day += _ONE_DAY
            if self.is_workday(day):
                left -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
        start, end = _plain_date(start), _plain_date(end)
        count, day = 0, start
        while day < end:
            day += _ONE_DAY
            if self.is_workday(day):
                count += 1
        return count


# The package's calendar with no amendments. Immutable, so sharing it is safe; callers
# holding the office's amendments pass their own calendar.
OFFICIAL = WorkCalendar()


def add_workdays(start: date, n: int, *, calendar: WorkCalendar = OFFICIAL) -> date:
    """:meth:`WorkCalendar.add_workdays` on ``calendar``."""
    return calendar.add_workdays(start, n)


def workdays_between(start: date, end: date, *, calendar: WorkCalendar = OFFICIAL) -> int:
    """:meth:`WorkCalendar.workdays_between` on ``calendar``."""
    return calendar.workdays_between(start, end)


def organise_deadline(draw_date: date, *, calendar: WorkCalendar = OFFICIAL) -> date:
    """R7.4: the checks are organised within 5 working days of the draw."""
    return calendar.add_workdays(draw_date, ORGANISE_WORKDAYS)


def publication_deadline(result_date: date, *, calendar: WorkCalendar = OFFICIAL) -> date:
    """R9.1: a result is published within 20 working days of being formed."""
    return calendar.add_workdays(result_date, PUBLICATION_WORKDAYS)


def _checked_year(year: int) -> int:
    # date() would raise a bare ValueError; the ledger refuses with its own tree.
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9998:
        raise ValidationError(
            _("{year!r} is not a usable year", year=year), {"year": [_("out of range")]}
        )
    return year


def annual_plan_deadline(year: int) -> date:
    """R6.5: the year's plans are done by the end of January (a calendar date)."""
    return date(_checked_year(year), 1, 31)


def annual_summary_deadline(year: int) -> date:
    """R10.6: the written annual summary is due by 10 December (a calendar date)."""
    return date(_checked_year(year), 12, 10)


def quarterly_report_deadline(year: int, quarter: int) -> date:
    """R10.6's quarterly progress report for ``quarter`` (1-4) of ``year``.

    The source document requires quarterly reports but does NOT fix when they are due.
    Our convention: the 10th calendar day after the quarter's last day, i.e. 10 April,
    10 July, 10 October, and 10 January of the following year for Q4. Calendar days,
    not working days, like R6.5 and R10.6's own dates; not moved off a holiday.
    """
    year = _checked_year(year)
    if isinstance(quarter, bool) or not isinstance(quarter, int) or not 1 <= quarter <= 4:
        raise ValidationError(
            _("quarter must be 1, 2, 3 or 4, got {quarter!r}", quarter=quarter),
            {"quarter": [_("not in 1-4")]},
        )
    next_quarter_start = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    quarter_end = next_quarter_start - _ONE_DAY
    return quarter_end + timedelta(days=QUARTERLY_REPORT_DAYS_AFTER)


class DeadlineStatus(StrEnum):
    """Where an act stands against its deadline (a ``str``, so it serialises as such)."""

    MET = "met"
    MET_LATE = "met late"
    OVERDUE = "overdue"
    DUE = "due"


def judge(due: date, done: date | None, today: date) -> DeadlineStatus:
    """Judge an act due on ``due``, done on ``done`` (``None``: not yet), as of ``today``.

    Done on or before ``due``: met; done after: met late. Not done: overdue once
    ``today`` is past ``due``, otherwise still due (the due day itself is on time).
    """
    due, today = _plain_date(due), _plain_date(today)
    if done is None:
        return DeadlineStatus.OVERDUE if today > due else DeadlineStatus.DUE
    done = _plain_date(done)
    if done > today:
        # An act recorded as done in the future is bad input (often a clock or time-zone
        # mix-up); judging it would hide that.
        raise ValidationError(
            _(
                "completion date {done} is after today {today}",
                done=done.isoformat(),
                today=today.isoformat(),
            ),
            {"done": [_("later than today")]},
        )
    return DeadlineStatus.MET if done <= due else DeadlineStatus.MET_LATE
