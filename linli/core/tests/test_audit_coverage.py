"""Every service through which staff change people, roles, households, residents, places
or the grid leaves a change-history row. Add a service here when one is written."""

from collections.abc import Callable

import pytest

from linli.core import auditchain
from linli.core.models import AuditEvent
from linli.grids import services as grids
from linli.grids.models import NodeKind, Role, StaffAssignment
from linli.registry import services as registry

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
]


@pytest.mark.parametrize("write", SERVICES, ids=lambda f: f.__name__.lstrip("_"))
def test_each_staff_write_leaves_a_chained_change_row(world, write):
    before = AuditEvent.objects.count()
    write(world)
    new = AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
    assert new, "no change-history row"
    assert all(e.actor_id == world.admin.pk for e in new)
    assert not [r for r in auditchain.verify() if not r.ok]
