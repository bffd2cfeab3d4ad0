"""综合评价 figures against a hand-computed November 2026 (see the table in each assertion).

Orders (房屋漏水: 48 clock hours to resolve):
  o1 A1  accepted 02 09:00, closed 03 09:00 (24 h, on time), 满意
  o2 A1  accepted 05 10:00, one rework, closed 09 10:00 (96 h, late: due 07 10:00), 基本满意
  o3 A1  accepted 10 10:00, still in progress → overdue now
  o4 A1  accepted 11 10:00, merged into o3 (a duplicate)
  o5 A1  accepted 20 Oct, checked in Oct, 不满意 on 01 Nov → reworked, checked and
         满意 02 Nov, closed 02 Nov 10:00 (312 h; received in October)
  o6 B1  accepted 15 10:00, handled in-house, closed 16 10:00 (24 h, on time), 满意
"""

import datetime as dt

import pytest
from django.utils import timezone

from linli.workorders import services
from linli.workorders.metrics import percentile
from linli.workorders.selectors import workorder_metrics
from linli.workorders.tests.conftest import photo

pytestmark = pytest.mark.django_db


def t(month, day, hour=10):
    return timezone.make_aware(dt.datetime(2026, month, day, hour, 0))


START, END, NOW = t(11, 1, 0), t(12, 1, 0), t(12, 1, 0)


def step(w, order, verb, at, staff=None, handler=None, **kw):
    staff = staff or w.grid_a1_worker
    handler = handler or w.property
    calls = {
        "verify": lambda: services.workorder_verify(actor=staff, order=order, at=at),
        "dispatch": lambda: services.workorder_dispatch(
            actor=staff, order=order, at=at, **(kw or {"lead_unit": w.property_co})
        ),
        "start": lambda: services.workorder_start(actor=handler, order=order, at=at),
        "report_back": lambda: services.workorder_report_back(
            actor=handler, order=order, note="ok", photos=[photo()], at=at
        ),
        "check": lambda: services.workorder_check(actor=staff, order=order, passed=True, at=at),
        "rework": lambda: services.workorder_check(
            actor=staff, order=order, passed=False, note="未修好", at=at
        ),
        "rate": lambda: services.workorder_follow_up(
            actor=staff, order=order, comment="不行", at=at, **kw
        ),
        "close": lambda: services.workorder_close(actor=staff, order=order, at=at),
    }
    return calls[verb]()


@pytest.fixture
def november(wo):
    w = wo

    def done(order, times, satisfaction="satisfied", **kw):
        for verb, at in zip(
            ["verify", "dispatch", "start", "report_back", "check"], times, strict=False
        ):
            order = step(w, order, verb, at, **kw)
        return order

    o1 = done(w.intake(at=t(11, 2, 9)), [t(11, 2, 10)] * 4 + [t(11, 2, 15)])
    o1 = step(w, o1, "rate", t(11, 2, 16), satisfaction="satisfied")
    step(w, o1, "close", t(11, 3, 9))

    o2 = done(w.intake(at=t(11, 5)), [t(11, 5, 11)] * 4)
    o2 = step(w, o2, "rework", t(11, 6))
    o2 = step(w, o2, "report_back", t(11, 7, 9))
    o2 = step(w, o2, "check", t(11, 8))
    o2 = step(w, o2, "rate", t(11, 8, 12), satisfaction="basically")
    step(w, o2, "close", t(11, 9))

    o3 = done(w.intake(at=t(11, 10)), [t(11, 10, 11)] * 3)
    o4 = w.intake(at=t(11, 11), description="同一处漏水")
    services.workorder_merge(actor=w.grid_a1_worker, order=o4, into=o3, at=t(11, 11, 11))

    o5 = done(w.intake(at=t(10, 20)), [t(10, 21)] * 4 + [t(10, 25)])
    o5 = step(w, o5, "rate", t(11, 1), satisfaction="dissatisfied")
    o5 = step(w, o5, "report_back", t(11, 1, 12))
    o5 = step(w, o5, "check", t(11, 1, 15))
    o5 = step(w, o5, "rate", t(11, 2, 9), satisfaction="satisfied")
    step(w, o5, "close", t(11, 2, 10))

    b1 = dict(staff=w.grid_b1_worker, handler=w.grid_b1_worker)
    o6 = w.intake(
        actor=w.grid_b1_worker, dwelling=w.hh_b1.dwelling, reporter_resident=w.zhao, at=t(11, 15)
    )
    o6 = step(w, o6, "verify", t(11, 15, 11), **b1)
    o6 = step(w, o6, "dispatch", t(11, 15, 11), in_house=True, **b1)
    for verb in ("start", "report_back", "check"):
        o6 = step(w, o6, verb, t(11, 15, 12), **b1)
    o6 = step(w, o6, "rate", t(11, 15, 14), satisfaction="satisfied", **b1)
    step(w, o6, "close", t(11, 16), **b1)
    return w


def test_street_totals(november):
    (row,) = workorder_metrics(actor=november.admin, start=START, end=END, now=NOW)
    assert (row.received, row.closed, row.closed_of_received) == (5, 4, 3)
    assert row.closure_rate == 0.6
    assert (row.due, row.closed_on_time, row.on_time_rate) == (4, 2, 0.5)
    assert row.avg_close_hours == 114.0  # (24 + 96 + 312 + 24) / 4
    assert row.p90_close_hours == 247.2  # 96 + (312 - 96) * 0.7
    assert (row.checked, row.reworked, row.rework_rate) == (4, 1, 0.25)
    assert (row.rated, row.satisfied, row.satisfaction_rate) == (5, 4, 0.8)
    assert (row.merged, row.duplicate_rate) == (1, 0.2)
    assert row.overdue_now == 1


def test_by_grid_and_by_neighbourhood(november):
    rows = {r.label: r for r in workorder_metrics(
        actor=november.admin, start=START, end=END, now=NOW, group_by="grid"
    )}  # fmt: skip
    a1, b1 = rows["三宝第一网格"], rows["榆兰第二责任区"]
    assert (a1.received, a1.closed, a1.due, a1.closed_on_time) == (4, 3, 3, 1)
    assert (b1.received, b1.closed, b1.due, b1.closed_on_time) == (1, 1, 1, 1)
    assert (a1.avg_close_hours, b1.avg_close_hours) == (144.0, 24.0)
    nbh = {r.label: r for r in workorder_metrics(
        actor=november.admin, start=START, end=END, now=NOW, group_by="neighbourhood"
    )}  # fmt: skip
    assert nbh["三宝居民区"].received == 4 and nbh["榆兰居民区"].received == 1
    assert nbh["三宝居民区"].p90_close_hours == round(percentile([24, 96, 312], 0.9), 2)


def test_by_unit_and_category(november):
    units = {r.key: r for r in workorder_metrics(
        actor=november.admin, start=START, end=END, now=NOW, group_by="unit"
    )}  # fmt: skip
    assert units[november.property_co.pk].closed == 3
    assert units[None].closed == 1  # in-house (o6)
    cats = workorder_metrics(
        actor=november.admin, start=START, end=END, now=NOW, group_by="category"
    )
    assert [(r.label, r.received) for r in cats] == [("房屋漏水", 5)]


def test_scope_limits_the_figures(november):
    (b1,) = workorder_metrics(actor=november.grid_b1_worker, start=START, end=END, now=NOW)
    assert (b1.received, b1.closed) == (1, 1)
    (cadre,) = workorder_metrics(actor=november.cadre, start=START, end=END, now=NOW)
    assert cadre.received == 4
    for outsider in (november.property, november.resident_user, november.other_admin):
        (row,) = workorder_metrics(actor=outsider, start=START, end=END, now=NOW)
        assert row.received == 0 and row.closed == 0


def test_node_filter(november):
    (row,) = workorder_metrics(
        actor=november.admin, start=START, end=END, now=NOW, node=november.grid_b1
    )
    assert row.received == 1


def test_empty_period_has_no_rates(november):
    (row,) = workorder_metrics(actor=november.admin, start=t(1, 1), end=t(2, 1), now=NOW)
    assert row.received == 0 and row.closure_rate is None and row.avg_close_hours is None


def test_percentile_matches_linear_interpolation():
    assert percentile([], 0.9) is None
    assert percentile([5], 0.9) == 5
    assert percentile([0, 10], 0.5) == 5
