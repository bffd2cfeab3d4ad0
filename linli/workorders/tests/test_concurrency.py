"""Real races on PostgreSQL: two transactions act on the same order at the same moment.

The first transaction takes the row lock and holds it until the second is seen
waiting for that lock (``pg_stat_activity``); then the first commits. Exactly one wins;
the loser gets the workflow's 409, not a 500 and not a double transition.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from linli.core.errors import IllegalTransition
from linli.workorders import services
from linli.workorders.models import Channel, WorkOrder, WorkOrderEvent, WorkOrderUnit
from linli.workorders.tests.conftest import advance

pytestmark = [
    pytest.mark.race,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # SQLite locks the whole database, so there is no row-lock race to provoke; CI's
    # PostgreSQL pass (make test with LINLI_DATABASE_URL) runs these.
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks (CI's second pass)"
    ),
]


def _someone_waits_for_a_lock(timeout=10.0) -> None:
    """Block until another backend waits on a lock (no fixed sleeps: poll pg_stat_activity)."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cur:
        while time.monotonic() < deadline:
            cur.execute("SELECT pg_stat_clear_snapshot()")  # statistics are cached per transaction
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cur.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the second transaction never waited for the lock")


def race(first, second):
    """Run ``first`` holding its transaction open until ``second`` waits on its lock."""
    results: dict = {}
    first_done = threading.Event()
    second_started = threading.Event()

    def run_first():
        try:
            with transaction.atomic():
                results["first"] = first()
                second_started.wait(10)
                _someone_waits_for_a_lock()
        except Exception as exc:  # reported to the test below
            results["first"] = exc
        finally:
            first_done.set()
            connections.close_all()

    def run_second():
        try:
            second_started.set()
            results["second"] = second()
        except Exception as exc:
            results["second"] = exc
        finally:
            connections.close_all()

    t1 = threading.Thread(target=run_first)
    t1.start()
    # Start the second only once the first holds the lock (it has run its service call).
    while "first" not in results and t1.is_alive():
        time.sleep(0.005)
    t2 = threading.Thread(target=run_second)
    t2.start()
    t1.join(20)
    t2.join(20)
    return results["first"], results["second"]


def test_two_units_start_the_same_order_at_once(wo):
    order = advance(wo, wo.intake(), "dispatched")
    first, second = race(
        lambda: services.workorder_start(actor=wo.property, order=order),
        lambda: services.workorder_start(actor=wo.property, order=order),
    )
    assert isinstance(first, WorkOrder) and first.status == "in_progress"
    assert isinstance(second, IllegalTransition)
    assert WorkOrderEvent.objects.filter(order=order, verb="start").count() == 1


def test_two_dispatchers_at_once_leave_one_lead_unit(wo):
    order = advance(wo, wo.intake(), "verified")
    first, second = race(
        lambda: services.workorder_dispatch(actor=wo.grid_a1_worker, order=order, lead_unit=wo.property_co),
        lambda: services.workorder_dispatch(actor=wo.cadre, order=order, lead_unit=wo.municipal),
    )  # fmt: skip
    assert isinstance(first, WorkOrder) and isinstance(second, IllegalTransition)
    assert list(WorkOrderUnit.objects.filter(order=order).values_list("unit_id", flat=True)) == [
        wo.property_co.pk
    ]
    assert WorkOrder.objects.get(pk=order.pk).lead_unit == wo.property_co


def test_concurrent_intakes_get_distinct_numbers(wo):
    wo.intake()  # the counter row exists
    first, second = race(
        lambda: wo.intake(channel=Channel.HOTLINE),
        lambda: wo.intake(channel=Channel.HOTLINE),
    )
    assert {first.number, second.number} == {"WO-2026-000002", "WO-2026-000003"}
