"""Deadline arithmetic across the 2026 Spring Festival (Feb 15–23 off; Sat Feb 14 and
Sat Feb 28 are 调休 working days) and across the end of the published calendar."""

import datetime as dt

from django.utils import timezone

from linli.core import sla
from linli.core.sla import ClockUnit


def at(y, m, d, h=10, mi=0, s=0):
    return timezone.make_aware(dt.datetime(y, m, d, h, mi, s))


def test_calendar_data_for_2026_spring_festival():
    assert sla.is_working_day(dt.date(2026, 2, 14))  # Saturday, 调休 working day
    assert sla.is_working_day(dt.date(2026, 2, 28))  # Saturday, 调休 working day
    for day in range(15, 24):
        assert not sla.is_working_day(dt.date(2026, 2, day))
    assert sla.is_working_day(dt.date(2026, 2, 24))
    assert not sla.is_working_day(dt.date(2026, 3, 1))  # an ordinary Sunday


def test_working_days_skip_spring_festival_and_count_the_adjusted_saturday():
    # Received Friday 13 Feb: day 1 is Saturday 14 (调休), then the holiday, day 2 is Tue 24.
    assert sla.deadline(at(2026, 2, 13), 1, ClockUnit.WORKING_DAYS) == at(2026, 2, 14, 23, 59, 59)
    assert sla.deadline(at(2026, 2, 13), 2, ClockUnit.WORKING_DAYS) == at(2026, 2, 24, 23, 59, 59)
    assert sla.deadline(at(2026, 2, 13), 3, ClockUnit.WORKING_DAYS) == at(2026, 2, 25, 23, 59, 59)


def test_request_received_during_the_holiday_starts_counting_after_it():
    assert sla.add_working_days_to_date(dt.date(2026, 2, 18), 1) == dt.date(2026, 2, 24)
    assert sla.add_working_days_to_date(dt.date(2026, 2, 18), 5) == dt.date(2026, 2, 28)
    assert sla.add_working_days_to_date(dt.date(2026, 2, 18), 6) == dt.date(2026, 3, 2)


def test_zero_working_days_means_end_of_the_same_day():
    assert sla.add_working_days(at(2026, 11, 20), 0) == timezone.make_aware(
        dt.datetime(2026, 11, 20, 23, 59, 59)
    )


def test_deadline_is_end_of_day_shanghai_time_even_for_a_late_utc_start():
    # 2026-11-19 17:00 UTC is already Friday 20 Nov 01:00 in Shanghai.
    start = dt.datetime(2026, 11, 19, 17, 0, tzinfo=dt.UTC)
    due = sla.deadline(start, 1, ClockUnit.WORKING_DAYS)
    assert timezone.localtime(due).date() == dt.date(2026, 11, 23)  # Monday


def test_clock_hours_ignore_holidays_and_nights():
    start = at(2026, 2, 16, 21, 0)  # a power cut at 9 pm during the holiday
    assert sla.deadline(start, 12, ClockUnit.HOURS) == at(2026, 2, 17, 9, 0)


def test_years_beyond_the_published_calendar_fall_back_to_monday_to_friday():
    assert sla.is_working_day(dt.date(2031, 1, 6))  # Monday
    assert not sla.is_working_day(dt.date(2031, 1, 4))  # Saturday
    assert sla.add_working_days_to_date(dt.date(2031, 1, 3), 1) == dt.date(2031, 1, 6)


def test_warning_time():
    start = at(2026, 11, 20, 10)
    due = sla.deadline(start, 8, ClockUnit.HOURS)
    assert sla.warning_time(start, due, ClockUnit.HOURS) == at(2026, 11, 20, 16)
    due_days = sla.deadline(start, 3, ClockUnit.WORKING_DAYS)  # Wed 25 Nov
    assert sla.warning_time(start, due_days, ClockUnit.WORKING_DAYS) == at(2026, 11, 25, 0)
    # A same-day allowance warns at once rather than before the request arrived.
    same_day = sla.deadline(start, 0, ClockUnit.WORKING_DAYS)
    assert sla.warning_time(start, same_day, ClockUnit.WORKING_DAYS) == start
