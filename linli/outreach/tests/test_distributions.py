"""Distributions: setting up, editing, starting and closing, the visits at the door and
every refusal (nothing saved), coverage counted against the fixtures."""

from __future__ import annotations

import pytest
from django.http import Http404

from linli.core.errors import Conflict, IllegalTransition, InvalidInput
from linli.core.models import Notification
from linli.outreach import selectors, services
from linli.outreach.models import (
    Distribution,
    DistributionEvent,
    DistributionStatus,
    Item,
    Outcome,
    Visit,
)
from linli.registry import counting
from linli.registry.models import Household
from linli.testing.world import household

from .conftest import DAY, HOUR, T0, TODAY, hand

pytestmark = pytest.mark.django_db


def test_a_neighbourhood_is_stored_as_its_grids_and_started_at_once(
    out, django_capture_on_commit_callbacks
):
    w = out
    d = w.blankets
    assert d.status == DistributionStatus.RUNNING and d.opened_at == T0
    assert sorted(d.areas.values_list("grid_id", flat=True)) == [w.grid_a1.pk, w.grid_a2.pk]
    assert [e.verb for e in DistributionEvent.objects.filter(distribution=d)] == ["create", "open"]
    with django_capture_on_commit_callbacks(execute=True):
        services.distribution_create(
            actor=w.cadre, item=Item.BOOKLET, name="读本", starts_on=TODAY, ends_on=TODAY,
            nodes=[w.nbh_a], open_now=True, at=T0,
        )  # fmt: skip
    told = set(
        Notification.objects.filter(kind="outreach.opened").values_list("user_id", flat=True)
    )
    assert told == {w.grid_a1_worker.pk}


def test_setting_up_refuses_bad_input_and_saves_nothing(out):
    w = out
    base = {"actor": w.cadre, "item": Item.BOOKLET, "name": "读本", "starts_on": TODAY,
            "ends_on": TODAY + DAY, "nodes": [w.grid_a1], "at": T0}  # fmt: skip
    cases = [
        ({"item": "bomb"}, "item"),
        ({"item": Item.OTHER}, "item_name"),
        ({"name": "  "}, "name"),
        ({"ends_on": TODAY - DAY}, "ends_on"),
        ({"starts_on": TODAY - 9 * DAY, "ends_on": TODAY - 2 * DAY}, "ends_on"),
        ({"stock": 0}, "stock"),
        ({"nodes": []}, "nodes"),
        ({"nodes": [w.street]}, "nodes"),
    ]
    before = Distribution.objects.count()
    for change, field in cases:
        with pytest.raises(InvalidInput) as exc:
            services.distribution_create(**{**base, **change})
        assert exc.value.field == field, change
    with pytest.raises(Http404):  # a grid of another neighbourhood than the cadre's
        services.distribution_create(**{**base, "nodes": [w.grid_b1]})
    assert Distribution.objects.count() == before


def test_the_same_form_sent_twice_sets_up_one(out):
    w = out
    args = {"actor": w.cadre, "item": Item.BOOKLET, "name": "家庭消防安全知识读本发放",
            "starts_on": TODAY, "ends_on": TODAY + DAY, "nodes": [w.grid_a2], "at": T0,
            "idempotency_key": "tok-1"}  # fmt: skip
    first = services.distribution_create(**args)
    again = services.distribution_create(**args)
    assert first.pk == again.pk and first.status == DistributionStatus.DRAFT


def test_handed_refused_not_home_and_a_second_handed_is_refused_in_chinese(out):
    w = out
    v = hand(w, w.hh_a1, recipient=w.zhou, quantity=2, note="已讲解使用方法")
    assert (v.outcome, v.quantity, v.recipient, v.grid_id) == ("handed", 2, w.zhou, w.grid_a1.pk)
    assert v.by_role == "grid_worker"
    w.blankets.refresh_from_db()
    assert w.blankets.given == 2
    with pytest.raises(Conflict) as exc:
        hand(w, w.hh_a1, actor=w.leader)
    assert exc.value.code == "already_handed" and exc.value.status == 409
    assert "周美华网格长" in exc.value.message and "2026-11-02 10:00" in exc.value.message
    with pytest.raises(Conflict):  # nor a refusal after it was handed over
        hand(w, w.hh_a1, outcome=Outcome.REFUSED)
    w.blankets.refresh_from_db()
    assert w.blankets.given == 2 and Visit.objects.filter(household=w.hh_a1).count() == 1
    # Nobody at home twice, then a refusal, then handed over after all: four visits.
    hand(w, w.hh_a1b, outcome=Outcome.NOT_HOME)
    hand(w, w.hh_a1b, outcome=Outcome.NOT_HOME, at=T0 + 5 * HOUR)
    hand(w, w.hh_a1b, outcome=Outcome.REFUSED, at=T0 + DAY)
    hand(w, w.hh_a1b, at=T0 + 2 * DAY)
    assert Visit.objects.filter(household=w.hh_a1b).count() == 4


def test_a_resubmitted_visit_form_is_a_no_op(out):
    w = out
    first = hand(w, w.hh_a1, idempotency_key="form-7")
    again = hand(w, w.hh_a1, idempotency_key="form-7")
    assert first.pk == again.pk and Visit.objects.count() == 1


def test_households_outside_the_scope_or_the_area_and_bad_input(out):
    w = out
    # The building leader leads 雨泉花园 1号楼 only: 三宝新村 is not theirs (404, as missing).
    with pytest.raises(Http404):
        hand(w, w.hh_a2, actor=w.leader)
    with pytest.raises(Http404):  # another street's household
        hand(w, w.hh_t, actor=w.admin)
    with pytest.raises(InvalidInput) as exc:  # in the admin's scope, not in the grids of it
        hand(w, w.hh_b1, actor=w.admin)
    assert exc.value.field == "household"
    with pytest.raises(Http404):  # a grid worker of B1 does not reach this distribution
        hand(w, w.hh_b1, actor=w.grid_b1_worker)
    with pytest.raises(InvalidInput):
        hand(w, w.hh_a1, outcome="maybe")
    with pytest.raises(InvalidInput):
        hand(w, w.hh_a1, quantity=0)
    with pytest.raises(InvalidInput):
        hand(w, w.hh_a1, quantity=21)
    with pytest.raises(InvalidInput) as exc:  # a recipient of another household
        hand(w, w.hh_a1, recipient=w.liu)
    assert exc.value.field == "recipient"
    with pytest.raises(Http404):  # no role: nothing
        hand(w, w.hh_a1, actor=w.nobody)
    assert Visit.objects.count() == 0
    w.blankets.refresh_from_db()
    assert w.blankets.given == 0


def test_no_visit_before_start_or_after_close_and_the_stock_runs_out(out):
    w = out
    draft = services.distribution_create(
        actor=w.cadre, item=Item.SMOKE_ALARM, name="烟感报警器", starts_on=TODAY,
        ends_on=TODAY + DAY, nodes=[w.grid_a1], stock=2, at=T0,
    )  # fmt: skip
    with pytest.raises(Conflict) as exc:
        services.visit_record(actor=w.cadre, distribution=draft, household=w.hh_a1,
                              outcome="handed")  # fmt: skip
    assert exc.value.code == "not_running"
    services.distribution_open(actor=w.cadre, distribution=draft)
    services.visit_record(actor=w.cadre, distribution=draft, household=w.hh_a1, outcome="handed",
                          quantity=2)  # fmt: skip
    with pytest.raises(Conflict) as exc:
        services.visit_record(actor=w.cadre, distribution=draft, household=w.hh_a1b,
                              outcome="handed")  # fmt: skip
    assert exc.value.code == "out_of_stock" and exc.value.status == 409
    services.distribution_close(actor=w.cadre, distribution=draft, note="发完了")
    with pytest.raises(Conflict):
        services.visit_record(actor=w.cadre, distribution=draft, household=w.hh_a1b,
                              outcome="refused")  # fmt: skip
    with pytest.raises(IllegalTransition):
        services.distribution_close(actor=w.cadre, distribution=draft)
    assert Visit.objects.filter(distribution=draft).count() == 1


def test_editing_keeps_the_stock_above_what_was_handed_out(out):
    w = out
    hand(w, w.hh_a1, quantity=3)
    with pytest.raises(InvalidInput) as exc:
        services.distribution_update(actor=w.cadre, distribution=w.blankets, name="x",
                                     starts_on=TODAY, ends_on=TODAY + DAY, stock=2, at=T0)  # fmt: skip
    assert exc.value.field == "stock"
    with pytest.raises(Http404):
        services.distribution_update(actor=w.grid_a1_worker, distribution=w.blankets, name="x",
                                     starts_on=TODAY, ends_on=TODAY + DAY, stock=None, at=T0)  # fmt: skip
    d = services.distribution_update(actor=w.cadre, distribution=w.blankets, name="灭火毯发放（第一批）",
                                     starts_on=TODAY, ends_on=TODAY + DAY, stock=300, at=T0)  # fmt: skip
    assert (d.name, d.stock) == ("灭火毯发放（第一批）", 300)
    assert d.events.filter(verb="edit").get().data == {"fields": ["name", "ends_on", "stock"]}
    services.distribution_close(actor=w.cadre, distribution=d)
    with pytest.raises(Conflict):
        services.distribution_update(actor=w.cadre, distribution=d, name="y", starts_on=TODAY,
                                     ends_on=TODAY + DAY, stock=None, at=T0)  # fmt: skip


def test_coverage_by_grid_building_entrance_and_the_households_not_reached(out):
    w = out
    # A third household in 雨泉花园 1号楼, entrance 2.
    third = household(w.street, w.grid_a1, w.compound_a1, "1", "2", "101")
    counting.refresh(w.street.pk)
    hand(w, w.hh_a1)
    hand(w, w.hh_a1b, outcome=Outcome.NOT_HOME)
    hand(w, w.hh_a2, actor=w.cadre, outcome=Outcome.REFUSED)
    cov = selectors.coverage(w.cadre, w.blankets, selectors.GRID)
    by = {t.label: (t.total, t.handed, t.refused, t.not_home, t.never) for t in cov.rows}
    assert by == {"三宝第一网格": (3, 1, 0, 1, 1), "三宝第二网格": (1, 0, 1, 0, 0)}
    t = cov.total
    assert (t.total, t.handed, t.reached, t.percent) == (4, 1, 2, 25.0)
    buildings = selectors.coverage(w.cadre, w.blankets, selectors.BUILDING)
    assert [(b.label, b.total, b.handed) for b in buildings.rows] == [
        ("三宝新村 2号楼", 1, 0), ("雨泉花园 1号楼", 3, 1),
    ]  # fmt: skip
    assert buildings.rows[0].complete and not buildings.rows[1].complete
    entrances = selectors.coverage(w.cadre, w.blankets, selectors.ENTRANCE, grid=w.grid_a1)
    assert [(e.label, e.total, e.handed, e.not_home) for e in entrances.rows] == [
        ("雨泉花园 1号楼1单元", 2, 1, 1), ("雨泉花园 1号楼2单元", 1, 0, 0),
    ]  # fmt: skip
    # The building leader sees their building only; the grid worker their grid.
    mine = selectors.coverage(w.leader, w.blankets, selectors.BUILDING)
    assert [(b.label, b.total) for b in mine.rows] == [("雨泉花园 1号楼", 3)]
    assert [t.label for t in selectors.coverage(w.grid_a1_worker, w.blankets).rows] == [
        "三宝第一网格"
    ]
    page = selectors.missing_households(w.cadre, w.blankets)
    assert [h.pk for h in page.rows] == [w.hh_a1b.pk, third.pk]
    assert page.rows[0].last_try is not None and page.rows[1].last_try is None
    assert [
        h.pk for h in selectors.missing_households(w.cadre, w.blankets, grid=w.grid_a2.pk).rows
    ] == []
    totals = selectors.totals_for(w.cadre, [w.blankets])[w.blankets.pk]
    assert (totals.total, totals.handed, totals.refused, totals.not_home) == (4, 1, 1, 1)


def test_the_phone_lists_a_leaders_households_with_where_each_stands(out):
    w = out
    hand(w, w.hh_a1, actor=w.leader)
    hand(w, w.hh_a1b, actor=w.leader, outcome=Outcome.NOT_HOME)
    _entrance, rows = selectors.door_households(w.leader, w.blankets, w.hh_a1.dwelling.entrance_id)
    assert [(r.household.pk, r.status, r.visits) for r in rows] == [
        (w.hh_a1.pk, "handed", 1), (w.hh_a1b.pk, "not_home", 1),
    ]  # fmt: skip
    with pytest.raises(Http404):
        selectors.door_households(w.leader, w.blankets, w.hh_a2.dwelling.entrance_id)
    assert Household.objects.count() == 5


def test_coverage_costs_the_same_queries_for_three_households_or_forty(out):
    """Grouped counts, never a query per household or per place."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = out

    def cost() -> list[int]:
        sizes = []
        for level in (selectors.GRID, selectors.BUILDING, selectors.ENTRANCE):
            with CaptureQueriesContext(connection) as ctx:
                selectors.coverage(w.cadre, w.blankets, level)
            sizes.append(len(ctx.captured_queries))
        with CaptureQueriesContext(connection) as ctx:
            selectors.missing_households(w.cadre, w.blankets)
        return [*sizes, len(ctx.captured_queries)]

    hand(w, w.hh_a1)
    few = cost()
    for b in range(2, 6):
        for room in ("101", "102", "201", "202", "301", "302", "401", "402", "501"):
            hh = household(w.street, w.grid_a2, w.compound_a2, str(b), "1", room)
            hand(w, hh, actor=w.cadre, outcome=Outcome.HANDED if room < "3" else Outcome.NOT_HOME)
    counting.refresh(w.street.pk)
    assert cost() == few
    assert selectors.coverage(w.cadre, w.blankets).total.total == 39
