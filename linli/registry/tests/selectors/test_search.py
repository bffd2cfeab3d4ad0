"""The search page's reads: ``household_search`` pages the same households, in the same
address order, as ``household_list``; ``household_page`` loads one page in three queries."""

import re

import pytest
from django.http import Http404

from linli.registry.models import (
    Compound,
    Household,
    HouseholdTag,
    Tag,
    TagSensitivity,
    TagTarget,
    address_sort_key,
)
from linli.registry.selectors.households import (
    HouseholdFilters,
    household_list,
    household_page,
    household_search,
)
from linli.testing import world as w

pytestmark = pytest.mark.django_db


@pytest.fixture
def more(world):
    """Households whose address order differs from their creation order."""
    late = Compound.objects.create(street=world.street, grid=world.grid_a1, name="阿林苑")
    places = [("2", "1", "102"), ("10", "2", "101"), ("2", "1", "101")]
    for i, (building, entrance, room) in enumerate(places):
        hh = w.household(world.street, world.grid_a1, late, building, entrance, room)
        w.resident(hh, f"居民{i}", f"31010919800101{200 + i}", f"1370000{200 + i}0")
    # A second household in hh_a1's dwelling: same address, so the id decides.
    Household.objects.create(street=world.street, dwelling=world.hh_a1.dwelling, grid=world.grid_a1)
    HouseholdTag.objects.create(
        street=world.street, household=world.hh_a2, tag=world.tags["hardship"], level="A"
    )
    return late


FILTERS = [
    {},
    {"q": "阿林苑"},
    {"q": "周美华"},
    {"tenure": "tenant"},
    {"tag": "elderly_only"},
    {"node": "grid_a1"},
]


@pytest.mark.parametrize("who", ["admin", "cadre", "grid_a1_worker", "grid_b1_worker", "leader"])
@pytest.mark.parametrize("given", FILTERS)
def test_same_households_in_the_same_order_as_household_list(world, more, who, given):
    actor = getattr(world, who)
    filters = HouseholdFilters(q=given.get("q", ""), tenure=given.get("tenure", ""))
    if "tag" in given:
        filters.tag_ids = [world.tags[given["tag"]].pk]
    if "node" in given:
        filters.node_id = getattr(world, given["node"]).pk
    try:
        expected = [h.pk for h in household_list(actor, filters)]
    except Http404:  # a node outside the actor's scope: refused the same way
        with pytest.raises(Http404):
            household_search(actor, filters)
        return
    assert [h.pk for h in household_search(actor, filters)] == expected
    assert household_search(actor, filters).count() == len(expected)
    page = household_page(actor, household_search(actor, filters), 0, 25)
    assert [row.household.pk for row in page] == expected


def _numeric(text: str) -> list:
    """'2-10A' → ['', 2, '-', 10, 'A']: numbers compared as numbers."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


def test_address_order_is_compound_building_entrance_room_by_number(world, more):
    rows = household_page(world.admin, household_search(world.admin, HouseholdFilters()), 0, 25)
    addresses = [
        (
            r.household.address_compound,
            r.household.address_building,
            r.household.address_entrance,
            r.household.address_room,
        )
        for r in rows
    ]
    assert addresses == sorted(addresses, key=lambda a: [_numeric(part) for part in a])
    # Numbers in numeric order, as household_list: building 2 before building 10.
    assert [a for a in addresses if a[0] == more.name] == [
        ("阿林苑", "2", "1", "101"),
        ("阿林苑", "2", "1", "102"),
        ("阿林苑", "10", "2", "101"),
    ]
    listed = [h.pk for h in household_list(world.admin, HouseholdFilters())]
    assert listed == [r.household.pk for r in rows]
    # Two households in one dwelling: the older first.
    same = [r.household.pk for r in rows if r.household.address_room == "301"]
    assert same == sorted(same) and len(same) == 2


@pytest.mark.parametrize(
    "smaller, larger",
    [
        (("榆兰新村", "2", "1", "1401"), ("榆兰新村", "10", "1", "101")),
        (("榆兰新村", "2", "1", "302"), ("榆兰新村", "2", "1", "1401")),
        (("榆兰新村", "2", "1", "1401"), ("榆兰新村", "2", "2", "101")),
        (("榆兰新村", "99", "9", "999"), ("榆兰新村一期", "1", "1", "101")),
        (("三宝新村", "5", "1", "101"), ("阿林苑", "1", "1", "101")),
        (("榆兰新村", "2A", "1", "101"), ("榆兰新村", "3", "1", "101")),
        (("榆兰新村", "2", "1", "101"), ("榆兰新村", "2A", "1", "101")),
        (("榆兰新村", "02", "1", "101"), ("榆兰新村", "3", "1", "101")),
        (("榆兰新村", "2", "", "101"), ("榆兰新村", "2", "1", "101")),
    ],
)
def test_address_sort_key_orders_numbers_by_value(smaller, larger):
    assert address_sort_key(*smaller) < address_sort_key(*larger)


def test_address_sort_key_compares_the_same_in_the_database(world):
    """The key sorts byte by byte whatever the database's collation: separators count."""
    from django.db.models import Value

    from linli.core.models import SortKeyField

    keys = [
        address_sort_key("榆兰新村", "10", "1", "101"),
        address_sort_key("榆兰新村", "2", "1", "1401"),
        address_sort_key("榆兰新村 ", "1", "1", "101"),
        address_sort_key("榆兰新村", "2", "1", "302"),
        address_sort_key("Alpha", "1", "1", "1"),
        address_sort_key("alpha", "1", "1", "1"),
    ]
    for i, key in enumerate(keys):
        hh = w.household(world.street, world.grid_a1, world.compound_a1, "90", "1", f"90{i}")
        Household.objects.filter(pk=hh.pk).update(address_key=Value(key, SortKeyField()))
    in_db = list(
        Household.objects.filter(address_key__in=keys)
        .order_by("address_key")
        .values_list("address_key", flat=True)
    )
    assert in_db == sorted(keys)


def test_a_page_is_three_queries_with_everything_a_row_shows(
    world, more, django_assert_num_queries
):
    households = household_search(world.admin, HouseholdFilters())
    with django_assert_num_queries(3):
        rows = household_page(world.admin, households, 0, 25)
        shown = {
            row.household.pk: (
                row.household.address_compound,
                row.household.address_building,
                row.household.address_entrance,
                row.household.address_room,
                row.household.grid_name,
                [(m.name, m.birth_date, m.phone_masked) for m in row.members],
                [(t.tag.name, bool(t.tag.rule), t.level) for t in row.tags],
            )
            for row in rows
        }
    a1 = shown[world.hh_a1.pk]
    assert a1[:5] == ("雨泉花园", "1", "1", "301", world.grid_a1.name)
    assert a1[5] == [
        ("周美华", world.zhou.birth_date, "138****1234"),
        ("王建国", world.wang.birth_date, "139****5678"),
    ]
    assert a1[6] == [("纯老户", True, "")]
    assert shown[world.hh_a2.pk][6] == [("困难家庭", False, "A")]
    assert shown[world.hh_b1.pk][5][0][0] == "赵嫦娥"


def test_members_are_in_id_order_as_on_the_household_file(world):
    rows = household_page(world.admin, household_search(world.admin, HouseholdFilters()), 0, 25)
    by_pk = {row.household.pk: row for row in rows}
    assert [m.pk for m in by_pk[world.hh_a1.pk].members] == sorted(
        m.pk for m in world.hh_a1.members.all()
    )


def test_tags_the_actor_may_not_see_are_left_out(world):
    party = Tag.objects.create(
        street=world.street,
        code="party_household",
        name="党员户",
        target=TagTarget.HOUSEHOLD,
        sensitivity=TagSensitivity.PARTY,
    )
    HouseholdTag.objects.create(street=world.street, household=world.hh_a1, tag=party)

    def tags_of(actor):
        rows = household_page(actor, household_search(actor, HouseholdFilters()), 0, 25)
        return {t.tag.name for row in rows if row.household.pk == world.hh_a1.pk for t in row.tags}

    assert tags_of(world.admin) == {"纯老户", "党员户"}
    assert tags_of(world.grid_a1_worker) == {"纯老户"}  # no view_party_tags


def test_pages_are_slices_of_the_same_order(world, more):
    households = household_search(world.admin, HouseholdFilters())
    everything = [h.pk for h in household_list(world.admin, HouseholdFilters())]
    assert [r.household.pk for r in household_page(world.admin, households, 2, 5)] == (
        everything[2:5]
    )


def test_an_empty_page_needs_no_query(world, django_assert_num_queries):
    households = household_search(world.admin, HouseholdFilters(q="没有这个人"))
    with django_assert_num_queries(0):
        assert household_page(world.admin, households, 0, 0) == []


# --- the search box's lookups, each on its own index, combined --------------------------------


def _expected(actor, matches) -> list[int]:
    """The households in the actor's scope that ``matches(household)``, in address order:
    what one condition over members and address would find."""
    return [h.pk for h in household_list(actor, HouseholdFilters()) if matches(h)]


def _found(actor, q: str) -> list[int]:
    found = [h.pk for h in household_search(actor, HouseholdFilters(q=q))]
    assert household_search(actor, HouseholdFilters(q=q)).count() == len(found)
    assert [h.pk for h in household_list(actor, HouseholdFilters(q=q))] == found
    return found


@pytest.fixture
def fours(world):
    """'5678' is wang's phone (hh_a1), a room in grid A2, and both at once in grid B1;
    the other street has the same room and phone."""
    room = w.household(world.street, world.grid_a2, world.compound_a2, "3", "1", "5678")
    both = w.household(world.street, world.grid_b1, world.compound_b1, "6", "2", "5678")
    w.resident(both, "钱多多", "310109198001021010", "13611115678")
    w.resident(both, "钱少少", "310109198001021020", "13622225678")  # two members match
    elsewhere = w.household(world.street_t, world.grid_t1, world.compound_t, "9", "1", "5678")
    w.resident(elsewhere, "吴五六", "310109198001021030", "13633335678")
    return room, both, elsewhere


@pytest.mark.parametrize(
    "who", ["admin", "grid_a1_worker", "grid_b1_worker", "other_admin", "leader", "resident_user"]
)
def test_four_digits_find_a_phone_a_room_or_both_once(world, fours, who):
    room, both, elsewhere = fours
    actor = getattr(world, who)
    found = _found(actor, "5678")

    def matches(h):
        return h.dwelling.room == "5678" or any(m.phone_last4 == "5678" for m in h.members.all())

    assert found == _expected(actor, matches)
    expected = {
        "admin": [world.hh_a1.pk, room.pk, both.pk],
        "grid_a1_worker": [world.hh_a1.pk],
        "grid_b1_worker": [both.pk],
        "other_admin": [elsewhere.pk],
    }.get(who)
    if expected is not None:
        assert sorted(found) == sorted(expected)


def test_four_digits_match_a_room_with_no_one_living_there(world, fours):
    room, _both, _elsewhere = fours
    assert room.members.count() == 0
    assert room.pk in _found(world.admin, "5678")
    assert _found(world.admin, "0000") == []


@pytest.fixture
def names(world, more):
    """'林' is in the compound 阿林苑 (three households) and in a member's name elsewhere;
    '林苑' only in the compound; one person named 林 lives in the compound too."""
    w.resident(world.hh_b1, "林小红", "310109198001021040", "13644441111")
    inside = Household.objects.filter(dwelling__entrance__building__compound=more).first()
    w.resident(inside, "林大伟", "310109198001021050", "13644442222")
    moved_out = w.resident(world.hh_a2, "林老", "310109198001021060", "13644443333")
    moved_out.household = None
    moved_out.save()
    return more


@pytest.mark.parametrize("q", ["林", "林苑", "林小", "阿林苑", "周美华", "榆兰", "没有"])
@pytest.mark.parametrize(
    "who", ["admin", "grid_a1_worker", "grid_b1_worker", "leader", "resident_user", "cadre"]
)
def test_a_name_finds_members_and_compounds_once(world, names, q, who):
    actor = getattr(world, who)

    def matches(h):
        compound = h.dwelling.entrance.building.compound.name
        return q in compound or any(q in m.name for m in h.members.all())

    found = _found(actor, q)
    assert found == _expected(actor, matches)
    assert len(found) == len(set(found))


def test_a_name_in_a_compound_and_a_member_at_once(world, names):
    found = _found(world.admin, "林")
    in_compound = set(
        Household.objects.filter(dwelling__entrance__building__compound=names).values_list(
            "pk", flat=True
        )
    )
    assert set(found) == in_compound | {world.hh_b1.pk}
    assert world.hh_a2.pk not in found  # 林老 moved out of it
    assert _found(world.admin, "林小") == [world.hh_b1.pk]


def test_compound_names_match_whatever_the_case(world):
    latin = Compound.objects.create(street=world.street, grid=world.grid_a1, name="Sunny Garden")
    hh = w.household(world.street, world.grid_a1, latin, "1", "1", "101")
    assert _found(world.admin, "sunny") == [hh.pk]
    assert _found(world.admin, "GARDEN") == [hh.pk]


def test_full_numbers_find_the_one_household(world, fours):
    assert _found(world.admin, "13900005678") == [world.hh_a1.pk]
    assert _found(world.admin, "139 0000 5678") == [world.hh_a1.pk]
    assert _found(world.admin, world.liu.id_number) == [world.hh_a2.pk]
    assert _found(world.other_admin, "13900005678") == []
