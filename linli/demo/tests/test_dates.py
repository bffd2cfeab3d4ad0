"""The demo's requests are dated back from the build day: whatever day ``linli demo`` runs,
last month is nearly all closed and this month looks like that day of a real month.

Each case builds the street for a fixed day (inside a transaction rolled back after it),
so these tests mean the same thing on every calendar day they run.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from linli.accounts.models import User
from linli.demo.builders import build_demo
from linli.demo.builders.workorders import period_start
from linli.workorders.metrics import workorder_metrics
from linli.workorders.models import WorkOrder, WorkOrderEvent
from linli.workorders.workflow import OPEN, Status


def midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@pytest.fixture(
    scope="module",
    params=[
        dt.date(2026, 3, 1),  # the first of a month after a short February
        dt.date(2026, 10, 20),  # just after the National Day holiday
        dt.date(2027, 1, 31),  # the last day of a month after a 31-day month
    ],
    ids=str,
)
def built(request, django_db_setup, django_db_blocker):
    day = request.param
    with django_db_blocker.unblock(), transaction.atomic():
        build_demo(log=lambda line: None, today=day)
        yield day
        transaction.set_rollback(True)


def figures(start: dt.date, end: dt.date, today: dt.date):
    admin = User.objects.get(username="admin")
    [row] = workorder_metrics(
        actor=admin, start=midnight(start), end=midnight(end), now=midnight(today)
    )
    return row


def test_requests_run_from_the_first_of_last_month_to_the_day_before(built, db):
    today = built
    start = period_start(today)
    assert start.day == 1 and (start.month % 12) + 1 == today.month
    days = {
        timezone.localtime(at).date()
        for at in WorkOrder.objects.values_list("created_at", flat=True)
    }
    every_day = {start + dt.timedelta(days=n) for n in range((today - start).days)}
    assert days == every_day  # a request on every day of the period, none today or later
    latest = WorkOrderEvent.objects.order_by("-at").values_list("at", flat=True).first()
    assert latest < midnight(today)


def test_last_month_is_nearly_all_closed(built, db):
    today = built
    row = figures(period_start(today), today.replace(day=1), today)
    assert row.received >= 60
    assert row.closure_rate >= 0.8
    assert row.on_time_rate >= 0.7


def test_this_month_looks_like_that_day_of_a_real_month(built, db):
    today = built
    row = figures(today.replace(day=1), today + dt.timedelta(days=1), today)
    elapsed = today.day - 1  # whole days of this month before the build day
    if elapsed == 0:
        assert row.received == 0  # nothing has come in yet on the first
        return
    assert row.received >= 2 * elapsed
    if elapsed >= 10:
        assert 0.55 <= row.closure_rate <= 0.95


def test_every_state_and_some_overdue_and_escalated_work(built, db):
    today = built
    assert set(WorkOrder.objects.values_list("status", flat=True)) == set(Status.values)
    overdue = WorkOrder.objects.filter(status__in=OPEN, resolve_due__lt=midnight(today))
    assert 0 < overdue.count() < WorkOrder.objects.count() // 3
    assert overdue.filter(escalation_level__gt=0).exists()
    assert WorkOrder.objects.filter(status__in=OPEN).count() < WorkOrder.objects.count() // 5
