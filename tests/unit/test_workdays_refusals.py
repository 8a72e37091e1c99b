"""Working days: every refusal says exactly what is wrong, and the bounds are where the
module says (mutation testing showed the messages, the year bounds and the datetime
checks of add_workdays, workdays_between and judge were unchecked)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from ledger.errors import ValidationError
from ledger.workdays import (
    OFFICIAL,
    WorkCalendar,
    add_workdays,
    annual_plan_deadline,
    annual_summary_deadline,
    judge,
    package_years,
    quarterly_report_deadline,
    workdays_between,
)

DAY = date(2024, 11, 1)
MOMENT = datetime(2024, 11, 4, 9, 30)


def refusal(call: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize(
    "call",
    [
        lambda: OFFICIAL.is_workday(MOMENT),
        lambda: add_workdays(MOMENT, 1),
        lambda: workdays_between(MOMENT, DAY),
        lambda: workdays_between(DAY, MOMENT),
        lambda: judge(MOMENT, None, DAY),
        lambda: judge(DAY, None, MOMENT),
        lambda: judge(DAY, MOMENT, date(2024, 12, 1)),
    ],
)
def test_a_datetime_is_never_taken_for_a_date(call: Any) -> None:
    error = refusal(call)
    assert error.message == "expected a calendar date, got datetime"
    assert error.errors == {"date": [f"{MOMENT!r} is not a datetime.date"]}


def test_a_string_is_not_a_date() -> None:
    error = refusal(lambda: OFFICIAL.is_workday("2024-11-04"))  # type: ignore[arg-type]
    assert error.message == "expected a calendar date, got str"
    assert error.errors == {"date": ["'2024-11-04' is not a datetime.date"]}


def test_bad_amendments_are_listed_one_by_one() -> None:
    error = refusal(
        lambda: WorkCalendar(
            {MOMENT: False, "2024-11-05": True, DAY: 1, date(2024, 11, 2): True},  # type: ignore[dict-item]
            declared_years=[0, 1, 9999, 10000, True, "2025"],  # type: ignore[list-item]
        )
    )
    assert error.message == "invalid working-day calendar amendments"
    assert error.errors == {
        "amendments": [
            f"{MOMENT!r} is not a date",
            "'2024-11-05' is not a date",
            "2024-11-01: 1 is not true/false",
        ],
        "declared_years": [
            "0 is not a year",
            "10000 is not a year",
            "True is not a year",
            "'2025' is not a year",
        ],
    }


def test_the_first_and_last_years_can_be_declared() -> None:
    calendar = WorkCalendar(declared_years=[1, 9999])
    assert calendar.declared_years == frozenset({1, 9999})
    assert calendar.is_workday(date(1, 1, 1))  # a Monday
    assert not calendar.is_workday(date(9999, 12, 26))  # a Sunday


def test_the_calendar_shows_what_it_holds() -> None:
    amendments = {DAY: False, date(2024, 11, 2): True}
    calendar = WorkCalendar(amendments, declared_years=[2024, 2023])
    assert dict(calendar.amendments) == amendments
    with pytest.raises(TypeError):
        calendar.amendments[DAY] = True  # type: ignore[index]
    assert repr(calendar) == "WorkCalendar(2 amendments, declared_years=[2023, 2024])"


def test_an_unrecorded_year_names_what_the_package_knows() -> None:
    known = package_years()
    error = refusal(lambda: OFFICIAL.is_workday(date(2099, 1, 1)))
    assert error.message == (
        f"no official working-day calendar for 2099: the installed chinesecalendar knows "
        f"{known.start}-{known.stop - 1} only; the office must record 2099's calendar (amend "
        "its holidays and adjusted working days and declare the year) before working days "
        "in it can be counted"
    )
    assert error.errors == {"date": ["2099-01-01: year 2099 has no recorded calendar"]}


@pytest.mark.parametrize("n", [0, -3, True, 1.0, "5"])
def test_a_count_of_working_days_is_a_positive_integer(n: Any) -> None:
    error = refusal(lambda: add_workdays(DAY, n))
    assert error.message == f"number of working days must be a positive integer, got {n!r}"
    assert error.errors == {"n": ["must be >= 1"]}


@pytest.mark.parametrize("year", [0, -1, 9999, True, "2025", 2025.0])
def test_calendar_date_deadlines_refuse_unusable_years(year: Any) -> None:
    for deadline in (
        annual_plan_deadline,
        annual_summary_deadline,
        lambda y: quarterly_report_deadline(y, 1),
    ):
        error = refusal(lambda deadline=deadline: deadline(year))
        assert error.message == f"{year!r} is not a usable year"
        assert error.errors == {"year": ["out of range"]}


def test_calendar_date_deadlines_at_the_first_and_last_usable_years() -> None:
    assert annual_plan_deadline(1) == date(1, 1, 31)
    assert annual_summary_deadline(9998) == date(9998, 12, 10)
    assert quarterly_report_deadline(1, 1) == date(1, 4, 10)
    assert quarterly_report_deadline(9998, 4) == date(9999, 1, 10)


@pytest.mark.parametrize("quarter", [0, 5, True, "1"])
def test_a_quarter_is_one_to_four(quarter: Any) -> None:
    error = refusal(lambda: quarterly_report_deadline(2025, quarter))
    assert error.message == f"quarter must be 1, 2, 3 or 4, got {quarter!r}"
    assert error.errors == {"quarter": ["not in 1-4"]}


def test_completion_after_today_is_refused_with_both_dates() -> None:
    error = refusal(lambda: judge(DAY, date(2024, 11, 9), date(2024, 11, 8)))
    assert error.message == "completion date 2024-11-09 is after today 2024-11-08"
    assert error.errors == {"done": ["later than today"]}
