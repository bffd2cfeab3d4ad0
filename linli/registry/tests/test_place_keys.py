"""Place keys: a dwelling, household and resident carry the street and grid of the place
above them. A building moved to another grid takes every row below it along; on
PostgreSQL composite foreign keys (on SQLite, triggers) refuse a row whose street or grid
disagrees with its parent's, and carry a grid change down by themselves. Tag keys do the
same for tag links: a link's tag must be a tag of the link's street."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.http import Http404

from linli.core.models import AuditEvent
from linli.registry.models import Dwelling, Household, HouseholdTag, Resident, ResidentTag, Tag
from linli.registry.services import building_move

pytestmark = pytest.mark.django_db


def grids_below(building) -> set[int]:
    dwellings = Dwelling.objects.filter(entrance__building=building)
    households = Household.objects.filter(dwelling__in=dwellings)
    residents = Resident.objects.filter(household__in=households)
    return {
        *dwellings.values_list("grid_id", flat=True),
        *households.values_list("grid_id", flat=True),
        *residents.values_list("grid_id", flat=True),
    }


def test_a_moved_building_takes_its_dwellings_households_and_residents(world):
    building = world.hh_a1.dwelling.entrance.building
    building_move(actor=world.admin, building=building, grid=world.grid_a2)
    building.refresh_from_db()
    assert building.grid_id == world.grid_a2.pk
    assert grids_below(building) == {world.grid_a2.pk}
    event = AuditEvent.objects.get(verb="move", target_id=building.pk)
    assert event.changes == {"grid": [world.grid_a1.pk, world.grid_a2.pk]}


def test_a_grid_worker_cannot_move_a_building_and_nothing_changes(world):
    building = world.hh_a1.dwelling.entrance.building
    with pytest.raises(Http404):
        building_move(actor=world.grid_b1_worker, building=building, grid=world.grid_b1)
    building.refresh_from_db()
    assert building.grid_id == world.grid_a1.pk
    assert grids_below(building) == {world.grid_a1.pk}


def _refused(**changes) -> None:
    """The row update is refused when the deferred keys are checked."""
    model, pk = changes.pop("model"), changes.pop("pk")
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=pk).update(**changes)
        if connection.vendor == "postgresql":  # SQLite's triggers refuse at once
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_resident_must_be_in_the_grid_and_street_of_the_household(world):
    _refused(model=Resident, pk=world.zhou.pk, grid_id=world.grid_a2.pk)
    _refused(model=Resident, pk=world.zhou.pk, street_id=world.street_t.pk)
    _refused(model=Resident, pk=world.zhou.pk, household_id=world.hh_b1.pk)
    world.zhou.refresh_from_db()
    assert (world.zhou.household_id, world.zhou.grid_id) == (world.hh_a1.pk, world.grid_a1.pk)


def test_a_household_must_be_in_the_grid_and_street_of_the_dwelling(world):
    _refused(model=Household, pk=world.hh_a2.pk, grid_id=world.grid_a1.pk)
    _refused(model=Household, pk=world.hh_a2.pk, street_id=world.street_t.pk)


def test_a_dwelling_must_be_in_the_street_of_the_entrance(world):
    _refused(model=Dwelling, pk=world.hh_a2.dwelling_id, street_id=world.street_t.pk)


def test_a_dwelling_grid_change_cascades_to_households_and_residents(world):
    Dwelling.objects.filter(pk=world.hh_a1.dwelling_id).update(grid_id=world.grid_b1.pk)
    assert Household.objects.get(pk=world.hh_a1.pk).grid_id == world.grid_b1.pk
    assert set(world.hh_a1.members.values_list("grid_id", flat=True)) == {world.grid_b1.pk}


def test_a_tag_link_must_carry_a_tag_of_its_own_street(world):
    link = ResidentTag.objects.get(resident=world.wang, tag=world.tags["party_member"])
    other_streets_tag = Tag.objects.get(street=world.street_t, code="party_member")
    _refused(model=ResidentTag, pk=link.pk, tag_id=other_streets_tag.pk)
    _refused(model=ResidentTag, pk=link.pk, street_id=world.street_t.pk)
    _refused(model=ResidentTag, pk=link.pk, tag_id=0)
    link.refresh_from_db()
    assert (link.street_id, link.tag_id) == (world.street.pk, world.tags["party_member"].pk)


def test_a_household_tag_link_must_carry_a_tag_of_its_own_street(world):
    link = HouseholdTag.objects.create(
        street=world.street, household=world.hh_a1, tag=world.tags["hardship"]
    )
    _refused(
        model=HouseholdTag,
        pk=link.pk,
        tag_id=Tag.objects.get(street=world.street_t, code="hardship").pk,
    )
    _refused(model=HouseholdTag, pk=link.pk, street_id=world.street_t.pk)
    link.refresh_from_db()
    assert (link.street_id, link.tag_id) == (world.street.pk, world.tags["hardship"].pk)


def test_a_dwelling_with_households_is_not_deleted(world):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError), transaction.atomic():
        Dwelling.objects.filter(pk=world.hh_a1.dwelling_id).delete()
    assert Dwelling.objects.filter(pk=world.hh_a1.dwelling_id).exists()


def test_every_other_foreign_key_is_checked_too(world):
    """A tag link to a household that does not exist is refused on SQLite as on PostgreSQL
    (SQLite checks foreign keys only when told to; the project tells it on every
    connection)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
    tag = Tag.objects.filter(street=world.street).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdTag.objects.create(street=world.street, tag=tag, household_id=987654321)
        connection.check_constraints()  # deferred keys, checked now rather than at commit
    assert not HouseholdTag.objects.filter(household_id=987654321).exists()
