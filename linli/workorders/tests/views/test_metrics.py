"""The metrics page and its .xlsx export against figures computed by hand from a fixture
whose every step is a timeline event made through the services."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from linli.testing import english
from linli.workorders import services
from linli.workorders.models import Category, WorkOrderEvent
from linli.workorders.tests.conftest import photo

pytestmark = pytest.mark.django_db

NOV = {"month": "2026-11"}


def at(month, day, hour, minute=0):
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


def walk(wo, order, steps):
    """steps: (name, moment, extra kwargs) in order; each is one service call."""
    gw, prop = wo.grid_a1_worker, wo.property
    for name, moment, extra in steps:
        if name == "verify":
            order = services.workorder_verify(actor=gw, order=order, at=moment)
        elif name == "dispatch":
            order = services.workorder_dispatch(
                actor=gw, order=order, lead_unit=wo.property_co, at=moment
            )
        elif name == "start":
            order = services.workorder_start(actor=prop, order=order, at=moment)
        elif name == "report_back":
            order = services.workorder_report_back(
                actor=prop, order=order, note="done", photos=[photo()], at=moment
            )
        elif name == "check":
            order = services.workorder_check(actor=gw, order=order, passed=True, at=moment)
        elif name == "rework":
            order = services.workorder_check(
                actor=gw, order=order, passed=False, note="again", at=moment
            )
        elif name == "follow_up":
            order = services.workorder_follow_up(actor=gw, order=order, at=moment, **extra)
        elif name == "close":
            order = services.workorder_close(actor=gw, order=order, at=moment)
    return order


def handled(month, day):
    return [
        ("verify", at(month, day, 11), {}),
        ("dispatch", at(month, day, 12), {}),
        ("start", at(month, day, 13), {}),
    ]


@pytest.fixture
def month(wo):
    """Six leak orders (48-hour deadline) in A1; see each comment for its part in November."""
    sat = {"satisfaction": "satisfied"}
    # o1: received Nov 2, closed Nov 3 after 24 h, on time, 满意.
    o1 = walk(
        wo,
        wo.intake(at=at(11, 2, 10)),
        [
            *handled(11, 2),
            ("report_back", at(11, 3, 8), {}),
            ("check", at(11, 3, 9), {}),
            ("follow_up", at(11, 3, 9, 30), sat),
            ("close", at(11, 3, 10), {}),
        ],
    )
    # o2: received Nov 5, reworked once, closed Nov 10 after 120 h (late), 基本满意.
    o2 = walk(
        wo,
        wo.intake(at=at(11, 5, 10)),
        [
            *handled(11, 5),
            ("report_back", at(11, 6, 10), {}),
            ("rework", at(11, 6, 11), {}),
            ("report_back", at(11, 8, 10), {}),
            ("check", at(11, 8, 11), {}),
            ("follow_up", at(11, 9, 10), {"satisfaction": "basically"}),
            ("close", at(11, 10, 10), {}),
        ],
    )
    # o3: received Nov 10, still in progress: overdue now.
    o3 = walk(wo, wo.intake(at=at(11, 10, 10)), handled(11, 10))
    # o4: received Nov 11, merged into o3 (a duplicate).
    o4 = wo.intake(at=at(11, 11, 10))
    o4 = services.workorder_merge(actor=wo.grid_a1_worker, order=o4, into=o3, at=at(11, 11, 11))
    # o5: received Oct 30, checked and rated in October, closed Nov 1 12:00 after 50 h (late).
    o5 = walk(
        wo,
        wo.intake(at=at(10, 30, 10)),
        [
            *handled(10, 30),
            ("report_back", at(10, 31, 8), {}),
            ("check", at(10, 31, 10), {}),
            ("follow_up", at(10, 31, 11), sat),
            ("close", at(11, 1, 12), {}),
        ],
    )
    # o6: received Nov 12, checked Nov 13, resident 不满意 → reopened: overdue now.
    o6 = walk(
        wo,
        wo.intake(at=at(11, 12, 10)),
        [
            *handled(11, 12),
            ("report_back", at(11, 13, 10), {}),
            ("check", at(11, 13, 11), {}),
            ("follow_up", at(11, 13, 12), {"satisfaction": "dissatisfied", "comment": "还在漏"}),
        ],
    )
    assert [o.status for o in (o1, o2, o3, o4, o5, o6)] == [
        "closed",
        "closed",
        "in_progress",
        "merged",
        "closed",
        "in_progress",
    ]
    return wo


# By hand, for November 2026 (see the fixture):
EXPECTED = {
    "received": 5,  # o1 o2 o3 o4 o6
    "closed": 3,  # o1 o2 o5
    "closure_rate": 0.4,  # o1 o2 of the 5 received
    "due": 5,  # due in November: o1 o2 o3 o5 o6 (o4 merged: excluded)
    "closed_on_time": 1,  # o1
    "on_time_rate": 0.2,
    "avg_close_hours": 64.67,  # (24 + 120 + 50) / 3
    "p90_close_hours": 106.0,  # 50 + 0.8 * (120 - 50)
    "checked": 3,  # o1 o2 o6 (o5 was checked in October)
    "reworked": 1,  # o2
    "rework_rate": 0.3333,
    "rated": 3,  # o1 o2 o6
    "satisfied": 2,  # o1 满意, o2 基本满意
    "satisfaction_rate": 0.6667,
    "merged": 1,
    "duplicate_rate": 0.2,
    "overdue_now": 2,  # o3 o6
}
SHOWN = {
    "received": "5",
    "closed": "3",
    "closure_rate": "40.0%",
    "on_time_rate": "20.0%",
    "avg_close_hours": "64.7",
    "p90_close_hours": "106.0",
    "rework_rate": "33.3%",
    "satisfaction_rate": "66.7%",
    "duplicate_rate": "20.0%",
    "overdue_now": "2",
}


def test_hand_figures_agree_with_the_timeline(month):
    """The hand figures are what the timeline events say (an independent count)."""
    nov = WorkOrderEvent.objects.filter(at__gte=at(11, 1, 0), at__lt=at(12, 1, 0))
    assert nov.filter(verb="accept").count() == EXPECTED["received"]
    assert nov.filter(verb="close").count() == EXPECTED["closed"]
    assert nov.filter(verb="merge").count() == EXPECTED["merged"]
    checked = nov.filter(verb__in=["check", "rework"]).values("order_id").distinct().count()
    assert checked == EXPECTED["checked"]
    assert nov.filter(verb__in=["follow_up", "reopen"]).count() == EXPECTED["rated"]
    assert nov.filter(verb="follow_up").count() == EXPECTED["satisfied"]


def test_metrics_page_shows_the_hand_figures(month, login):
    r = english(login(month.admin)).get(reverse("workorders:metrics"), NOV)
    assert r.status_code == 200
    text = r.content.decode()
    for metric, shown in SHOWN.items():
        assert f'data-metric="{metric}">{shown}<' in text, metric
    assert "echarts" not in text  # no chart for a single total row


def test_metrics_grouped_by_grid_and_category_with_chart(month, login):
    c = login(month.admin)
    r = english(c).get(reverse("workorders:metrics"), {**NOV, "group": "grid"})
    text = r.content.decode()
    assert "三宝第一网格" in text
    assert "vendor/echarts/echarts.min.js" in text and "cdn" not in text.lower()
    assert 'id="wo-chart-data"' in text
    r = english(c).get(reverse("workorders:metrics"), {**NOV, "group": "neighbourhood"})
    assert "三宝居民区" in r.content.decode()
    r = english(c).get(reverse("workorders:metrics"), {**NOV, "group": "category"})
    assert "房屋漏水" in r.content.decode()


def test_export_has_the_same_figures(month, login):
    r = english(login(month.admin)).get(reverse("workorders:metrics_export"), NOV)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows[3]
    total = next(row for row in rows[4:] if row[0] == "Total")
    got = dict(zip(header[1:], total[1:], strict=True))
    assert got["Received"] == EXPECTED["received"]
    assert got["Closed"] == EXPECTED["closed"]
    assert got["Closure rate"] == pytest.approx(EXPECTED["closure_rate"])
    assert got["Due in period"] == EXPECTED["due"]
    assert got["Closed on time"] == EXPECTED["closed_on_time"]
    assert got["On-time closure rate"] == pytest.approx(EXPECTED["on_time_rate"])
    assert got["Average hours to close"] == pytest.approx(EXPECTED["avg_close_hours"], abs=0.01)
    assert got["P90 hours to close"] == pytest.approx(EXPECTED["p90_close_hours"], abs=0.01)
    assert got["Checked"] == EXPECTED["checked"]
    assert got["Reworked"] == EXPECTED["reworked"]
    assert got["Rework rate"] == pytest.approx(EXPECTED["rework_rate"], abs=1e-4)
    assert got["Rated"] == EXPECTED["rated"]
    assert got["Satisfied"] == EXPECTED["satisfied"]
    assert got["Satisfaction rate"] == pytest.approx(EXPECTED["satisfaction_rate"], abs=1e-4)
    assert got["Merged duplicates"] == EXPECTED["merged"]
    assert got["Duplicate rate"] == pytest.approx(EXPECTED["duplicate_rate"])
    assert got["Overdue now"] == EXPECTED["overdue_now"]


def test_october_is_counted_apart(month, login):
    r = english(login(month.admin)).get(reverse("workorders:metrics"), {"month": "2026-10"})
    text = r.content.decode()
    # Received o5 on Oct 30; nothing closed in October.
    assert 'data-metric="received">1<' in text and 'data-metric="closed">0<' in text


def test_date_range_and_bad_period(month, login):
    c = login(month.admin)
    r = english(c).get(reverse("workorders:metrics"), {"start": "2026-11-02", "end": "2026-11-05"})
    assert 'data-metric="received">2<' in r.content.decode()  # o1, o2
    r = english(c).get(reverse("workorders:metrics"), {"start": "2026-11-05"})
    assert r.status_code == 400
    assert b"Give both the start and the end date, or a month." in r.content
    r = english(c).get(reverse("workorders:metrics"), {"month": "November"})
    assert r.status_code == 400 and b"Enter a month as YYYY-MM." in r.content


def test_metrics_scope(month, login):
    # The cadre of A sees the same figures; the grid worker of B1 sees none of A1's.
    r = english(login(month.cadre)).get(reverse("workorders:metrics"), NOV)
    assert 'data-metric="received">5<' in r.content.decode()
    r = english(login(month.grid_b1_worker)).get(reverse("workorders:metrics"), NOV)
    assert 'data-metric="received">0<' in r.content.decode()
    r = english(login(month.other_admin)).get(reverse("workorders:metrics_export"), NOV)
    ws = load_workbook(io.BytesIO(r.content)).active
    total = next(row for row in ws.iter_rows(values_only=True) if row and row[0] == "Total")
    assert total[1] == 0
    for user in (month.property, month.resident_user, month.nobody):
        assert login(user).get(reverse("workorders:metrics")).status_code == 404
        assert login(user).get(reverse("workorders:metrics_export")).status_code == 404


def test_export_neutralises_formula_like_labels(month, login):
    evil = Category.objects.create(street=month.street, code="evil", name="=HYPERLINK(1)")
    services.workorder_intake(
        actor=month.grid_a1_worker,
        channel="desk",
        category=evil,
        description="x",
        dwelling=month.hh_a1.dwelling,
        reporter_resident=month.zhou,
        at=at(11, 20, 10),
    )
    r = english(login(month.admin)).get(
        reverse("workorders:metrics_export"), {**NOV, "group": "category"}
    )
    ws = load_workbook(io.BytesIO(r.content)).active
    labels = [row[0] for row in ws.iter_rows(values_only=True) if row]
    assert "'=HYPERLINK(1)" in labels
    assert not any(isinstance(v, str) and v.startswith("=") for v in labels)
