"""Every permission branch of every action, as the services enforce it: the right people
succeed; everyone else gets 404 and nothing changes (status, fields, timeline, units)."""

import pytest
from django.http import Http404

from linli.grids.models import Role, StaffAssignment
from linli.testing.world import user
from linli.workorders import services
from linli.workorders.machine import MACHINE
from linli.workorders.models import WorkOrder
from linli.workorders.tests.conftest import advance, photo
from linli.workorders.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db

USERS = ["admin", "other_admin", "cadre", "grid_a1_worker", "grid_b1_worker", "leader",
         "property", "police_staff", "volunteer", "resident_user", "other_resident", "nobody"]  # fmt: skip
NODE_STAFF = {"admin", "cadre", "grid_a1_worker"}


@pytest.fixture
def w(wo):
    wo.police_staff = user("police_staff", "派出所民警")
    StaffAssignment.objects.create(
        street=wo.street, user=wo.police_staff, role=Role.UNIT_STAFF, node=wo.street, unit=wo.police
    )
    wo.other_resident = user("li_user", "李强")
    StaffAssignment.objects.create(
        street=wo.street, user=wo.other_resident, role=Role.RESIDENT, node=wo.grid_a1
    )
    wo.li.user = wo.other_resident
    wo.li.save(update_fields=["user"])
    return wo


def _dispatched_with_co(w, order):
    order = advance(w, order, "verified")
    return services.workorder_dispatch(
        actor=w.grid_a1_worker, order=order, lead_unit=w.property_co, co_units=[w.police]
    )


def _reach(w, order, status):
    if status == "accepted":
        return order
    order = _dispatched_with_co(w, order) if status != "verified" else advance(w, order, status)
    return advance(w, order, status)


# action → (status to start from, call(actor, order, world), who may: set of user names)
CASES = {
    "verify": ("accepted", lambda a, o, w: services.workorder_verify(actor=a, order=o), NODE_STAFF),
    "reject": ("accepted", lambda a, o, w: services.workorder_reject(actor=a, order=o, reason="无效"), NODE_STAFF),
    "merge": ("accepted", lambda a, o, w: services.workorder_merge(actor=a, order=o, into=w.main), NODE_STAFF),
    "withdraw": ("accepted", lambda a, o, w: services.workorder_withdraw(actor=a, order=o), NODE_STAFF | {"resident_user"}),
    "dispatch": ("verified", lambda a, o, w: services.workorder_dispatch(actor=a, order=o, lead_unit=w.property_co), NODE_STAFF),
    "return": ("dispatched", lambda a, o, w: services.workorder_return(actor=a, order=o, reason="不归我们管"), {"property"}),
    "start": ("dispatched", lambda a, o, w: services.workorder_start(actor=a, order=o), {"property"}),
    "update": ("in_progress", lambda a, o, w: services.workorder_update(actor=a, order=o, note="已到场"), {"property", "police_staff"}),
    "report_back": ("in_progress", lambda a, o, w: services.workorder_report_back(actor=a, order=o, note="修好了", photos=[photo()]), {"property"}),
    "check": ("reported_done", lambda a, o, w: services.workorder_check(actor=a, order=o, passed=True), NODE_STAFF),
    "rework": ("reported_done", lambda a, o, w: services.workorder_check(actor=a, order=o, passed=False, note="仍渗水"), NODE_STAFF),
    "follow_up": ("checked", lambda a, o, w: services.workorder_follow_up(actor=a, order=o, satisfaction="basically"), NODE_STAFF | {"resident_user"}),
    "reopen": ("checked", lambda a, o, w: services.workorder_follow_up(actor=a, order=o, satisfaction="dissatisfied", comment="还在漏"), NODE_STAFF | {"resident_user"}),
    "close": ("followed_up", lambda a, o, w: services.workorder_close(actor=a, order=o), NODE_STAFF),
    "escalate": ("accepted", lambda a, o, w: services.workorder_escalate(actor=a, order=o, reason="网格无法解决"), NODE_STAFF),
    "extend": ("accepted", lambda a, o, w: services.workorder_extend(actor=a, order=o, amount=4, reason="等配件"), {"admin", "cadre"}),
}  # fmt: skip


def test_cases_cover_the_whole_table():
    assert set(CASES) == set(TRANSITIONS)


def snapshot(order):
    o = WorkOrder.objects.get(pk=order.pk)
    return (
        o.status, o.updated_at, o.escalation_level, o.resolve_due, o.extension_count,
        o.rework_count, o.satisfaction, o.merged_into_id, o.lead_unit_id,
        o.events.count(), o.assignments.filter(active=True).count(), o.photos.count(),
    )  # fmt: skip


@pytest.mark.parametrize("action", list(CASES))
@pytest.mark.parametrize("who", USERS)
def test_who_may_do_what(w, action, who):
    status, call, allowed = CASES[action]
    w.main = w.intake(description="另一户也反映墙面渗水")
    order = _reach(w, w.intake(), status)
    actor = getattr(w, who)
    fresh = WorkOrder.objects.select_related("grid").get(pk=order.pk)
    assert (MACHINE.authorize(actor, fresh, TRANSITIONS[action]) is not None) == (who in allowed)
    if who in allowed:
        result = call(actor, order, w)
        assert result.events.order_by("-id").first().verb == action
    else:
        before = snapshot(order)
        with pytest.raises(Http404):
            call(actor, order, w)
        assert snapshot(order) == before


def test_in_house_orders_are_handled_by_node_staff_not_units(w):
    order = advance(w, w.intake(category="dispute"), "verified")
    order = services.workorder_dispatch(actor=w.cadre, order=order, in_house=True)
    fresh = WorkOrder.objects.select_related("grid").get(pk=order.pk)
    start = TRANSITIONS["start"]
    assert MACHINE.authorize(w.grid_a1_worker, fresh, start) is not None
    assert MACHINE.authorize(w.cadre, fresh, start) is not None
    assert not (MACHINE.authorize(w.grid_b1_worker, fresh, start) is not None)
    assert not (MACHINE.authorize(w.property, fresh, start) is not None)
    order = services.workorder_start(actor=w.grid_a1_worker, order=order)
    assert order.status == "in_progress"
    assert order.events.order_by("-id").first().actor_role == "grid_worker"


def test_a_unit_that_returned_the_order_may_no_longer_act(w):
    order = _dispatched_with_co(w, w.intake())
    services.workorder_return(actor=w.property, order=order, reason="属于市政")
    before = snapshot(order)
    with pytest.raises(Http404):
        services.workorder_start(actor=w.property, order=order)
    assert snapshot(order) == before


def test_resident_may_not_follow_up_someone_elses_request(w):
    order = advance(w, w.intake(reporter_resident=w.liu), "checked")
    assert order.reporter_user is None
    with pytest.raises(Http404):
        services.workorder_follow_up(actor=w.resident_user, order=order, satisfaction="satisfied")


def test_allowed_transitions_for_the_detail_page(w):
    order = _dispatched_with_co(w, w.intake())
    fresh = WorkOrder.objects.select_related("grid").get(pk=order.pk)
    names = lambda u: [t.name for t in MACHINE.allowed(u, fresh)]  # noqa: E731
    assert names(w.property) == ["return", "start"]
    assert names(w.police_staff) == []
    assert names(w.grid_a1_worker) == ["escalate"]
    assert names(w.cadre) == ["escalate", "extend"]
    assert names(w.resident_user) == []


def test_work_order_rules_agree_in_memory_and_in_sql(wo, municipal_user):
    from linli.grids import permissions as perms
    from linli.workorders import permissions as p

    orders = [wo.intake(), wo.intake()]
    services.workorder_verify(actor=wo.grid_a1_worker, order=orders[0])
    services.workorder_dispatch(
        actor=wo.grid_a1_worker, order=orders[0], lead_unit=wo.property_co, co_units=[wo.municipal]
    )
    advance(wo, orders[1], "verified")
    services.workorder_dispatch(actor=wo.grid_a1_worker, order=orders[1], in_house=True)
    rows = list(WorkOrder.objects.all())
    for who in ["cadre", "grid_a1_worker", "grid_b1_worker", "property", "resident_user"]:
        for action in [p.VIEW, p.HANDLE, p.PROGRESS, p.WITHDRAW]:
            actor = getattr(wo, who)
            in_sql = set(
                perms.filter_to_scope(WorkOrder.objects.all(), actor, action).values_list(
                    "pk", flat=True
                )
            )
            assert {r.pk for r in rows if perms.allows(actor, action, r)} == in_sql, (who, action)
    # The rules themselves: the lead unit handles, a co-handler only adds progress,
    # node staff handle only what is kept in-house.
    lead, in_house = WorkOrder.objects.get(pk=orders[0].pk), WorkOrder.objects.get(pk=orders[1].pk)
    assert perms.allows(wo.property, p.HANDLE, lead)
    assert not perms.allows(municipal_user, p.HANDLE, lead)
    assert perms.allows(municipal_user, p.PROGRESS, lead)
    assert not perms.allows(wo.grid_a1_worker, p.HANDLE, lead)
    assert perms.allows(wo.grid_a1_worker, p.HANDLE, in_house)
