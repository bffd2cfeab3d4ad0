"""The grid tree and node pages: who sees which nodes, counts, breadcrumbs, map."""

import pytest
from django.urls import reverse

from linli.grids.models import NodeKind
from linli.grids.services import node_add
from linli.registry.models import Compound
from linli.testing import english
from linli.testing import world as w

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[121.48, 31.25], [121.49, 31.25], [121.49, 31.26], [121.48, 31.25]]],
}


def get(client, name, *args, **query):
    url = reverse(name, args=args)
    return english(client).get(url, query)


def test_tree_shows_the_visible_subtree_with_rolled_up_counts(world, login):
    html = get(login(world.admin), "registry:tree").content.decode()
    for node in (world.street, world.nbh_a, world.nbh_b, world.grid_a1, world.grid_b1):
        assert node.name in html
    assert world.street_t.name not in html
    assert world.district.name not in html  # above the admin's grant


def test_tree_for_a_grid_worker_is_their_grid_only(world, login):
    response = get(login(world.grid_a1_worker), "registry:tree")
    html = response.content.decode()
    assert world.grid_a1.name in html
    for other in (world.street, world.nbh_a, world.grid_a2, world.grid_b1):
        assert other.name not in html
    rows = response.context["rows"]
    assert [(r["node"], r["counts"].households, r["counts"].residents) for r in rows] == [
        (world.grid_a1, 2, 4)
    ]


@pytest.mark.parametrize("who", ["property", "leader", "resident_user", "volunteer", "nobody"])
def test_tree_is_not_for_roles_without_nodes(world, login, who):
    assert get(login(getattr(world, who)), "registry:tree").status_code == 404


def test_tree_query_count_is_constant(world, login, django_assert_num_queries):
    client = login(world.admin)
    get(client, "registry:tree")  # warm the session

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert get(client, "registry:tree").status_code == 200
        return len(ctx)

    before = count()
    grid = node_add(
        actor=None, parent=world.nbh_b, kind=NodeKind.GRID, code="310109011002009", name="新网格"
    )
    compound = Compound.objects.create(street=world.street, grid=grid, name="新小区")
    for room in ("101", "102"):
        hh = w.household(world.street, grid, compound, "9", "1", room)
        w.resident(hh, "新居民", f"31010919700101{room}", f"1370000{room}0")
    assert count() == before


def test_node_page_shows_details_counts_children_compounds(world, login):
    world.grid_a1.leader = world.grid_a1_worker
    world.grid_a1.save()
    response = get(login(world.cadre), "registry:node", world.nbh_a.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert world.nbh_a.code in html
    assert world.grid_a1.name in html and world.grid_a2.name in html
    assert world.compound_a1.name in html and world.compound_a2.name in html
    assert world.compound_b1.name not in html
    counts = response.context["counts"]
    assert (counts.households, counts.residents) == (3, 5)
    children = {c["node"].pk: c["counts"].households for c in response.context["children"]}
    assert children == {world.grid_a1.pk: 2, world.grid_a2.pk: 1}
    # Breadcrumbs: the street is above the cadre's grant, so it is not shown.
    assert response.context["breadcrumbs"] == []
    grid_page = get(login(world.cadre), "registry:node", world.grid_a1.pk)
    html = grid_page.content.decode()
    assert grid_page.context["breadcrumbs"] == [world.nbh_a]
    assert "和平商厦" in html and "新港路" in html  # 四至
    assert "周美华网格长" in html  # the leader


def test_node_page_lists_units_located_there(world, login):
    world.police.node = world.grid_a1
    world.police.save()
    assert (
        world.police.name
        in get(login(world.admin), "registry:node", world.grid_a1.pk).content.decode()
    )
    assert (
        world.police.name
        not in get(login(world.admin), "registry:node", world.grid_b1.pk).content.decode()
    )


def test_node_map_only_when_boundaries_exist(world, login):
    client = login(world.admin)
    html = get(client, "registry:node", world.nbh_a.pk).content.decode()
    assert "echarts.min.js" not in html and "node-map-data" not in html
    world.grid_a1.boundary = SQUARE
    world.grid_a1.save()
    response = get(client, "registry:node", world.nbh_a.pk)
    html = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in html and "node-map-data" in html
    data = response.context["map_data"]
    assert data["outline"] == ""  # the neighbourhood itself has no boundary
    assert [r["name"] for r in data["regions"]] == [world.grid_a1.name]
    assert data["regions"][0]["value"] == 2  # households
    assert data["regions"][0]["url"] == f"/grids/{world.grid_a1.pk}/"
    assert data["geojson"]["features"][0]["properties"]["name"] == world.grid_a1.name


@pytest.mark.parametrize(
    "who,node",
    [
        ("grid_a1_worker", "grid_b1"),
        ("grid_a1_worker", "nbh_a"),
        ("cadre", "nbh_b"),
        ("admin", "street_t"),
        ("admin", "grid_t1"),
        ("other_admin", "grid_a1"),
        ("property", "grid_a1"),
        ("leader", "grid_a1"),
        ("resident_user", "grid_a1"),
    ],
)
def test_node_out_of_scope_is_404(world, login, who, node):
    assert (
        get(login(getattr(world, who)), "registry:node", getattr(world, node).pk).status_code == 404
    )


def test_missing_node_is_404(world, login):
    assert get(login(world.admin), "registry:node", 999999).status_code == 404


def test_grid_worker_does_not_see_party_share(world, login):
    html = get(login(world.grid_a1_worker), "registry:node", world.grid_a1.pk).content.decode()
    assert "党员" not in html
    assert "纯老户" in html
    html = get(login(world.cadre), "registry:node", world.grid_a1.pk).content.decode()
    assert "党员" in html
