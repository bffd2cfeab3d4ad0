"""The scope engine, read as prose against the canonical world."""

import pytest
from django.http import Http404

from linli.grids import permissions as perms
from linli.grids.models import GridNode
from linli.registry import permissions as rp
from linli.registry.models import Building, Compound, Household, Resident

pytestmark = pytest.mark.django_db


def visible(actor, model, action=rp.VIEW):
    return set(
        perms.filter_to_scope(model.objects.all(), actor, action).values_list("pk", flat=True)
    )


def test_street_admin_sees_whole_street_and_nothing_of_the_other(world):
    seen = visible(world.admin, Household)
    assert seen == {world.hh_a1.pk, world.hh_a1b.pk, world.hh_a2.pk, world.hh_b1.pk}
    assert world.hh_t.pk not in seen


def test_cadre_sees_only_their_neighbourhood(world):
    assert visible(world.cadre, Household) == {world.hh_a1.pk, world.hh_a1b.pk, world.hh_a2.pk}


def test_grid_worker_sees_only_their_grid(world):
    assert visible(world.grid_a1_worker, Household) == {world.hh_a1.pk, world.hh_a1b.pk}
    assert visible(world.grid_b1_worker, Household) == {world.hh_b1.pk}


def test_building_leader_sees_households_of_their_building(world):
    assert visible(world.leader, Household) == {world.hh_a1.pk, world.hh_a1b.pk}
    assert visible(world.leader, Resident) == {
        world.zhou.pk,
        world.wang.pk,
        world.li.pk,
        world.chen.pk,
    }


def test_resident_sees_only_own_household_and_its_members(world):
    assert visible(world.resident_user, Household) == {world.hh_a1.pk}
    assert visible(world.resident_user, Resident) == {world.zhou.pk, world.wang.pk}


def test_property_company_sees_its_compounds_but_no_people(world):
    assert visible(world.property, Compound, perms.PLACES_VIEW) == {world.compound_a1.pk}
    assert visible(world.property, Building, perms.PLACES_VIEW) == set(
        Building.objects.filter(compound=world.compound_a1).values_list("pk", flat=True)
    )
    assert visible(world.property, Household) == set()
    assert visible(world.property, Resident) == set()


def test_volunteer_and_roleless_users_see_no_registry(world):
    assert visible(world.volunteer, Household) == set()
    assert visible(world.nobody, Household) == set()


def test_grid_tree_visibility_follows_subtree(world):
    assert visible(world.cadre, GridNode, perms.PLACES_VIEW) == {
        world.nbh_a.pk,
        world.grid_a1.pk,
        world.grid_a2.pk,
    }
    assert world.grid_t1.pk not in visible(world.admin, GridNode, perms.PLACES_VIEW)


def test_get_in_scope_gives_404_for_out_of_scope_and_missing_alike(world):
    with pytest.raises(Http404):
        perms.get_in_scope(
            Household.objects.all(), world.grid_a1_worker, rp.VIEW, pk=world.hh_b1.pk
        )
    with pytest.raises(Http404):
        perms.get_in_scope(Household.objects.all(), world.grid_a1_worker, rp.VIEW, pk=10**9)


@pytest.mark.parametrize(
    ("who", "action", "allowed"),
    [
        ("admin", perms.VIEW_PII, True),
        ("cadre", perms.VIEW_PII, True),
        ("grid_a1_worker", perms.VIEW_PII, False),
        ("grid_a1_worker", perms.VIEW_HEALTH_TAGS, True),
        ("grid_a1_worker", perms.VIEW_PARTY_TAGS, False),
        ("leader", rp.EDIT, False),
        ("property", rp.VIEW, False),
        ("resident_user", rp.EDIT, False),
        ("admin", perms.ROLES_MANAGE, True),
        ("cadre", perms.ROLES_MANAGE, False),
        ("cadre", rp.IMPORT, True),
        ("grid_a1_worker", rp.IMPORT, False),
    ],
)
def test_role_action_table(world, who, action, allowed):
    assert perms.can(getattr(world, who), action) is allowed
