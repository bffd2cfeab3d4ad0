"""Derived tags (纯老户, 独居老人, 外来人口, 租户): added and taken away as the registry
changes, for the households asked about only, never touching staff tags."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.registry.models import (
    Compound,
    HouseholdTag,
    ResidenceStatus,
    Resident,
    ResidentTag,
    Tenure,
)
from linli.registry.tags import cutoff_birth_date, refresh_derived_tags
from linli.testing import world as w

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)
OLD, YOUNG = "1950", "1990"  # birth years
_serial = iter(range(100, 1000))


def _id_number(year: str) -> str:
    return f"310109{year}0101{next(_serial)}"  # the test world fixes the check digit


@pytest.fixture
def place(world):
    return Compound.objects.create(street=world.street, grid=world.grid_a1, name="测试苑")


def home(world, place, room, *people, tenure=Tenure.OWNER):
    """A household in ``room`` with residents given as (name, ID number, status)."""
    hh = w.household(world.street, world.grid_a1, place, "1", "1", room, tenure=tenure)
    for i, (name, year, status) in enumerate(people):
        w.resident(hh, name, _id_number(year), f"1390000{room}{i}", status=status)
    return hh


def household_tags(hh) -> set[str]:
    return set(HouseholdTag.objects.filter(household=hh).values_list("tag__code", flat=True))


def resident_tags(resident) -> set[str]:
    return set(ResidentTag.objects.filter(resident=resident).values_list("tag__code", flat=True))


def refresh(world, *households):
    refresh_derived_tags(world.street.pk, [h.pk for h in households] or None, today=TODAY)


def test_elderly_only_needs_members_all_sixty_or_older(world, place):
    both_old = home(world, place, "101", ("甲", OLD, "registered"), ("乙", OLD, "registered"))
    mixed = home(world, place, "102", ("丙", OLD, "registered"), ("丁", YOUNG, "registered"))
    empty = home(world, place, "103")
    unknown = home(world, place, "104", ("戊", OLD, "registered"))
    Resident.objects.create(
        street=world.street, household=unknown, grid=world.grid_a1, name="己", birth_date=None
    )
    refresh(world)
    assert "elderly_only" in household_tags(both_old)
    assert "elderly_only" not in household_tags(mixed) | household_tags(empty)
    assert "elderly_only" not in household_tags(unknown)  # an unknown age is not 60+


def test_lives_alone_is_a_single_member_sixty_or_older(world, place):
    alone = home(world, place, "201", ("甲", OLD, "registered"))
    young = home(world, place, "202", ("乙", YOUNG, "registered"))
    pair = home(world, place, "203", ("丙", OLD, "registered"), ("丁", OLD, "registered"))
    refresh(world)
    assert resident_tags(alone.members.get()) == {"lives_alone"}
    assert "elderly_only" in household_tags(alone)
    assert resident_tags(young.members.get()) == set()
    assert all("lives_alone" not in resident_tags(r) for r in pair.members.all())


@pytest.mark.parametrize("whole_street", [False, True], ids=["named", "whole-street"])
def test_tags_follow_changes_and_are_taken_away(world, place, whole_street):
    hh = home(world, place, "301", ("甲", OLD, "migrant"), tenure=Tenure.TENANT)
    named = () if whole_street else (hh,)
    refresh(world, *named)
    first = hh.members.get()
    assert household_tags(hh) == {"elderly_only", "tenant"}
    assert resident_tags(first) == {"lives_alone", "migrant"}

    w.resident(hh, "乙", _id_number(YOUNG), "13900003019")  # a young member moves in
    Resident.objects.filter(pk=first.pk).update(residence_status=ResidenceStatus.REGISTERED)
    type(hh).objects.filter(pk=hh.pk).update(tenure=Tenure.OWNER)
    refresh(world, *named)
    assert household_tags(hh) == set()
    assert resident_tags(first) == set()


def test_running_again_changes_nothing(world, place):
    hh = home(world, place, "401", ("甲", OLD, "migrant"), tenure=Tenure.TENANT)
    refresh(world)
    before = (
        sorted(HouseholdTag.objects.values_list("pk", "household_id", "tag_id", "level")),
        sorted(ResidentTag.objects.values_list("pk", "resident_id", "tag_id", "level")),
    )
    refresh(world)
    refresh(world, hh)
    after = (
        sorted(HouseholdTag.objects.values_list("pk", "household_id", "tag_id", "level")),
        sorted(ResidentTag.objects.values_list("pk", "resident_id", "tag_id", "level")),
    )
    assert after == before


def test_only_the_households_named_are_refreshed(world, place):
    named = home(world, place, "501", ("甲", OLD, "registered"))
    other = home(world, place, "502", ("乙", OLD, "registered"))
    refresh(world, named)
    assert "elderly_only" in household_tags(named)
    assert household_tags(other) == set()  # not asked about: left as it was
    assert resident_tags(other.members.get()) == set()


def test_staff_tags_are_left_alone(world, place):
    hh = home(world, place, "601", ("甲", YOUNG, "registered"))
    person = hh.members.get()
    HouseholdTag.objects.create(street=world.street, household=hh, tag=world.tags["hardship"])
    ResidentTag.objects.create(
        street=world.street, resident=person, tag=world.tags["disabled"], level="一级"
    )
    refresh(world, hh)
    refresh(world)
    assert household_tags(hh) == {"hardship"}
    assert ResidentTag.objects.get(resident=person).level == "一级"


def test_sixtieth_birthday_counts_from_that_day(world, place):
    cutoff = cutoff_birth_date(TODAY)
    hh = home(world, place, "701", ("甲", YOUNG, "registered"))
    person = hh.members.get()
    Resident.objects.filter(pk=person.pk).update(birth_date=cutoff + dt.timedelta(days=1))
    refresh(world, hh)
    assert resident_tags(person) == set()
    Resident.objects.filter(pk=person.pk).update(birth_date=cutoff)
    refresh(world, hh)
    assert resident_tags(person) == {"lives_alone"}
