"""Working days and deadlines (R6.5, R7.4, R9.1, R10.6) against the real official calendar.

Every expected date below was worked out by hand from the State Council's announced
arrangements, not copied from the code's output:

* 2024 National Day: 1-7 October off (Tue-Mon); Sunday 29 September and Saturday
  12 October are working days. Mid-Autumn 2024: 15-17 September off, Saturday
  14 September working.
* 2025 Spring Festival: 28 January - 4 February off (Tue-Tue); Sunday 26 January and
  Saturday 8 February are working days.
* November 2024 has no public holiday; 1 November 2024 is a Friday.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import ValidationError
from ledger.workdays import (
    OFFICIAL,
    DeadlineStatus,
    WorkCalendar,
    add_workdays,
    annual_plan_deadline,
    annual_summary_deadline,
    judge,
    organise_deadline,
    package_years,
    publication_deadline,
    quarterly_report_deadline,
    workdays_between,
)

# Far enough ahead that no chinesecalendar 1.x will know it.
FAR_YEAR = 2099


def test_package_covers_the_years_we_rely_on() -> None:
    years = package_years()
    assert 2004 in years and 2024 in years and 2025 in years
    assert 2003 not in years and FAR_YEAR not in years


# -- plain weeks ----------------------------------------------------------------------


def test_organise_deadline_across_a_plain_weekend() -> None:
    # Fri 1 Nov 2024 -> Mon 4, Tue 5, Wed 6, Thu 7, Fri 8.
    assert organise_deadline(date(2024, 11, 1)) == date(2024, 11, 8)
    # Wed 6 Nov -> Thu 7, Fri 8, (weekend), Mon 11, Tue 12, Wed 13.
    assert organise_deadline(date(2024, 11, 6)) == date(2024, 11, 13)


def test_start_on_a_weekend_does_not_count() -> None:
    # Sat 2 Nov 2024: the first working day after it is Mon 4 Nov.
    assert add_workdays(date(2024, 11, 2), 1) == date(2024, 11, 4)
    assert add_workdays(date(2024, 11, 2), 5) == date(2024, 11, 8)


def test_publication_deadline_in_plain_weeks() -> None:
    # Twenty working days from Fri 1 Nov 2024 with no holiday: four weeks later.
    assert publication_deadline(date(2024, 11, 1)) == date(2024, 11, 29)


# -- National Day 2024 ----------------------------------------------------------------


def test_organise_deadline_across_national_day_2024() -> None:
    # Fri 27 Sep: Sun 29 (1, adjusted), Mon 30 (2), 1-7 Oct off, Tue 8 (3), Wed 9 (4),
    # Thu 10 (5).
    assert organise_deadline(date(2024, 9, 27)) == date(2024, 10, 10)


def test_adjusted_working_saturday_counts() -> None:
    assert OFFICIAL.is_workday(date(2024, 10, 12))  # Saturday, 调休
    assert OFFICIAL.is_workday(date(2024, 9, 29))  # Sunday, 调休
    assert OFFICIAL.is_workday(date(2024, 9, 14))  # Saturday before Mid-Autumn
    assert not OFFICIAL.is_workday(date(2024, 10, 5))  # Saturday inside the holiday
    assert not OFFICIAL.is_workday(date(2024, 10, 7))  # Monday inside the holiday
    # Mon 30 Sep: 1-7 Oct off, Tue 8 (1), Wed 9 (2), Thu 10 (3), Fri 11 (4),
    # Sat 12 (5, adjusted working Saturday).
    assert organise_deadline(date(2024, 9, 30)) == date(2024, 10, 12)


def test_publication_deadline_across_national_day_2024() -> None:
    # Mon 23 Sep 2024: Sep 24, 25, 26, 27 (4), Sun 29 (5), Mon 30 (6); 1-7 Oct off;
    # Oct 8, 9, 10, 11 (10), Sat 12 (11); Oct 14-18 (16); Oct 21, 22, 23, 24 (20).
    assert publication_deadline(date(2024, 9, 23)) == date(2024, 10, 24)


# -- Spring Festival 2025 -------------------------------------------------------------


def test_organise_deadline_across_spring_festival_2025() -> None:
    # Fri 24 Jan: Sat 25 off, Sun 26 (1, adjusted), Mon 27 (2), 28 Jan-4 Feb off,
    # Wed 5 (3), Thu 6 (4), Fri 7 (5).
    assert organise_deadline(date(2025, 1, 24)) == date(2025, 2, 7)
    # Mon 27 Jan: Wed 5 (1), Thu 6 (2), Fri 7 (3), Sat 8 (4, adjusted), Sun 9 off,
    # Mon 10 (5).
    assert organise_deadline(date(2025, 1, 27)) == date(2025, 2, 10)


def test_spring_festival_2025_days() -> None:
    assert OFFICIAL.is_workday(date(2025, 1, 26))  # Sunday, 调休
    assert OFFICIAL.is_workday(date(2025, 2, 8))  # Saturday, 调休
    assert not OFFICIAL.is_workday(date(2025, 1, 25))  # ordinary Saturday
    for day in range(28, 32):
        assert not OFFICIAL.is_workday(date(2025, 1, day))
    for day in range(1, 5):
        assert not OFFICIAL.is_workday(date(2025, 2, day))
    assert OFFICIAL.is_workday(date(2025, 2, 5))


# -- workdays_between -----------------------------------------------------------------


def test_workdays_between() -> None:
    assert workdays_between(date(2024, 11, 1), date(2024, 11, 8)) == 5
    assert workdays_between(date(2024, 11, 1), date(2024, 11, 3)) == 0  # a weekend only
    assert workdays_between(date(2024, 11, 1), date(2024, 11, 4)) == 1  # end included
    assert workdays_between(date(2024, 9, 27), date(2024, 10, 10)) == 5
    # 24 Jan -> 10 Feb 2025: Jan 26, 27, Feb 5, 6, 7, 8, 10.
    assert workdays_between(date(2025, 1, 24), date(2025, 2, 10)) == 7


def test_workdays_between_empty_ranges() -> None:
    assert workdays_between(date(2024, 11, 4), date(2024, 11, 4)) == 0
    assert workdays_between(date(2024, 11, 8), date(2024, 11, 4)) == 0
    # An empty range needs no calendar, even when it starts in an unrecorded year.
    assert workdays_between(date(FAR_YEAR, 1, 4), date(2024, 11, 8)) == 0


@given(
    start=st.dates(min_value=date(2004, 1, 1), max_value=date(2025, 10, 31)),
    n=st.integers(min_value=1, max_value=45),
)
def test_add_and_count_are_inverse(start: date, n: int) -> None:
    end = add_workdays(start, n)
    assert OFFICIAL.is_workday(end)
    assert workdays_between(start, end) == n
    assert workdays_between(start, end - timedelta(days=1)) == n - 1


# -- years nobody has recorded --------------------------------------------------------


@pytest.mark.parametrize("year", [2003, FAR_YEAR])
def test_unknown_year_is_refused(year: int) -> None:
    with pytest.raises(ValidationError) as caught:
        OFFICIAL.is_workday(date(year, 3, 3))
    message = str(caught.value)
    assert str(year) in message
    assert "must record" in message
    assert caught.value.rule is None


def test_counting_into_an_unknown_year_is_refused() -> None:
    last = package_years().stop - 1
    # Mid-December of the package's last year, 20 working days reach into the next year.
    with pytest.raises(ValidationError, match=str(last + 1)):
        publication_deadline(date(last, 12, 15))
    with pytest.raises(ValidationError, match=str(last + 1)):
        workdays_between(date(last, 12, 15), date(last + 1, 1, 20))


# -- amendments and declared years ----------------------------------------------------


def test_amendment_turns_a_working_day_off() -> None:
    # The office closes Mon 4 Nov 2024: Fri 1 -> Tue 5, 6, 7, 8, Mon 11.
    calendar = WorkCalendar({date(2024, 11, 4): False})
    assert not calendar.is_workday(date(2024, 11, 4))
    assert organise_deadline(date(2024, 11, 1), calendar=calendar) == date(2024, 11, 11)
    # The package calendar itself is untouched.
    assert organise_deadline(date(2024, 11, 1)) == date(2024, 11, 8)


def test_amendment_turns_a_day_off_into_a_working_day() -> None:
    calendar = WorkCalendar({date(2024, 11, 2): True, date(2024, 10, 1): True})
    # Sat 2 Nov now works: Fri 1 -> Sat 2, Mon 4, 5, 6, Thu 7.
    assert add_workdays(date(2024, 11, 1), 5, calendar=calendar) == date(2024, 11, 7)
    # A public holiday overridden.
    assert calendar.is_workday(date(2024, 10, 1))
    assert not calendar.is_workday(date(2024, 10, 2))


def test_amendments_are_copied() -> None:
    source = {date(2024, 11, 4): False}
    calendar = WorkCalendar(source)
    source[date(2024, 11, 4)] = True
    assert not calendar.is_workday(date(2024, 11, 4))


def test_amendment_for_one_date_of_an_unrecorded_year() -> None:
    calendar = WorkCalendar({date(FAR_YEAR, 10, 1): False})
    assert not calendar.is_workday(date(FAR_YEAR, 10, 1))
    # Its neighbours are still unknown: no guessing.
    with pytest.raises(ValidationError):
        calendar.is_workday(date(FAR_YEAR, 10, 2))


def test_declared_year_works_from_amendments_alone() -> None:
    # The office records 2099's National Day as Thu 1 - Wed 7 Oct off, with Sun 27 Sep
    # and Sat 10 Oct worked; Oct 3-4 are a weekend anyway.
    holiday = {date(FAR_YEAR, 10, d): False for d in (1, 2, 5, 6, 7)}
    swaps = {date(FAR_YEAR, 9, 27): True, date(FAR_YEAR, 10, 10): True}
    calendar = WorkCalendar({**holiday, **swaps}, declared_years=[FAR_YEAR])
    assert date(FAR_YEAR, 9, 25).weekday() == 4  # a Friday, as assumed below
    # Unamended dates follow the weekday rule.
    assert calendar.is_workday(date(FAR_YEAR, 10, 9))  # Friday
    assert not calendar.is_workday(date(FAR_YEAR, 10, 3))  # Saturday
    assert not calendar.is_workday(date(FAR_YEAR, 10, 11))  # Sunday
    # Fri 25 Sep: Sun 27 (1), Mon 28 (2), Tue 29 (3), Wed 30 (4), Thu 8 Oct (5).
    assert organise_deadline(date(FAR_YEAR, 9, 25), calendar=calendar) == date(FAR_YEAR, 10, 8)
    # Wed 30 Sep: Thu 8 (1), Fri 9 (2), Sat 10 (3), Mon 12 (4), Tue 13 (5).
    assert organise_deadline(date(FAR_YEAR, 9, 30), calendar=calendar) == date(FAR_YEAR, 10, 13)
    # The year after is still unknown.
    with pytest.raises(ValidationError, match=str(FAR_YEAR + 1)):
        calendar.is_workday(date(FAR_YEAR + 1, 1, 5))


def test_declared_year_is_not_mixed_with_the_package() -> None:
    # Declaring a year the package knows means the office's record is the whole truth
    # for it: unamended 1 Oct 2024 (a Tuesday) is then a plain working day.
    calendar = WorkCalendar(declared_years=[2024])
    assert calendar.is_workday(date(2024, 10, 1))
    assert not calendar.is_workday(date(2024, 10, 12))  # no longer an adjusted Saturday
    assert calendar.declared_years == frozenset({2024})


def test_bad_calendar_input_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        WorkCalendar({datetime(2024, 11, 4, 9): False}, declared_years=[True, 2025])
    assert set(caught.value.errors) == {"amendments", "declared_years"}
    with pytest.raises(ValidationError):
        OFFICIAL.is_workday(datetime(2024, 11, 4, 9))


@pytest.mark.parametrize("n", [0, -1])
def test_non_positive_count_is_refused(n: int) -> None:
    with pytest.raises(ValidationError):
        add_workdays(date(2024, 11, 1), n)


# -- calendar-date deadlines ----------------------------------------------------------


def test_calendar_date_deadlines() -> None:
    assert annual_plan_deadline(2025) == date(2025, 1, 31)  # R6.5
    assert annual_summary_deadline(2025) == date(2025, 12, 10)  # R10.6
    # Our convention: the 10th calendar day after the quarter ends.
    assert quarterly_report_deadline(2025, 1) == date(2025, 4, 10)
    assert quarterly_report_deadline(2025, 2) == date(2025, 7, 10)
    assert quarterly_report_deadline(2025, 3) == date(2025, 10, 10)
    assert quarterly_report_deadline(2025, 4) == date(2026, 1, 10)
    # Calendar dates need no working-day calendar, so a far year is fine.
    assert annual_plan_deadline(FAR_YEAR) == date(FAR_YEAR, 1, 31)


@pytest.mark.parametrize("quarter", [0, 5])
def test_bad_quarter_is_refused(quarter: int) -> None:
    with pytest.raises(ValidationError):
        quarterly_report_deadline(2025, quarter)


# -- judge ----------------------------------------------------------------------------

DUE = date(2024, 10, 10)


def test_judge_met() -> None:
    assert judge(DUE, date(2024, 10, 8), today=date(2024, 10, 20)) == "met"
    assert judge(DUE, DUE, today=DUE) is DeadlineStatus.MET  # the due day is on time


def test_judge_met_late() -> None:
    assert judge(DUE, date(2024, 10, 11), today=date(2024, 10, 20)) == "met late"


def test_judge_overdue() -> None:
    assert judge(DUE, None, today=date(2024, 10, 11)) == "overdue"


def test_judge_due() -> None:
    assert judge(DUE, None, today=DUE) == "due"
    assert judge(DUE, None, today=date(2024, 9, 30)) == "due"


def test_judge_refuses_completion_in_the_future() -> None:
    with pytest.raises(ValidationError):
        judge(DUE, date(2024, 10, 9), today=date(2024, 10, 8))
