"""Every service through which staff change people, roles, households, residents, places,
the grid, or a module's settings (the points standard, the store, settlement, corrections,
teams, checklists, the notices' wording) leaves a change-history row. Add a service here
when one is written. (A module's workflow steps are on its own append-only timeline, not
here.)"""

import datetime as dt
from collections.abc import Callable

import pytest

from linli.core import auditchain
from linli.core.models import AuditEvent
from linli.grids import services as grids
from linli.grids.models import NodeKind, Role, StaffAssignment
from linli.points import services as points
from linli.registry import services as registry
from linli.safety import services as safety
from linli.volunteering import services as volunteering

pytestmark = pytest.mark.django_db


def _node_add(w):
    grids.node_add(
        actor=w.admin, parent=w.nbh_b, kind=NodeKind.GRID, code="310109011002909", name="新网格"
    )


def _user_create(w):
    grids.user_create(
        actor=w.admin, username="new-clerk", display_name="新干事", password="Linli-2026-safe!"
    )


def _assignment_add(w):
    grids.assignment_add(actor=w.admin, user=w.nobody, role=Role.GRID_WORKER, node=w.grid_a1)


def _assignment_remove(w):
    assignment = StaffAssignment.objects.filter(user=w.grid_a1_worker).first()
    grids.assignment_remove(actor=w.admin, assignment=assignment)


def _household_update(w):
    registry.household_update(actor=w.admin, household=w.hh_a1, tenure="rent", note="新备注")


def _resident_save(w):
    registry.resident_save(
        actor=w.admin,
        household=w.hh_a1,
        name="新成员",
        relation="other",
        residence_status="resident",
    )


def _resident_move_out(w):
    registry.resident_move_out(actor=w.admin, resident=w.zhou, reason="moved")


def _tags_set(w):
    registry.tags_set(actor=w.admin, target=w.hh_a1, tag_levels={w.tags["hardship"].pk: ""})


def _building_move(w):
    registry.building_move(
        actor=w.admin, building=w.hh_a1.dwelling.entrance.building, grid=w.grid_a2
    )


def _rule_publish(w):
    points.rule_publish(actor=w.admin, street_id=w.street.pk, kind="civilisation", points=5)


def _item_save(w):
    points.item_save(actor=w.admin, street_id=w.street.pk, name="纯棉毛巾", price=30)


def _stock_in(w):
    item = points.item_save(actor=w.admin, street_id=w.street.pk, name="保温暖壶", price=80)
    return lambda: points.stock_in(
        actor=w.admin, item=item, quantity=5, source="donation", donor="和平商厦"
    )


def _adjust(w):
    account = points.account_for(street_id=w.street.pk, resident=w.zhou)
    points.adjust(actor=w.admin, account=account, points=20, reason="补记纸质台账")


def _period_settle(w):
    end = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    period = points.period_open(
        actor=w.admin, street_id=w.street.pk, starts_at=end - dt.timedelta(days=90), ends_at=end
    )
    return lambda: points.period_settle(actor=w.admin, period=period)


def _team_save(w):
    volunteering.team_save(actor=w.admin, street_id=w.street.pk, name="助老陪护志愿服务队")


def _member_decide(w):
    team = volunteering.team_save(actor=w.admin, street_id=w.street.pk, name="微修志愿服务队")
    volunteering.volunteer_save(actor=w.volunteer, street_id=w.street.pk, skills=["carpentry"])
    member = volunteering.team_join(actor=w.volunteer, team=team)
    return lambda: volunteering.member_decide(actor=w.admin, member=member, accept=True)


def _checklist_create(w):
    safety.checklist_create(actor=w.admin, street_id=w.street.pk, name="夜查检查表",
                            items="飞线充电 | 处 | 发现飞线充电{n}处")  # fmt: skip


def _notice_settings_save(w):
    safety.notice_settings_save(actor=w.admin, street_id=w.street.pk, authority="宝山路街道平安办",
                                legal_basis="依据消防法", days_to_rectify=5)  # fmt: skip


SERVICES: list[Callable] = [
    _node_add,
    _user_create,
    _assignment_add,
    _assignment_remove,
    _household_update,
    _resident_save,
    _resident_move_out,
    _tags_set,
    _building_move,
    _rule_publish,
    _item_save,
    _stock_in,
    _adjust,
    _period_settle,
    _team_save,
    _member_decide,
    _checklist_create,
    _notice_settings_save,
]


@pytest.mark.parametrize("write", SERVICES, ids=lambda f: f.__name__.lstrip("_"))
def test_each_staff_write_leaves_a_chained_change_row(world, write):
    """A service needing earlier steps returns the write itself, to be counted alone."""
    before = AuditEvent.objects.count()
    then = write(world)
    if callable(then):
        before = AuditEvent.objects.count()
        then()
    new = AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
    assert new, "no change-history row"
    assert all(e.actor_id == world.admin.pk for e in new)
    assert not [r for r in auditchain.verify() if not r.ok]
