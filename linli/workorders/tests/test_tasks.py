"""The deadline sweep: warns, marks overdue, escalates; running it twice changes nothing more."""

import datetime as dt

import pytest

from linli.core import jobs
from linli.core.models import Notification
from linli.workorders import services
from linli.workorders.models import WorkOrder, WorkOrderEvent
from linli.workorders.tasks import sweep
from linli.workorders.tests.conftest import T0, advance
from linli.workorders.workflow import Level

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def state(order):
    o = WorkOrder.objects.get(pk=order.pk)
    return o.warned_at, o.overdue_at, o.escalation_level


def test_warn_then_overdue_then_escalate_once(wo, outbox):
    order = wo.intake()  # 房屋漏水: 48 clock hours, warn 12 h before
    assert order.warn_at == T0 + 36 * H

    assert sweep(T0 + 35 * H) == {"warned": 0, "overdue": 0, "escalated": 0}
    assert sweep(T0 + 37 * H) == {"warned": 1, "overdue": 0, "escalated": 0}
    assert [m.kind for m in outbox] == ["workorder.due_soon"]
    assert outbox[0].user_id == wo.grid_a1_worker.pk
    assert sweep(T0 + 38 * H) == {"warned": 0, "overdue": 0, "escalated": 0}

    result = sweep(T0 + 49 * H)
    assert result == {"warned": 0, "overdue": 1, "escalated": 1}
    assert state(order) == (T0 + 37 * H, T0 + 49 * H, Level.NEIGHBOURHOOD)
    overdue_to = {m.user_id for m in outbox if m.kind == "workorder.overdue"}
    assert overdue_to == {wo.grid_a1_worker.pk, wo.cadre.pk}
    event = WorkOrderEvent.objects.get(order=order, verb="escalate")
    assert event.actor is None and event.data["auto"] is True

    # Running again (even much later) changes nothing and tells nobody again.
    before = (
        state(order),
        WorkOrderEvent.objects.count(),
        Notification.objects.count(),
        len(outbox),
    )
    assert sweep(T0 + 50 * H) == {"warned": 0, "overdue": 0, "escalated": 0}
    assert sweep(T0 + 50 * H) == {"warned": 0, "overdue": 0, "escalated": 0}
    after = (
        state(order),
        WorkOrderEvent.objects.count(),
        Notification.objects.count(),
        len(outbox),
    )
    assert after == before


def test_sweep_skips_finished_and_merged_orders(wo):
    done = advance(wo, wo.intake(), "checked")  # work done: the clock no longer runs
    closed = advance(wo, wo.intake(), "closed")
    rejected = services.workorder_reject(actor=wo.grid_a1_worker, order=wo.intake(), reason="无效")
    assert sweep(T0 + 100 * H) == {"warned": 0, "overdue": 0, "escalated": 0}
    for order in (done, closed, rejected):
        assert state(order) == (None, None, Level.GRID)


def test_categories_without_auto_escalation_are_only_marked(wo):
    cat = wo.cats["leak"]
    cat.auto_escalate = False
    cat.save()
    order = wo.intake()
    assert sweep(T0 + 49 * H)["escalated"] == 0
    assert state(order)[1:] == (T0 + 49 * H, Level.GRID)


def test_already_escalated_orders_are_not_escalated_again(wo):
    order = wo.intake()
    services.workorder_escalate(actor=wo.grid_a1_worker, order=order, reason="先上报")
    assert sweep(T0 + 49 * H) == {"warned": 0, "overdue": 1, "escalated": 0}
    assert state(order)[2] == Level.NEIGHBOURHOOD


def test_extension_restarts_the_watch(wo):
    order = wo.intake()
    sweep(T0 + 49 * H)
    services.workorder_extend(
        actor=wo.cadre, order=order, amount=24, reason="等配件", at=T0 + 50 * H
    )
    assert state(order) == (None, None, Level.NEIGHBOURHOOD)
    assert sweep(T0 + 51 * H)["overdue"] == 0
    assert sweep(T0 + 75 * H)["overdue"] == 1


def test_the_scheduled_job_runs_the_sweep(wo):
    wo.intake(at=T0 - dt.timedelta(days=30))
    run = jobs.run_now("workorders.sweep")
    assert run.ok and run.counts["overdue"] == 1


def test_an_order_overdue_before_its_category_escalated_is_escalated_by_a_later_run(wo):
    cat = wo.cats["leak"]
    cat.auto_escalate = False
    cat.save()
    order = wo.intake()
    assert sweep(T0 + 49 * H) == {"warned": 0, "overdue": 1, "escalated": 0}
    cat.auto_escalate = True
    cat.save()
    assert sweep(T0 + 50 * H) == {"warned": 0, "overdue": 0, "escalated": 1}
    assert state(order) == (None, T0 + 49 * H, Level.NEIGHBOURHOOD)
    event = WorkOrderEvent.objects.get(order=order, verb="escalate")
    assert (event.at, event.grid_id, event.category_id) == (T0 + 50 * H, order.grid_id, cat.pk)
    assert sweep(T0 + 51 * H) == {"warned": 0, "overdue": 0, "escalated": 0}


def test_finished_orders_are_not_sweep_candidates(wo):
    """Closed orders never warned nor marked overdue stay unmarked, however late it is."""
    closed = advance(wo, wo.intake(), "closed")
    for _ in range(2):
        assert sweep(T0 + 1000 * H) == {"warned": 0, "overdue": 0, "escalated": 0}
    assert state(closed) == (None, None, Level.GRID)
