"""The figures agree with the timeline events they are defined by.

``workorder_metrics`` reads order rows (created_at, closed_at, status) for received,
closed and the paired figures, and the events' copies of their order's grid and
category for grouping. Here every figure is recomputed the slow, literal way: from the
WorkOrderEvent rows themselves, each joined to its order in Python, and compared for
every grouping and for scoped actors.
"""

import datetime as dt
from collections import defaultdict

import pytest
from django.utils import timezone

from linli.workorders import services
from linli.workorders.metrics import percentile
from linli.workorders.models import WorkOrder, WorkOrderEvent
from linli.workorders.selectors import workorder_metrics
from linli.workorders.tasks import sweep
from linli.workorders.tests.conftest import photo
from linli.workorders.tests.selectors.test_metrics import (
    END,
    NOW,
    START,
    november,  # noqa: F401 (fixture)
    step,
    t,
)
from linli.workorders.workflow import OPEN, Status

pytestmark = pytest.mark.django_db

FIGURES = ("received", "closed", "closed_of_received", "due", "closed_on_time", "checked",
           "reworked", "rated", "satisfied", "merged", "overdue_now", "extensions",
           "escalations", "avg_close_hours", "p90_close_hours")  # fmt: skip


@pytest.fixture
def busy(november):  # noqa: F811 (the fixture imported above)
    """November (see test_metrics) plus extensions, escalations by hand and by the sweep,
    a rejection, a second category, and orders closed just outside the period."""
    w = november
    o7 = w.intake(category="water_electric", description="水管爆了", at=t(11, 3))
    o7 = services.workorder_extend(actor=w.cadre, order=o7, amount=2, reason="等配件", at=t(11, 4))
    o7 = services.workorder_escalate(actor=w.grid_a1_worker, order=o7, reason="急", at=t(11, 5))
    o8 = w.intake(at=t(11, 6))  # 48 clock hours: the sweep escalates it
    sweep(t(11, 9))
    o8 = WorkOrder.objects.get(pk=o8.pk)
    o9 = w.intake(at=t(10, 30))  # received in October, closed in December
    for verb, at in [("verify", t(11, 28)), ("dispatch", t(11, 28)), ("start", t(11, 28)),
                     ("report_back", t(11, 29)), ("check", t(11, 30))]:  # fmt: skip
        o9 = step(w, o9, verb, at)
    o9 = step(w, o9, "rate", t(11, 30, 12), satisfaction="satisfied")
    step(w, o9, "close", t(12, 1, 9))
    o10 = w.intake(category="water_electric", at=t(11, 12))
    services.workorder_reject(actor=w.grid_a1_worker, order=o10, reason="无效", at=t(11, 12, 11))
    o11 = w.intake(at=t(11, 20))
    for verb in ("verify", "dispatch", "start"):
        o11 = step(w, o11, verb, t(11, 20, 11))
    o11 = services.workorder_report_back(
        actor=w.property, order=o11, note="ok", photos=[photo()], at=t(11, 21)
    )
    step(w, o11, "rework", t(11, 22))
    return w


def from_events(start, end, now, *, key=None, actor_grids=None):
    """Every figure straight from the events, joined to their orders in Python."""
    orders = {o.pk: o for o in WorkOrder.objects.select_related("grid")}
    events = list(WorkOrderEvent.objects.order_by("at", "id"))
    accept = {e.order_id: e.at for e in events if e.verb == "accept"}
    close = {e.order_id: e.at for e in events if e.verb == "close"}

    def visible(order):
        return actor_grids is None or order.grid_id in actor_grids

    def group(order):
        return getattr(order, key) if key else None

    out = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    checked, reworked, durations = defaultdict(set), defaultdict(set), defaultdict(list)
    count = {"accept": ["received"], "close": ["closed"], "follow_up": ["rated", "satisfied"],
             "reopen": ["rated"], "merge": ["merged"], "extend": ["extensions"],
             "escalate": ["escalations"]}  # fmt: skip
    for e in events:
        order = orders[e.order_id]
        if not (start <= e.at < end) or not visible(order):
            continue
        g = group(order)
        for figure in count.get(e.verb, []):
            out[g][figure] += 1
        if e.verb in ("check", "rework"):
            checked[g].add(e.order_id)
        if e.verb == "rework":
            reworked[g].add(e.order_id)
        if e.verb == "close":
            durations[g].append((e.at - accept[e.order_id]).total_seconds() / 3600)
    for order in orders.values():
        if not visible(order):
            continue
        g = group(order)
        if start <= accept[order.pk] < end and order.pk in close:
            out[g]["closed_of_received"] += 1
        terminated = order.status in (Status.REJECTED, Status.MERGED, Status.WITHDRAWN)
        if start <= order.resolve_due < end and not terminated:
            out[g]["due"] += 1
            if order.pk in close and close[order.pk] <= order.resolve_due:
                out[g]["closed_on_time"] += 1
        if order.status in OPEN and order.resolve_due < now:
            out[g]["overdue_now"] += 1
    for g in checked:
        out[g]["checked"], out[g]["reworked"] = len(checked[g]), len(reworked[g])
    for g, values in durations.items():
        out[g]["avg_close_hours"] = round(sum(values) / len(values), 2)
        out[g]["p90_close_hours"] = round(percentile(values, 0.9), 2)
    return {g: {k: (v or None) if k.endswith("hours") else v for k, v in figures.items()}
            for g, figures in out.items() if any(figures.values())}  # fmt: skip


def empty():
    return {f: None if f.endswith("hours") else 0 for f in FIGURES}


def by_key(rows):
    return {r.key: {f: getattr(r, f) for f in FIGURES} for r in rows}


@pytest.mark.parametrize(
    "group_by,attr",
    [(None, None), ("grid", "grid_id"), ("category", "category_id"), ("unit", "lead_unit_id")],
)
def test_every_grouping_agrees_with_the_events(busy, group_by, attr):
    for start, end in [(START, END), (t(10, 1, 0), t(12, 2, 0)), (t(11, 9, 0), t(11, 10, 0))]:
        got = by_key(
            workorder_metrics(actor=busy.admin, start=start, end=end, now=NOW, group_by=group_by)
        )
        expected = from_events(start, end, NOW, key=attr)
        if group_by is None:  # the one row is there even for an empty period
            expected = {None: expected.get(None, empty())}
        assert got == expected, (group_by, start, end)


def test_the_busy_month_has_every_kind_of_figure(busy):
    (row,) = workorder_metrics(actor=busy.admin, start=START, end=END, now=NOW)
    assert row.extensions == 1 and row.escalations == 2 and row.merged == 1
    assert row.reworked == 2 and row.rated == 6 and row.overdue_now > 0


def test_a_grid_workers_figures_agree_with_their_grids_events(busy):
    (row,) = workorder_metrics(actor=busy.grid_a1_worker, start=START, end=END, now=NOW)
    expected = from_events(START, END, NOW, actor_grids={busy.grid_a1.pk})
    assert {f: getattr(row, f) for f in FIGURES} == expected.get(None, empty())
    assert (
        row.received
        < workorder_metrics(actor=busy.admin, start=START, end=END, now=NOW)[0].received
    )


def test_neighbourhood_rows_sum_their_grids(busy):
    grids = workorder_metrics(actor=busy.admin, start=START, end=END, now=NOW, group_by="grid")
    nbh = workorder_metrics(
        actor=busy.admin, start=START, end=END, now=NOW, group_by="neighbourhood"
    )
    assert sum(r.received for r in nbh) == sum(r.received for r in grids)
    assert sum(r.checked for r in nbh) == sum(r.checked for r in grids)


def test_events_carry_their_orders_grid_and_category(busy):
    pairs = WorkOrderEvent.objects.values_list(
        "grid_id", "order__grid_id", "category_id", "order__category_id"
    )
    assert pairs and all(g == og and c == oc for g, og, c, oc in pairs)


def test_period_edges_count_once(busy):
    """An event exactly at the period's start counts; one exactly at its end does not."""
    edge = timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))  # o1's acceptance
    (at_start,) = workorder_metrics(actor=busy.admin, start=edge, end=END, now=NOW)
    (at_end,) = workorder_metrics(actor=busy.admin, start=START, end=edge, now=NOW)
    assert (
        at_start.received + at_end.received
        == workorder_metrics(actor=busy.admin, start=START, end=END, now=NOW)[0].received
    )
