"""GET /api/v1/grids and /grids/{id}: each role sees exactly its subtree; the rest is 404."""

import pytest

from linli.accounts.services import token_issue
from linli.grids.models import GridNode

pytestmark = pytest.mark.django_db

NODES = ["district", "street", "nbh_a", "nbh_b", "grid_a1", "grid_a2", "grid_b1"]
NODES += ["street_t", "nbh_t", "grid_t1"]

# Who sees which nodes (places.view over the node subtree; unit staff, building
# leaders, volunteers and residents reach no node).
VISIBLE = {
    "admin": {"street", "nbh_a", "nbh_b", "grid_a1", "grid_a2", "grid_b1"},
    "other_admin": {"street_t", "nbh_t", "grid_t1"},
    "cadre": {"nbh_a", "grid_a1", "grid_a2"},
    "grid_a1_worker": {"grid_a1"},
    "grid_b1_worker": {"grid_b1"},
    "leader": set(),
    "property": set(),
    "volunteer": set(),
    "resident_user": set(),
    "nobody": set(),
}


@pytest.fixture
def api_get(client):
    """``api_get(user, url, params)``: a GET with a bearer token of ``user`` (English)."""
    tokens = {}

    def get(user, url, params=None):
        if user.pk not in tokens:
            tokens[user.pk] = token_issue(user=user)[0]
        headers = {"Authorization": f"Bearer {tokens[user.pk]}", "Accept-Language": "en"}
        return client.get(url, params or {}, headers=headers)

    return get


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_list_shows_exactly_the_subtree(world, api_get, who):
    response = api_get(getattr(world, who), "/api/v1/grids")
    assert response.status_code == 200
    got = {row["id"] for row in response.json()}
    assert got == {getattr(world, name).pk for name in VISIBLE[who]}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_detail_is_404_outside_the_subtree_exactly_like_a_missing_id(world, api_get, who):
    user = getattr(world, who)
    missing = api_get(user, "/api/v1/grids/987654321")
    assert missing.status_code == 404
    for name in NODES:
        response = api_get(user, f"/api/v1/grids/{getattr(world, name).pk}")
        if name in VISIBLE[who]:
            assert response.status_code == 200, name
            assert response.json()["id"] == getattr(world, name).pk
        else:
            assert response.status_code == 404, name
            assert response.content == missing.content


def test_list_fields_and_tree_order(world, api_get):
    rows = api_get(world.admin, "/api/v1/grids").json()
    assert [r["id"] for r in rows] == [
        n.pk
        for n in (
            world.street,
            world.nbh_a,
            world.grid_a1,
            world.grid_a2,
            world.nbh_b,
            world.grid_b1,
        )
    ]
    a1 = next(r for r in rows if r["id"] == world.grid_a1.pk)
    assert a1["kind"] == "grid"
    assert a1["code"] == "310109011001001"
    assert a1["name"] == "三宝第一网格"
    assert a1["street_id"] == world.street.pk
    assert a1["bounds"] == {
        "east": "和平商厦",
        "west": "远洋新村",
        "south": "新港路",
        "north": "和平公园围墙",
    }
    assert a1["boundary"] is None


def test_parent_id_only_names_parents_inside_the_scope(world, api_get):
    by_id = {r["id"]: r for r in api_get(world.admin, "/api/v1/grids").json()}
    assert by_id[world.street.pk]["parent_id"] is None  # the district is outside the scope
    assert by_id[world.nbh_a.pk]["parent_id"] == world.street.pk
    assert by_id[world.grid_a1.pk]["parent_id"] == world.nbh_a.pk
    [only] = api_get(world.grid_a1_worker, "/api/v1/grids").json()
    assert only["parent_id"] is None
    detail = api_get(world.grid_a1_worker, f"/api/v1/grids/{world.grid_a1.pk}").json()
    assert detail["parent_id"] is None
    detail = api_get(world.cadre, f"/api/v1/grids/{world.grid_a1.pk}").json()
    assert detail["parent_id"] == world.nbh_a.pk


def test_boundary_geojson_and_leader_are_returned(world, api_get):
    polygon = {
        "type": "Polygon",
        "coordinates": [[[121.48, 31.26], [121.49, 31.26], [121.49, 31.27], [121.48, 31.26]]],
    }
    GridNode.objects.filter(pk=world.grid_a1.pk).update(
        boundary=polygon, leader=world.grid_a1_worker
    )
    detail = api_get(world.grid_a1_worker, f"/api/v1/grids/{world.grid_a1.pk}").json()
    assert detail["boundary"] == polygon
    assert detail["leader"] == {"id": world.grid_a1_worker.pk, "name": "周美华网格长"}


def test_kind_filter(world, api_get):
    rows = api_get(world.admin, "/api/v1/grids", {"kind": "grid"}).json()
    assert {r["id"] for r in rows} == {world.grid_a1.pk, world.grid_a2.pk, world.grid_b1.pk}
    response = api_get(world.admin, "/api/v1/grids", {"kind": "planet"})
    assert response.status_code == 422
    assert response.json()["field"] == "kind"


def test_detail_children_in_scope(world, api_get):
    street = api_get(world.admin, f"/api/v1/grids/{world.street.pk}").json()
    assert [c["id"] for c in street["children"]] == [world.nbh_a.pk, world.nbh_b.pk]
    nbh = api_get(world.cadre, f"/api/v1/grids/{world.nbh_a.pk}").json()
    assert [c["id"] for c in nbh["children"]] == [world.grid_a1.pk, world.grid_a2.pk]
    grid = api_get(world.grid_a1_worker, f"/api/v1/grids/{world.grid_a1.pk}").json()
    assert grid["children"] == []


def _tag_counts(detail):
    return {t["code"]: t["count"] for t in detail["counts"]["tags"]}


def test_detail_counts_roll_up_the_subtree(world, api_get):
    street = api_get(world.admin, f"/api/v1/grids/{world.street.pk}").json()
    assert street["counts"]["households"] == 4
    assert street["counts"]["residents"] == 6
    a1 = api_get(world.admin, f"/api/v1/grids/{world.grid_a1.pk}").json()
    assert (a1["counts"]["households"], a1["counts"]["residents"]) == (2, 4)
    assert _tag_counts(a1)["party_member"] == 1
    assert _tag_counts(a1)["migrant"] == 2
    elderly = next(t for t in a1["counts"]["tags"] if t["code"] == "elderly_only")
    assert elderly["share"] == 0.5  # one of the two households of A1


def test_counts_hide_sensitive_tags_without_permission(world, api_get):
    a1 = api_get(world.grid_a1_worker, f"/api/v1/grids/{world.grid_a1.pk}").json()
    assert "party_member" not in _tag_counts(a1)  # grid workers may not see party membership
    b1 = api_get(world.grid_b1_worker, f"/api/v1/grids/{world.grid_b1.pk}").json()
    assert _tag_counts(b1)["disabled"] == 1  # but they may see health tags


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "1.5", "99999999999999999999999"])
def test_bad_ids_are_422_not_500(world, api_get, bad):
    response = api_get(world.admin, f"/api/v1/grids/{bad}")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == "id"
