"""Each role lands on what it can use: home tiles and the navigation."""

import pytest
from django.urls import reverse

from linli.testing import english

pytestmark = pytest.mark.django_db


def home(client):
    response = english(client).get(reverse("core:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_street_admin(world, login):
    html = home(login(world.admin))
    for url in ("registry:tree", "registry:search", "registry:import", "grids:assignments"):
        assert reverse(url) in html
    assert "My household" not in html


def test_grid_worker_has_tree_and_search_but_no_import_or_roles(world, login):
    html = home(login(world.grid_a1_worker))
    assert reverse("registry:tree") in html and reverse("registry:search") in html
    assert reverse("registry:import") not in html
    assert reverse("grids:assignments") not in html


def test_cadre_may_import(world, login):
    html = home(login(world.cadre))
    assert reverse("registry:import") in html
    assert reverse("grids:assignments") not in html


def test_property_lands_on_my_compounds(world, login):
    html = home(login(world.property))
    assert "My compounds" in html and reverse("registry:compounds") in html
    assert reverse("registry:tree") not in html and reverse("registry:search") not in html


def test_building_leader_lands_on_my_buildings(world, login):
    html = home(login(world.leader))
    assert "My buildings" in html and reverse("registry:compounds") in html
    assert reverse("registry:tree") not in html


def test_resident_lands_on_my_household(world, login):
    html = home(login(world.resident_user))
    assert reverse("registry:household", args=[world.hh_a1.pk]) in html
    assert reverse("registry:tree") not in html and reverse("registry:search") not in html


def test_volunteer_gets_an_explanation_not_a_fake_feature(world, login):
    html = home(login(world.volunteer))
    assert "Volunteer orders" in html
    for url in ("registry:tree", "registry:search", "registry:compounds"):
        assert reverse(url) not in html


def test_user_without_role(world, login):
    html = home(login(world.nobody))
    assert "no role yet" in html
    assert reverse("registry:tree") not in html
