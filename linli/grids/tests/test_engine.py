"""The scope engine: apps declare their actions; a loaded row and a queryset get the same
answer for every role, every action and every row; named rules narrow a kind."""

from __future__ import annotations

import pytest

from linli.grids import permissions as perms
from linli.grids.models import GridNode, Role, Unit
from linli.grids.scope import NODE, OWNER, UNIT, Reach, Rule, ScopeSpec
from linli.registry import permissions as rp
from linli.registry.models import Building, Compound, Dwelling, Household, Resident
from linli.workorders import permissions as wo

pytestmark = pytest.mark.django_db

USERS = ["admin", "other_admin", "cadre", "grid_a1_worker", "grid_b1_worker", "leader",
         "property", "volunteer", "resident_user", "nobody"]  # fmt: skip

REGISTRY = [rp.VIEW, rp.EDIT, perms.PLACES_VIEW]
MODELS = [GridNode, Unit, Compound, Building, Dwelling, Household, Resident]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_loaded_row_and_the_queryset_agree(world, model):
    rows = list(model.objects.all())
    assert rows
    for who in USERS:
        actor = getattr(world, who)
        for action in REGISTRY:
            in_sql = set(
                perms.filter_to_scope(model.objects.all(), actor, action).values_list(
                    "pk", flat=True
                )
            )
            in_memory = {r.pk for r in rows if perms.allows(actor, action, r)}
            assert in_memory == in_sql, (who, action)


def test_an_app_declares_its_own_actions_and_may_not_redeclare_them_otherwise():
    assert wo.VIEW in perms.role_actions(Role.RESIDENT)
    assert perms.reach_of(Role.UNIT_STAFF, wo.HANDLE) == Reach(UNIT, "lead_unit")
    with pytest.raises(ValueError):
        perms.declare({Role.UNIT_STAFF: {wo.HANDLE: Reach(UNIT, "serving")}})
    perms.declare({Role.UNIT_STAFF: {wo.HANDLE: Reach(UNIT, "lead_unit")}})  # the same again: fine


def test_grids_names_no_app_action():
    import inspect

    source = inspect.getsource(perms)
    assert "workorders." not in source and "registry." not in source


def test_a_rule_of_the_wrong_kind_is_a_programming_error():
    spec = ScopeSpec(node="grid", rules={"x": Rule(NODE, "grid")})
    with pytest.raises(ValueError):
        spec.rule(Reach(OWNER, "x"))
    assert spec.rule(Reach(OWNER, "missing")) is None
    assert spec.rule(Reach(UNIT)) is None  # no unit path: units reach no row
