"""Compounds → buildings → entrances → dwellings → households, per role."""

import pytest
from django.urls import reverse

from linli.testing import english

pytestmark = pytest.mark.django_db


def get(client, name, *args):
    return english(client).get(reverse(name, args=args))


def building_of(household):
    return household.dwelling.entrance.building


def test_compound_page_for_staff(world, login):
    response = get(login(world.grid_b1_worker), "registry:compound", world.compound_b1.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1958" in html
    assert "No property management (open compound)" in html
    assert "Old lane housing" in html
    counts = response.context["counts"]
    assert (counts.households, counts.residents) == (1, 1)
    assert {t.tag.code: t.percent for t in counts.tags}["elderly_only"] == 100.0
    assert "Building 5" in html


def test_compound_with_property_company(world, login):
    html = get(login(world.cadre), "registry:compound", world.compound_a1.pk).content.decode()
    assert "慧海物业" in html and "No property management" not in html


def test_property_staff_see_their_compounds_but_never_households(world, login):
    client = login(world.property)
    response = get(client, "registry:compounds")
    assert response.status_code == 200
    html = response.content.decode()
    assert world.compound_a1.name in html
    assert world.compound_a2.name not in html and world.compound_b1.name not in html
    compound = get(client, "registry:compound", world.compound_a1.pk)
    assert compound.status_code == 200
    assert compound.context["counts"] is None  # no household numbers for property staff
    html = compound.content.decode()
    assert "Households" not in html
    building = get(client, "registry:building", building_of(world.hh_a1).pk)
    assert building.status_code == 200
    html = building.content.decode()
    assert "Entrance 1" in html
    for name in ("周美华", "王建国", "李强", "301", "302"):
        assert name not in html
    assert "Dwellings and households are not shown to your role." in html
    for other in (world.compound_a2, world.compound_b1, world.compound_t):
        assert get(client, "registry:compound", other.pk).status_code == 404
    for hh in (world.hh_a1, world.hh_a2, world.hh_b1):
        assert get(client, "registry:household", hh.pk).status_code == 404
    assert get(client, "registry:building", building_of(world.hh_a2).pk).status_code == 404


def test_building_leader_lands_on_their_buildings(world, login):
    client = login(world.leader)
    response = get(client, "registry:compounds")
    assert response.status_code == 200
    assert [b.pk for b in response.context["buildings"]] == [building_of(world.hh_a1).pk]
    assert response.context["compounds"] == []
    html = response.content.decode()
    assert "My buildings" in html
    building = get(client, "registry:building", building_of(world.hh_a1).pk)
    assert building.status_code == 200
    html = building.content.decode()
    assert "301" in html and "302" in html
    assert reverse("registry:household", args=[world.hh_a1.pk]) in html
    # The compound page is not the leader's (compounds are not in a leader's reach).
    assert reverse("registry:compound", args=[world.compound_a1.pk]) not in html
    assert get(client, "registry:compound", world.compound_a1.pk).status_code == 404
    assert get(client, "registry:building", building_of(world.hh_a2).pk).status_code == 404


def test_building_page_lists_dwellings_and_households(world, login):
    response = get(login(world.grid_a1_worker), "registry:building", building_of(world.hh_a1).pk)
    html = response.content.decode()
    assert response.status_code == 200
    assert "56.30" in html
    assert "租户" in html and "纯老户" in html  # household tags
    assert "Tenant" in html and "Owner-occupier" in html
    rows = response.context["entrances"][0]["dwellings"]
    assert [(d["dwelling"].room, [h.pk for h in d["households"]]) for d in rows] == [
        ("301", [world.hh_a1.pk]),
        ("302", [world.hh_a1b.pk]),
    ]


def test_entrances_in_numeric_order(world, login):
    from linli.testing import world as w

    for entrance in ("10", "2"):
        w.household(world.street, world.grid_a1, world.compound_a1, "1", entrance, "101")
    response = get(login(world.grid_a1_worker), "registry:building", building_of(world.hh_a1).pk)
    numbers = [e["entrance"].number for e in response.context["entrances"]]
    assert numbers == ["1", "2", "10"]


def test_staff_compounds_list_is_scoped(world, login):
    response = get(login(world.cadre), "registry:compounds")
    names = [row["compound"].name for row in response.context["compounds"]]
    assert sorted(names) == sorted([world.compound_a1.name, world.compound_a2.name])


@pytest.mark.parametrize(
    "who,compound",
    [
        ("grid_a1_worker", "compound_b1"),
        ("admin", "compound_t"),
        ("other_admin", "compound_a1"),
        ("resident_user", "compound_a1"),
        ("volunteer", "compound_a1"),
    ],
)
def test_compound_out_of_scope_is_404(world, login, who, compound):
    client = login(getattr(world, who))
    target = getattr(world, compound)
    assert get(client, "registry:compound", target.pk).status_code == 404
    building = target.buildings.first()
    assert get(client, "registry:building", building.pk).status_code == 404


@pytest.mark.parametrize("who", ["resident_user", "volunteer", "nobody"])
def test_compounds_list_needs_places(world, login, who):
    assert get(login(getattr(world, who)), "registry:compounds").status_code == 404
