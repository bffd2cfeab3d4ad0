"""Queues, lists, details, the household file and duplicate suggestions."""

import datetime as dt

import pytest
from django.http import Http404

from linli.workorders import selectors, services
from linli.workorders.models import Channel
from linli.workorders.selectors import WorkOrderFilters
from linli.workorders.tests.conftest import T0, advance

pytestmark = pytest.mark.django_db


def pks(qs):
    return {o.pk for o in qs}


def test_queues_by_role(wo):
    new = wo.intake()
    dispatched = advance(wo, wo.intake(), "dispatched")
    escalated = services.workorder_escalate(actor=wo.grid_a1_worker, order=wo.intake(), reason="r")
    b1 = wo.intake(actor=wo.grid_b1_worker, dwelling=wo.hh_b1.dwelling, reporter_resident=wo.zhao)
    assert pks(selectors.workorder_queue(actor=wo.grid_a1_worker)) == {new.pk, escalated.pk}
    assert pks(selectors.workorder_queue(actor=wo.grid_b1_worker)) == {b1.pk}
    assert pks(selectors.workorder_queue(actor=wo.cadre)) == {escalated.pk}
    assert pks(selectors.workorder_queue(actor=wo.admin)) == set()
    assert pks(selectors.workorder_queue(actor=wo.property)) == {dispatched.pk}
    assert pks(selectors.workorder_queue(actor=wo.resident_user)) == {
        new.pk, dispatched.pk, escalated.pk
    }  # fmt: skip
    assert pks(selectors.workorder_queue(actor=wo.nobody)) == set()


def test_unit_queue_drops_returned_work_but_history_stays_visible(wo):
    order = advance(wo, wo.intake(), "dispatched")
    services.workorder_return(actor=wo.property, order=order, reason="不是我们")
    assert pks(selectors.workorder_queue(actor=wo.property)) == set()
    assert pks(selectors.workorder_list(actor=wo.property)) == {order.pk}


def test_overdue_list(wo):
    late = wo.intake(at=T0 - dt.timedelta(days=5))
    wo.intake()
    assert pks(selectors.overdue_list(actor=wo.admin, now=T0)) == {late.pk}
    assert pks(selectors.overdue_list(actor=wo.grid_b1_worker, now=T0)) == set()


def test_list_filters(wo):
    a = wo.intake(at=T0 - dt.timedelta(days=3))
    b = advance(wo, wo.intake(category="power_cut", channel=Channel.HOTLINE), "dispatched")
    f = lambda **kw: pks(selectors.workorder_list(actor=wo.admin, filters=WorkOrderFilters(**kw)))  # noqa: E731
    assert f(unit=wo.property_co) == {b.pk}
    assert f(channel=Channel.HOTLINE) == {b.pk}
    assert f(created_to=(T0 - dt.timedelta(days=1)).date()) == {a.pk}
    assert f(created_from=T0.date()) == {b.pk}
    assert f(status="dispatched") == {b.pk}
    assert f(open_only=True) == {a.pk, b.pk}
    assert f(node=wo.nbh_b) == set()


def test_detail_lists_actions_for_this_user(wo):
    order = advance(wo, wo.intake(), "reported_done")
    d = selectors.workorder_detail(actor=wo.grid_a1_worker, pk=order.pk)
    assert d.action_names == ["check", "rework", "escalate"]
    assert [e.verb for e in d.events][:2] == ["accept", "verify"]
    assert d.events[-1].photo_list  # the after-photo sits on the report_back event
    assert selectors.workorder_detail(actor=wo.property, pk=order.pk).action_names == []
    mine = selectors.workorder_detail(actor=wo.resident_user, pk=order.pk)
    assert mine.resident_view and mine.action_names == []
    with pytest.raises(Http404):
        selectors.workorder_detail(actor=wo.grid_b1_worker, pk=order.pk)


def test_household_file_lists_its_requests(wo):
    own = wo.intake()
    by_member = wo.intake(category="greenery", dwelling=None, compound=wo.compound_b1,
                          actor=wo.grid_b1_worker)  # fmt: skip
    other = wo.intake(dwelling=wo.hh_a2.dwelling, reporter_resident=wo.liu, actor=wo.cadre)
    assert pks(selectors.household_workorders(actor=wo.admin, household=wo.hh_a1)) == {
        own.pk, by_member.pk
    }  # fmt: skip
    assert other.pk not in pks(selectors.household_workorders(actor=wo.admin, household=wo.hh_a1))
    assert pks(selectors.household_workorders(actor=wo.grid_a1_worker, household=wo.hh_a1)) == {
        own.pk
    }


def test_duplicate_suggestions(wo):
    first = wo.intake(description="卧室墙面渗水，融雪水顺墙流下", at=T0)
    near = wo.intake(
        dwelling=wo.hh_a1b.dwelling, reporter_resident=wo.li,
        description="我家墙面也渗水，融雪水顺着墙流下来", at=T0 + dt.timedelta(hours=3),
    )  # fmt: skip
    different_text = wo.intake(dwelling=wo.hh_a1b.dwelling, reporter_resident=wo.li,
                               description="电梯按钮失灵", at=T0)  # fmt: skip
    other_category = wo.intake(category="water_electric", description="卧室墙面渗水", at=T0)
    too_old = wo.intake(description="卧室墙面渗水，融雪水顺墙流下", at=T0 - dt.timedelta(days=30))
    elsewhere = wo.intake(dwelling=wo.hh_a2.dwelling, reporter_resident=wo.liu, actor=wo.cadre,
                          description="卧室墙面渗水，融雪水顺墙流下", at=T0)  # fmt: skip
    closed = advance(
        wo, wo.intake(description="卧室墙面渗水，融雪水顺墙流下", at=T0), "closed", at=T0
    )
    found = selectors.duplicate_candidates(actor=wo.grid_a1_worker, order=near)
    assert [o.pk for o, _score in found] == [first.pk]
    assert 0.3 <= found[0][1] <= 1
    for not_expected in (different_text, other_category, too_old, elsewhere, closed):
        assert not_expected.pk not in [o.pk for o, _s in found]
    assert selectors.duplicate_candidates(actor=wo.grid_b1_worker, order=near) == []


def test_suggest_handler(wo):
    leak = wo.intake()
    s = selectors.suggest_handler(leak)
    assert s.unit == wo.property_co and not s.in_house
    assert s.volunteer_order_possible  # inside a dwelling: staff may choose a volunteer order
    stairs = wo.intake(category="public_lighting", dwelling=None, compound=wo.compound_a1)
    assert not selectors.suggest_handler(stairs).volunteer_order_possible
    door = wo.intake(category="doors_windows")
    s = selectors.suggest_handler(door)
    assert s.volunteer_order_possible and s.unit is None  # no volunteer team unit yet
    unmanaged = wo.intake(
        actor=wo.grid_b1_worker, dwelling=wo.hh_b1.dwelling, reporter_resident=wo.zhao
    )
    assert selectors.suggest_handler(unmanaged).in_house  # 无物业: the neighbourhood handles it
    power = wo.intake(category="power_cut", dwelling=None, compound=wo.compound_a1)
    assert selectors.suggest_handler(power).unit == wo.municipal
    dispute = wo.intake(category="dispute")
    assert selectors.suggest_handler(dispute).in_house


def test_resolve_refs_limits_to_the_actors_streets(wo):
    from linli.core.errors import InvalidInput

    refs = selectors.resolve_refs(
        actor=wo.admin, compound=wo.compound_a1.pk, co_units=[wo.police.pk]
    )
    assert refs["compound"] == wo.compound_a1 and refs["co_units"] == [wo.police]
    with pytest.raises(InvalidInput) as exc:
        selectors.resolve_refs(actor=wo.admin, compound=wo.compound_t.pk)
    assert exc.value.field == "compound"
