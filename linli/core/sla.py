"""The deadline clock: deadlines in Chinese working days (工作日), calendar days or clock
hours, their warning time and state, and recurring deadlines ("every 30 days").

Working days follow the official State Council calendar through the
``chinese_calendar`` package: public holidays are off, and 调休 weekend days
that are declared working days count as working days (e.g. Saturday
2026-02-14 and 2026-02-28 around the 2026 Spring Festival).

Contract of ``add_working_days(start, n)``: the clock starts on the first
working day *after* the day of ``start`` (a request received on Friday
evening or on a holiday is not charged for that day) and the deadline is the
end of the n-th working day, i.e. 23:59:59 local time (``TIME_ZONE``,
Asia/Shanghai). ``n = 0`` means "by the end of the day it arrived".

``chinese_calendar`` only knows the years the State Council has published.
For a later year the fallback is Monday–Friday without holidays, which errs
on the side of a shorter deadline (the operator docs say to upgrade the package
each December, when the next year is published).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClockUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    DAYS = "days", _("calendar days")
    HOURS = "hours", _("clock hours")


END_OF_DAY = dt.time(23, 59, 59)


@lru_cache(maxsize=4096)
def is_working_day(day: dt.date) -> bool:
    """Official working day: holidays are off, 调休 weekend working days are on."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # Year not published yet: Monday to Friday (see module docstring).
        return day.weekday() < 5


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, END_OF_DAY))


def add_working_days_to_date(day: dt.date, n: int) -> dt.date:
    """The n-th working day after ``day`` (``day`` itself when n == 0)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    current = day
    remaining = n
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def add_working_days(start: dt.datetime, n: int) -> dt.datetime:
    """Deadline n working days after ``start``: the end of that day, local time."""
    return end_of_day(add_working_days_to_date(local_date(start), n))


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def deadline(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """When a clock of ``amount`` ``unit`` (ClockUnit) started at ``start`` runs out.

    Calendar days end at the end of the n-th day after the start's day."""
    if unit == ClockUnit.HOURS:
        return start + dt.timedelta(hours=amount)
    if unit == ClockUnit.WORKING_DAYS:
        return add_working_days(start, amount)
    if unit == ClockUnit.DAYS:
        return end_of_day(local_date(start) + dt.timedelta(days=amount))
    raise ValueError(f"unknown clock unit {unit!r}")


def warning_time(start: dt.datetime, due: dt.datetime, unit: str) -> dt.datetime:
    """When to warn that ``due`` is near.

    Hours: a quarter of the allowed time before the deadline (at least 30 minutes).
    Days: the start of the last day (00:00 local of the due date), or ``start`` itself
    when the whole allowance is that one day.
    """
    if unit == ClockUnit.HOURS:
        lead = max((due - start) / 4, dt.timedelta(minutes=30))
        return max(start, due - lead)
    day_start = timezone.make_aware(dt.datetime.combine(local_date(due), dt.time.min))
    return max(start, day_start)


OK, WARN, OVERDUE = "ok", "warn", "overdue"


@dataclass(frozen=True)
class Clock:
    """A deadline rule: ``amount`` of ``unit`` from a start (a category's 5 working days)."""

    amount: int
    unit: str

    def due(self, start: dt.datetime) -> dt.datetime:
        return deadline(start, self.amount, self.unit)

    def warn_at(self, start: dt.datetime, due: dt.datetime | None = None) -> dt.datetime:
        return warning_time(start, due or self.due(start), self.unit)


def state(now: dt.datetime, due: dt.datetime, warn_at: dt.datetime | None = None) -> str:
    """``overdue`` past the deadline, ``warn`` from the warning time, else ``ok``."""
    if now > due:
        return OVERDUE
    if warn_at is not None and now >= warn_at:
        return WARN
    return OK


@dataclass(frozen=True)
class Recurrence:
    """A deadline that comes back: "visit this household every 30 days".

    The next deadline counts ``every`` ``unit`` from the last time it was met (or from
    the start of the rule). With ``on_working_day`` a calendar-day deadline that falls on
    a holiday or weekend moves to the next working day (调休 weekend working days count).
    """

    every: int
    unit: str = ClockUnit.DAYS
    on_working_day: bool = True

    def next_due(self, last: dt.datetime) -> dt.datetime:
        due = deadline(last, self.every, self.unit)
        if self.on_working_day and self.unit == ClockUnit.DAYS:
            due = end_of_day(next_working_day(local_date(due)))
        return due
