"""The search page: one box, tag and node filters, paging, scope and masking."""

import pytest
from django.urls import NoReverseMatch, reverse

from linli.registry.models import Compound
from linli.testing import english
from linli.testing import world as w

pytestmark = pytest.mark.django_db


def search(client, **query):
    return english(client).get(reverse("registry:search"), query)


def found(response):
    assert response.status_code == 200
    return {row["household"].pk for row in response.context["rows"]}


@pytest.mark.parametrize(
    "q,expected",
    [
        ("王建国", "hh_a1"),
        ("5678", "hh_a1"),  # last four phone digits
        ("2号楼1单元1401", "hh_a2"),
        ("5-1-101", "hh_b1"),
        ("13600004444", "hh_b1"),  # full phone
    ],
)
def test_one_box_finds_by_name_phone_address(world, login, q, expected):
    assert found(search(login(world.admin), q=q)) == {getattr(world, expected).pk}


def test_full_id_number_uses_the_blind_index(world, login):
    assert found(search(login(world.admin), q=world.liu.id_number)) == {world.hh_a2.pk}
    other = world.liu.id_number[:-1] + ("1" if world.liu.id_number[-1] != "1" else "2")
    assert found(search(login(world.admin), q=other)) == set()


def test_search_stays_in_scope(world, login):
    client = login(world.grid_a1_worker)
    assert found(search(client, q="赵嫦娥")) == set()
    assert found(search(client)) == {world.hh_a1.pk, world.hh_a1b.pk}
    assert found(search(login(world.admin), q=world.sun.name)) == set()  # other street


def test_tag_filter(world, login):
    client = login(world.admin)
    elderly = world.tags["elderly_only"].pk
    assert found(search(client, tag=elderly)) == {world.hh_a1.pk, world.hh_b1.pk}
    migrant = world.tags["migrant"].pk  # a resident tag: households with such a member
    assert found(search(client, tag=[elderly, migrant])) == set()
    assert found(search(client, tag=migrant)) == {world.hh_a1b.pk}


def test_sensitive_tags_not_offered_without_permission(world, login):
    response = search(login(world.grid_a1_worker))
    names = [label for _value, label in response.context["form"].fields["tag"].choices]
    assert "党员" not in names and "残疾" in names
    # Filtering by a tag the user may not see is refused by the form: no results leak.
    party = world.tags["party_member"].pk
    response = search(login(world.grid_a1_worker), tag=party)
    assert "tag" in response.context["form"].errors
    assert response.context["rows"] == []


def test_node_filter(world, login):
    client = login(world.cadre)
    assert found(search(client, node=world.grid_a2.pk)) == {world.hh_a2.pk}
    response = search(client, node=world.grid_b1.pk)  # outside the cadre's scope
    assert "node" in response.context["form"].errors
    assert response.context["rows"] == []


def test_rows_are_masked_and_link_to_the_file(world, login):
    html = search(login(world.admin), q="周美华").content.decode()
    assert reverse("registry:household", args=[world.hh_a1.pk]) in html
    assert "138****1234" in html
    assert "13812341234" not in html and world.zhou.id_number not in html
    assert 'class="stack results"' in html


def test_25_per_page(world, login):
    grid = world.grid_a2
    compound = Compound.objects.create(street=world.street, grid=grid, name="大小区")
    for i in range(30):
        w.household(world.street, grid, compound, "1", "1", f"{100 + i}")
    client = login(world.cadre)
    first = search(client, q="大小区")
    assert len(first.context["rows"]) == 25
    assert first.context["page"].paginator.count == 30
    html = first.content.decode()
    assert "q=%E5%A4%A7%E5%B0%8F%E5%8C%BA&amp;page=2" in html
    second = search(client, q="大小区", page=2)
    assert len(second.context["rows"]) == 5


def test_search_query_count_does_not_grow_with_results(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.admin)
    search(client)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            search(client)
        return len(ctx)

    before = count()
    compound = Compound.objects.create(street=world.street, grid=world.grid_a2, name="大小区")
    for i in range(10):
        hh = w.household(world.street, world.grid_a2, compound, "1", "1", f"{100 + i}")
        w.resident(hh, f"居民{i}", f"31010919700101{100 + i}", f"137000{1000 + i}0")
    assert count() == before


def test_export_links_carry_the_same_query(world, login):
    response = search(login(world.admin), q="王建国")
    try:
        url = reverse("registry:export_households")
    except NoReverseMatch:
        assert response.context["export_households"] is None
        return
    assert response.context["export_households"] == f"{url}?q=%E7%8E%8B%E5%BB%BA%E5%9B%BD"
    assert response.context["export_residents"].endswith("?q=%E7%8E%8B%E5%BB%BA%E5%9B%BD")


def test_no_export_links_without_export_permission(world, login):
    response = search(login(world.leader))
    assert not response.context["export_households"]
    assert not response.context["export_residents"]


@pytest.mark.parametrize("who", ["resident_user", "property", "volunteer", "nobody"])
def test_search_not_for_residents_property_or_volunteers(world, login, who):
    assert search(login(getattr(world, who)), q="周").status_code == 404


def test_building_leader_searches_their_buildings(world, login):
    assert found(search(login(world.leader))) == {world.hh_a1.pk, world.hh_a1b.pk}


def test_tenure_filter(world, login):
    assert found(search(login(world.admin), tenure="tenant")) == {world.hh_a1b.pk}


def test_export_link_filters_match_the_search(world, login):
    """The export views read the same query string: the same households come out."""
    from linli.registry.views.ledger import filters_from_query

    client = login(world.admin)
    response = search(client, q="雨泉", tag=world.tags["tenant"].pk, tenure="tenant")
    url = response.context["export_households"]
    assert url
    from django.http import QueryDict

    filters = filters_from_query(QueryDict(url.split("?", 1)[1]))
    assert filters.q == "雨泉" and filters.tag_ids == [world.tags["tenant"].pk]
    assert filters.tenure == "tenant"
    assert found(response) == {world.hh_a1b.pk}


def test_posted_search_redirects_to_a_shareable_address(world, login):
    client = login(world.admin)
    response = client.post(reverse("registry:search"), {"q": "王建国", "tenure": ""})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("registry:search") + "?")
    assert "q=%E7%8E%8B%E5%BB%BA%E5%9B%BD" in response["Location"]
    assert "csrfmiddlewaretoken" not in response["Location"]


@pytest.mark.parametrize("attr", ["id_number", "phone"])
def test_full_id_or_phone_is_answered_without_putting_it_in_a_url(world, login, attr):
    client = login(world.admin)
    value = getattr(world.liu, attr)
    response = english(client).post(reverse("registry:search"), {"q": value})
    assert response.status_code == 200  # no redirect to an address holding the number
    assert found(response) == {world.hh_a2.pk}
    assert response.context["exact"] is True
    assert not response.context["export_households"]
    html = response.content.decode()
    assert f"?q={value}" not in html and f"q={value}&" not in html


def _queries(client, **query):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    search(client, **query)  # the first request of a session may differ (session, language)
    with CaptureQueriesContext(connection) as ctx:
        assert search(client, **query).status_code == 200
    return len(ctx)


# Session and user (2), the actor's grants, visible tags, grid nodes for the node filter,
# the count, the page of households, their members, their tags, the navigation's unread
# count. The session is saved at most once a minute (IdleTimeoutMiddleware), so not on
# the measured request. A building leader has no node filter and no work-order navigation.
SEARCH_QUERIES = {
    "admin": 10,
    "cadre": 10,
    "grid_a1_worker": 10,
    "grid_b1_worker": 10,
    "leader": 9,  # the menu's unread-message count: building leaders have an inbox too
}


@pytest.mark.parametrize("who", SEARCH_QUERIES)
def test_search_query_count_is_pinned_and_does_not_depend_on_the_scope(world, login, who):
    assert _queries(login(getattr(world, who))) == SEARCH_QUERIES[who]


def test_rows_show_tag_chips_derived_ones_marked(world, login):
    from linli.registry.models import HouseholdTag

    HouseholdTag.objects.create(
        street=world.street, household=world.hh_a2, tag=world.tags["hardship"], level="A"
    )
    html = search(login(world.admin)).content.decode()
    assert '<span class="tag tag-derived">纯老户</span>' in html
    assert '<span class="tag">困难家庭 · A</span>' in html


def test_rows_show_address_members_and_grid(world, login):
    html = search(login(world.admin), q="刘运京").content.decode()
    url = reverse("registry:household", args=[world.hh_a2.pk])
    assert f'<a href="{url}">{world.compound_a2.name} 2-1-1401</a>' in html
    assert '<span class="member">刘运京 <span class="muted">' in html
    assert '<span class="masked">137****3333</span>' in html
    assert f'<td data-label="Grid">{world.grid_a2.name}</td>' in html


def test_a_page_past_the_end_shows_the_last_page(world, login):
    response = search(login(world.admin), page=99)
    assert response.context["page"].number == 1
    assert found(response) == {world.hh_a1.pk, world.hh_a1b.pk, world.hh_a2.pk, world.hh_b1.pk}
