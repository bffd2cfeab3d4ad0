"""The deadline clock: working days with official holidays and 调休, calendar days, hours,
warning times and states, and recurring deadlines (2026 facts from the State Council's
calendar: 1–7 October are holidays and Saturday 10 October is a working day; Saturday
14 February is a working day before the Spring Festival)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.core import sla
from linli.core.sla import Clock, ClockUnit, Recurrence


def at(y, m, d, h=10):
    return timezone.make_aware(dt.datetime(y, m, d, h, 0))


def test_working_days_count_the_tiaoxiu_saturday_and_skip_the_holidays():
    # Friday 13 Feb + 1 working day = Saturday 14 Feb (调休), end of that day.
    assert Clock(1, ClockUnit.WORKING_DAYS).due(at(2026, 2, 13)) == sla.end_of_day(
        dt.date(2026, 2, 14)
    )
    # From 30 September, one working day lands after the National Day week: 8 October.
    assert Clock(1, ClockUnit.WORKING_DAYS).due(at(2026, 9, 30)) == sla.end_of_day(
        dt.date(2026, 10, 8)
    )


def test_calendar_days_and_hours():
    assert Clock(30, ClockUnit.DAYS).due(at(2026, 9, 1)) == sla.end_of_day(dt.date(2026, 10, 1))
    assert Clock(48, ClockUnit.HOURS).due(at(2026, 9, 1)) == at(2026, 9, 3)


def test_warning_time_and_state():
    clock = Clock(48, ClockUnit.HOURS)
    start = at(2026, 9, 1)
    due = clock.due(start)
    warn = clock.warn_at(start, due)
    assert warn == due - dt.timedelta(hours=12)
    assert sla.state(warn - dt.timedelta(minutes=1), due, warn) == sla.OK
    assert sla.state(warn, due, warn) == sla.WARN
    assert sla.state(due + dt.timedelta(seconds=1), due, warn) == sla.OVERDUE
    day = Clock(5, ClockUnit.WORKING_DAYS)
    due = day.due(start)
    assert day.warn_at(start, due) == timezone.make_aware(
        dt.datetime.combine(timezone.localtime(due).date(), dt.time.min)
    )


def test_a_recurring_deadline_on_a_holiday_moves_to_the_next_working_day():
    every_30 = Recurrence(30)
    # 1 September + 30 days = 1 October, a holiday; 2–7 October too (with the weekend).
    assert every_30.next_due(at(2026, 9, 1)) == sla.end_of_day(dt.date(2026, 10, 8))
    # 10 September + 30 days = Saturday 10 October, a 调休 working day: it stays.
    assert every_30.next_due(at(2026, 9, 10)) == sla.end_of_day(dt.date(2026, 10, 10))
    # An ordinary Saturday moves to Monday.
    assert every_30.next_due(at(2026, 10, 15)) == sla.end_of_day(dt.date(2026, 11, 16))
    # Kept as counted when asked to.
    assert Recurrence(30, on_working_day=False).next_due(at(2026, 9, 1)) == sla.end_of_day(
        dt.date(2026, 10, 1)
    )


def test_recurrence_in_working_days():
    assert Recurrence(2, ClockUnit.WORKING_DAYS).next_due(at(2026, 9, 30)) == sla.end_of_day(
        dt.date(2026, 10, 9)
    )
