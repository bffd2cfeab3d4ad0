"""The registry API: compounds, buildings, households, residents and tags.

Every role of the canonical world against every endpoint: exactly its scope, 404 for
the rest (identical to a missing id), masked personal data everywhere, audited
unmasking for view_pii holders only, structured errors for bad input.
"""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.accounts.services import token_issue
from linli.core.models import PiiAccess
from linli.grids.models import Role, StaffAssignment
from linli.registry.models import Building, HouseholdTag, Resident
from linli.testing.world import household, resident

pytestmark = pytest.mark.django_db

ROLES = [
    "admin",
    "other_admin",
    "cadre",
    "grid_a1_worker",
    "grid_b1_worker",
    "leader",
    "property",
    "volunteer",
    "resident_user",
    "nobody",
]

COMPOUNDS = {
    "admin": {"compound_a1", "compound_a2", "compound_b1"},
    "other_admin": {"compound_t"},
    "cadre": {"compound_a1", "compound_a2"},
    "grid_a1_worker": {"compound_a1"},
    "grid_b1_worker": {"compound_b1"},
    "property": {"compound_a1"},  # the compound its company manages
}
BUILDINGS = {
    "admin": {"compound_a1", "compound_a2", "compound_b1"},
    "other_admin": {"compound_t"},
    "cadre": {"compound_a1", "compound_a2"},
    "grid_a1_worker": {"compound_a1"},
    "grid_b1_worker": {"compound_b1"},
    "leader": {"compound_a1"},  # the building they lead
    "property": {"compound_a1"},
}  # named by compound: each world compound has one building
HOUSEHOLDS = {
    "admin": {"hh_a1", "hh_a1b", "hh_a2", "hh_b1"},
    "other_admin": {"hh_t"},
    "cadre": {"hh_a1", "hh_a1b", "hh_a2"},
    "grid_a1_worker": {"hh_a1", "hh_a1b"},
    "grid_b1_worker": {"hh_b1"},
    "leader": {"hh_a1", "hh_a1b"},
    "resident_user": {"hh_a1"},  # their own household only
}  # property company, volunteer and nobody: no household at all
ALL_COMPOUNDS = ["compound_a1", "compound_a2", "compound_b1", "compound_t"]
ALL_HOUSEHOLDS = ["hh_a1", "hh_a1b", "hh_a2", "hh_b1", "hh_t"]
MISSING = 987654321

MASKED_ID = re.compile(r"^\d{4}\*{10}[\dX]{4}$")
MASKED_PHONE = re.compile(r"^1\d{2}\*{4}\d{4}$")


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


def building_of(world, compound_name):
    return Building.objects.get(compound=getattr(world, compound_name))


def residents_of(world, names):
    return {r.pk for r in Resident.objects.filter(household__in=[getattr(world, n) for n in names])}


def clear_values():
    """Every clear ID number and phone in the database."""
    values = set()
    for r in Resident.objects.all():
        values |= {r.id_number, r.phone}
    return values


def assert_nothing_clear(response):
    text = response.content.decode()
    for value in clear_values():
        assert value not in text


def assert_nothing_clear_text(body):
    text = json.dumps(body, ensure_ascii=False)
    assert not any(value in text for value in clear_values())


# --- scope: lists ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_compound_list_is_exactly_the_scope(world, api_get, who):
    body = api_get(getattr(world, who), "/api/v1/compounds").json()
    expected = {getattr(world, n).pk for n in COMPOUNDS.get(who, set())}
    assert {c["id"] for c in body["items"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize("who", ROLES)
def test_building_list_is_exactly_the_scope(world, api_get, who):
    body = api_get(getattr(world, who), "/api/v1/buildings").json()
    expected = {building_of(world, n).pk for n in BUILDINGS.get(who, set())}
    assert {b["id"] for b in body["items"]} == expected


@pytest.mark.parametrize("who", ROLES)
def test_household_list_is_exactly_the_scope(world, api_get, who):
    body = api_get(getattr(world, who), "/api/v1/households").json()
    expected = {getattr(world, n).pk for n in HOUSEHOLDS.get(who, set())}
    assert {h["id"] for h in body["items"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize("who", ROLES)
def test_resident_list_is_exactly_the_scope(world, api_get, who):
    body = api_get(getattr(world, who), "/api/v1/residents").json()
    expected = residents_of(world, HOUSEHOLDS.get(who, set()))
    assert {r["id"] for r in body["items"]} == expected
    assert body["count"] == len(expected)


# --- scope: details (out of scope answers exactly like a missing id) ---------------------------


def _detail_urls(world):
    urls = []
    for name in ALL_COMPOUNDS:
        urls.append(("compounds", name, f"/api/v1/compounds/{getattr(world, name).pk}"))
        urls.append(("buildings", name, f"/api/v1/buildings/{building_of(world, name).pk}"))
    for name in ALL_HOUSEHOLDS:
        urls.append(("households", name, f"/api/v1/households/{getattr(world, name).pk}"))
    for r in Resident.objects.select_related("household"):
        hh = next(n for n in ALL_HOUSEHOLDS if getattr(world, n).pk == r.household_id)
        urls.append(("residents", hh, f"/api/v1/residents/{r.pk}"))
    return urls


@pytest.mark.parametrize("who", ROLES)
def test_detail_is_404_outside_the_scope_exactly_like_a_missing_id(world, api_get, who):
    user = getattr(world, who)
    allowed = {
        "compounds": COMPOUNDS.get(who, set()),
        "buildings": BUILDINGS.get(who, set()),
        "households": HOUSEHOLDS.get(who, set()),
        "residents": HOUSEHOLDS.get(who, set()),
    }
    for kind, name, url in _detail_urls(world):
        missing = api_get(user, f"/api/v1/{kind}/{MISSING}")
        assert missing.status_code == 404
        response = api_get(user, url)
        if name in allowed[kind]:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 404, url
            assert response.content == missing.content
            assert response.json() == {"code": "not_found", "message": "Not found.", "field": None}


def test_property_company_sees_its_compound_but_no_people(world, api_get):
    prop = world.property
    compound = api_get(prop, f"/api/v1/compounds/{world.compound_a1.pk}").json()
    assert compound["property_company"] == {"id": world.property_co.pk, "name": "慧海物业"}
    assert compound["counts"] is None  # may not see households, so no numbers
    assert [b["number"] for b in compound["buildings"]] == ["1"]
    building = api_get(prop, f"/api/v1/buildings/{building_of(world, 'compound_a1').pk}").json()
    assert [e["number"] for e in building["entrances"]] == ["1"]
    assert building["entrances"][0]["dwellings"] == []  # flats are not public areas
    assert api_get(prop, "/api/v1/households").json()["count"] == 0
    assert api_get(prop, "/api/v1/residents").json()["count"] == 0
    assert api_get(prop, f"/api/v1/households/{world.hh_a1.pk}").status_code == 404
    assert api_get(prop, "/api/v1/tags").json() == []


def test_building_leader_sees_their_building_and_its_flats(world, api_get):
    building = building_of(world, "compound_a1")
    body = api_get(world.leader, f"/api/v1/buildings/{building.pk}").json()
    assert body["leader"] == {"id": world.leader.pk, "name": "楼组长"}
    rooms = [d["room"] for e in body["entrances"] for d in e["dwellings"]]
    assert rooms == ["301", "302"]
    # The compound itself is not theirs, but filtering buildings by it still works.
    listed = api_get(world.leader, "/api/v1/buildings", {"compound": world.compound_a1.pk})
    assert [b["id"] for b in listed.json()["items"]] == [building.pk]
    assert api_get(world.leader, f"/api/v1/compounds/{world.compound_a1.pk}").status_code == 404


def test_compound_fields_and_counts(world, api_get):
    rows = api_get(world.admin, "/api/v1/compounds").json()["items"]
    b1 = next(c for c in rows if c["id"] == world.compound_b1.pk)
    assert b1["unmanaged"] is True and b1["property_company"] is None
    assert (b1["year_built"], b1["kind"], b1["building_count"]) == (1958, "old_lane", 1)
    detail = api_get(world.admin, f"/api/v1/compounds/{world.compound_a1.pk}").json()
    assert (detail["counts"]["households"], detail["counts"]["residents"]) == (2, 4)
    tenant = next(t for t in detail["counts"]["tags"] if t["code"] == "tenant")
    assert (tenant["count"], tenant["share"]) == (1, 0.5)


def test_compound_node_filter(world, api_get):
    rows = api_get(world.admin, "/api/v1/compounds", {"node": world.nbh_a.pk}).json()["items"]
    assert {c["id"] for c in rows} == {world.compound_a1.pk, world.compound_a2.pk}
    response = api_get(world.grid_a1_worker, "/api/v1/compounds", {"node": world.grid_b1.pk})
    assert response.status_code == 404  # a node outside the scope is unknown


def test_building_list_counts_and_compound_filter(world, api_get):
    rows = api_get(world.admin, "/api/v1/buildings", {"compound": world.compound_a1.pk})
    [row] = rows.json()["items"]
    assert (row["number"], row["entrance_count"], row["dwelling_count"]) == ("1", 1, 2)
    assert row["compound"] == {"id": world.compound_a1.pk, "name": "雨泉花园"}
    other = api_get(world.grid_a1_worker, "/api/v1/buildings", {"compound": world.compound_b1.pk})
    assert other.json()["items"] == []


# --- personal data -----------------------------------------------------------------------------


def _every_get_url(world):
    urls = [
        "/api/v1/grids",
        "/api/v1/compounds",
        "/api/v1/buildings",
        "/api/v1/households",
        "/api/v1/residents",
        "/api/v1/tags",
        "/api/v1/households?q=1234",
        f"/api/v1/residents?q={world.li.id_number}",
    ]
    urls += [url for _, _, url in _detail_urls(world)]
    urls += [f"/api/v1/grids/{n.pk}" for n in (world.street, world.grid_a1, world.street_t)]
    return urls


@pytest.mark.parametrize("who", ROLES)
def test_no_endpoint_shows_a_clear_id_number_or_phone(world, api_get, who):
    user = getattr(world, who)
    for url in _every_get_url(world):
        assert_nothing_clear(api_get(user, url))
    assert not PiiAccess.objects.exists()


def test_masks_have_the_agreed_shape(world, api_get):
    detail = api_get(world.admin, f"/api/v1/households/{world.hh_a1.pk}").json()
    assert detail["pii_masked"] is True
    zhou = next(m for m in detail["members"] if m["id"] == world.zhou.pk)
    assert zhou["phone"] == "138****1234"
    assert zhou["id_number"] == world.zhou.id_number[:4] + "*" * 10 + world.zhou.id_number[-4:]
    for member in detail["members"]:
        assert MASKED_ID.match(member["id_number"]) and MASKED_PHONE.match(member["phone"])
        assert member["pii_masked"] is True
    for row in api_get(world.admin, "/api/v1/residents").json()["items"]:
        assert MASKED_ID.match(row["id_number"]) and MASKED_PHONE.match(row["phone"])
    for row in api_get(world.admin, "/api/v1/households").json()["items"]:
        assert all(MASKED_PHONE.match(m["phone"]) for m in row["members"])


def test_unmask_household_with_reason_logs_one_row_per_member(world, api_get):
    response = api_get(
        world.admin,
        f"/api/v1/households/{world.hh_a1.pk}",
        {"unmask": "true", "reason": "核实高龄补贴"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["pii_masked"] is False
    shown = {m["id"]: (m["id_number"], m["phone"], m["pii_masked"]) for m in body["members"]}
    assert shown == {
        world.zhou.pk: (world.zhou.id_number, "13812341234", False),
        world.wang.pk: (world.wang.id_number, "13900005678", False),
    }
    rows = list(PiiAccess.objects.all())
    assert {r.target_id for r in rows} == {world.zhou.pk, world.wang.pk}
    assert len(rows) == 2
    for row in rows:
        assert (row.actor_id, row.channel, row.reason) == (world.admin.pk, "api", "核实高龄补贴")
        assert row.target_type == "registry.resident" and row.street_id == world.street.pk


def test_unmask_resident_logs_one_row(world, api_get):
    response = api_get(
        world.cadre, f"/api/v1/residents/{world.liu.pk}", {"unmask": "1", "reason": "上门走访"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["id_number"], body["phone"], body["pii_masked"]) == (
        world.liu.id_number,
        "13700003333",
        False,
    )
    [row] = PiiAccess.objects.all()
    assert (row.target_id, row.actor_id, row.channel) == (world.liu.pk, world.cadre.pk, "api")


@pytest.mark.parametrize("who", ["grid_a1_worker", "leader", "resident_user"])
@pytest.mark.parametrize("kind", ["households", "residents"])
def test_unmask_without_view_pii_is_403_and_shows_and_logs_nothing(world, api_get, who, kind):
    pk = world.hh_a1.pk if kind == "households" else world.zhou.pk
    response = api_get(
        getattr(world, who), f"/api/v1/{kind}/{pk}", {"unmask": "true", "reason": "想看看"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "pii_forbidden"
    assert_nothing_clear(response)
    assert not PiiAccess.objects.exists()


@pytest.mark.parametrize("who", ["other_admin", "grid_b1_worker", "property", "nobody"])
def test_unmask_of_an_invisible_record_is_a_plain_404(world, api_get, who):
    user = getattr(world, who)
    params = {"unmask": "true", "reason": "想看看"}
    missing = api_get(user, f"/api/v1/households/{MISSING}", params)
    response = api_get(user, f"/api/v1/households/{world.hh_a1.pk}", params)
    assert response.status_code == 404 and response.content == missing.content
    response = api_get(user, f"/api/v1/residents/{world.zhou.pk}", params)
    assert response.status_code == 404
    assert not PiiAccess.objects.exists()


def test_view_pii_held_elsewhere_does_not_unmask_here(world, api_get):
    """A grid worker of A1 who is also cadre of B sees A1 households but may unmask only B's."""
    StaffAssignment.objects.create(
        street=world.street, user=world.grid_a1_worker, role=Role.CADRE, node=world.nbh_b
    )
    params = {"unmask": "true", "reason": "核对"}
    response = api_get(world.grid_a1_worker, f"/api/v1/households/{world.hh_a1.pk}", params)
    assert response.status_code == 403 and response.json()["code"] == "pii_forbidden"
    assert not PiiAccess.objects.exists()
    response = api_get(world.grid_a1_worker, f"/api/v1/households/{world.hh_b1.pk}", params)
    assert response.status_code == 200
    assert response.json()["members"][0]["id_number"] == world.zhao.id_number
    assert PiiAccess.objects.count() == 1


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_unmask_needs_a_reason(world, api_get, reason):
    params = {"unmask": "true"} if reason is None else {"unmask": "true", "reason": reason}
    for url in (f"/api/v1/households/{world.hh_a1.pk}", f"/api/v1/residents/{world.zhou.pk}"):
        response = api_get(world.admin, url, params)
        assert response.status_code == 400
        assert response.json() == {
            "code": "invalid",
            "message": "Say why you need to see the full number.",
            "field": "reason",
        }
        assert_nothing_clear(response)
    assert not PiiAccess.objects.exists()


def test_unmask_false_or_on_a_list_reveals_nothing(world, api_get):
    params = {"unmask": "false", "reason": "核对"}
    response = api_get(world.admin, f"/api/v1/households/{world.hh_a1.pk}", params)
    assert response.json()["pii_masked"] is True
    assert_nothing_clear(response)
    assert_nothing_clear(api_get(world.admin, "/api/v1/residents", {"unmask": "true"}))
    assert not PiiAccess.objects.exists()
    assert (
        api_get(world.admin, f"/api/v1/residents/{world.zhou.pk}", {"unmask": "maybe"}).json()[
            "field"
        ]
        == "unmask"
    )


# --- tags --------------------------------------------------------------------------------------


def _member_tags(body, resident_pk):
    member = next(m for m in body["members"] if m["id"] == resident_pk)
    return {t["code"] for t in member["tags"]}


@pytest.mark.parametrize(
    "who, sees_party",
    [
        ("admin", True),
        ("cadre", True),
        ("grid_a1_worker", False),
        ("leader", False),
        ("resident_user", False),
    ],
)
def test_party_tag_needs_its_permission(world, api_get, who, sees_party):
    user = getattr(world, who)
    body = api_get(user, f"/api/v1/households/{world.hh_a1.pk}").json()
    assert ("party_member" in _member_tags(body, world.wang.pk)) is sees_party
    resident = api_get(user, f"/api/v1/residents/{world.wang.pk}").json()
    assert ("party_member" in {t["code"] for t in resident["tags"]}) is sees_party
    codes = {t["code"] for t in api_get(user, "/api/v1/tags").json()}
    assert ("party_member" in codes) is sees_party


TAG_CODES = {
    "elderly_only",
    "lives_alone",
    "disabled",
    "migrant",
    "tenant",
    "party_member",
    "hardship",
    "home_quarantine",
    "building_leader",
    "volunteer",
}
HEALTH = {"disabled", "home_quarantine"}


@pytest.mark.parametrize(
    "who, street, codes",
    [
        ("admin", "street", TAG_CODES),
        ("other_admin", "street_t", TAG_CODES),
        ("cadre", "street", TAG_CODES),
        ("grid_a1_worker", "street", TAG_CODES - {"party_member"}),
        ("grid_b1_worker", "street", TAG_CODES - {"party_member"}),
        ("leader", "street", TAG_CODES - {"party_member"} - HEALTH),
        ("resident_user", "street", TAG_CODES - {"party_member"} - HEALTH),
        ("property", None, set()),
        ("volunteer", None, set()),
        ("nobody", None, set()),
    ],
)
def test_tag_list_per_role(world, api_get, who, street, codes):
    rows = api_get(getattr(world, who), "/api/v1/tags").json()
    assert {r["code"] for r in rows} == codes
    assert len(rows) == len(codes)
    if street:
        assert {r["street_id"] for r in rows} == {getattr(world, street).pk}


def test_health_tag_carries_its_level_for_permitted_roles(world, api_get):
    body = api_get(world.grid_b1_worker, f"/api/v1/residents/{world.zhao.pk}").json()
    levels = {t["code"]: t["level"] for t in body["tags"]}
    assert levels["disabled"] == "二级"
    codes = {t["code"] for t in api_get(world.leader, "/api/v1/tags").json()}
    assert "disabled" not in codes and "home_quarantine" not in codes


def test_household_tags_in_list_and_detail(world, api_get):
    rows = api_get(world.admin, "/api/v1/households").json()["items"]
    tags = {r["id"]: {t["code"] for t in r["tags"]} for r in rows}
    assert tags[world.hh_a1.pk] == {"elderly_only"}
    assert tags[world.hh_a1b.pk] == {"tenant"}


# --- filters -----------------------------------------------------------------------------------


def _ids(api_get, user, params):
    response = api_get(user, "/api/v1/households", params)
    assert response.status_code == 200, response.content
    return {h["id"] for h in response.json()["items"]}


def test_household_filters(world, api_get):
    admin = world.admin
    tags = {t["code"]: t["id"] for t in api_get(admin, "/api/v1/tags").json()}
    assert _ids(api_get, admin, {"q": "周美华"}) == {world.hh_a1.pk}
    assert _ids(api_get, admin, {"q": "1234"}) == {world.hh_a1.pk}  # phone last four
    assert _ids(api_get, admin, {"q": "1号楼1单元302"}) == {world.hh_a1b.pk}
    assert _ids(api_get, admin, {"q": world.li.id_number}) == {world.hh_a1b.pk}
    assert _ids(api_get, admin, {"q": "13600004444"}) == {world.hh_b1.pk}
    assert _ids(api_get, admin, {"node": world.nbh_a.pk}) == {
        world.hh_a1.pk,
        world.hh_a1b.pk,
        world.hh_a2.pk,
    }
    assert _ids(api_get, admin, {"compound": world.compound_a2.pk}) == {world.hh_a2.pk}
    building = building_of(world, "compound_a1").pk
    assert _ids(api_get, admin, {"building": building}) == {world.hh_a1.pk, world.hh_a1b.pk}
    assert _ids(api_get, admin, {"tenure": "tenant"}) == {world.hh_a1b.pk}
    assert _ids(api_get, admin, {"tag": tags["elderly_only"]}) == {world.hh_a1.pk, world.hh_b1.pk}
    assert _ids(api_get, admin, {"tag": tags["migrant"]}) == {world.hh_a1b.pk}
    assert _ids(api_get, admin, {"tag": [tags["elderly_only"], tags["migrant"]]}) == set()
    assert _ids(api_get, admin, {"tag": [tags["elderly_only"], tags["party_member"]]}) == {
        world.hh_a1.pk
    }
    # Filters never widen the scope.
    assert _ids(api_get, world.grid_a1_worker, {"compound": world.compound_b1.pk}) == set()
    assert _ids(api_get, world.other_admin, {"q": "周美华"}) == set()


@pytest.fixture
def api_post(client):
    tokens = {}

    def post(user, url, payload):
        if user.pk not in tokens:
            tokens[user.pk] = token_issue(user=user)[0]
        headers = {"Authorization": f"Bearer {tokens[user.pk]}", "Accept-Language": "en"}
        return client.post(url, payload, content_type="application/json", headers=headers)

    return post


def test_post_search_keeps_full_numbers_out_of_the_url(world, api_post):
    url = "/api/v1/households/search"
    body = api_post(world.admin, url, {"q": world.li.id_number}).json()
    assert [h["id"] for h in body["items"]] == [world.hh_a1b.pk]
    assert_nothing_clear_text(body)
    tags = [world.tags["elderly_only"].pk]
    body = api_post(world.admin, url, {"tag": tags, "page_size": 1, "page": 2}).json()
    assert (body["count"], len(body["items"])) == (2, 1)
    assert api_post(world.other_admin, url, {"q": world.li.id_number}).json()["count"] == 0
    residents = api_post(world.cadre, "/api/v1/residents/search", {"q": "13700003333"}).json()
    assert [r["id"] for r in residents["items"]] == [world.liu.pk]
    assert residents["items"][0]["phone"] == "137****3333"
    # Same last four digits, another number: the blind index decides.
    other = api_post(world.cadre, "/api/v1/residents/search", {"q": "13900003333"}).json()
    assert other["items"] == []
    assert (
        api_post(world.grid_b1_worker, "/api/v1/residents/search", {"q": "13700003333"}).json()[
            "items"
        ]
        == []
    )


def test_post_search_rejects_bad_bodies(world, api_post, client):
    bad = api_post(world.admin, "/api/v1/households/search", {"tag": ["x"], "page_size": 5})
    assert bad.status_code == 422 and bad.json()["field"] == "tag"
    bad = api_post(world.admin, "/api/v1/residents/search", {"q": "a\x00"})
    assert bad.status_code == 422 and bad.json()["field"] == "q"
    response = client.post("/api/v1/households/search", {}, content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize("raw", ["[]", "[null, null]", "5", '"q"', "null", "true"])
@pytest.mark.parametrize("url", ["/api/v1/households/search", "/api/v1/residents/search"])
def test_post_search_body_must_be_an_object(world, client, url, raw):
    token = token_issue(user=world.admin)[0]
    response = client.post(
        url, raw, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_post_search_with_an_empty_object_lists_everything_in_scope(world, api_post):
    body = api_post(world.cadre, "/api/v1/households/search", {}).json()
    assert body["count"] == 3


def test_sensitive_tag_filter_without_permission_matches_nothing(world, api_get):
    party = world.tags["party_member"]
    assert _ids(api_get, world.grid_a1_worker, {"tag": party.pk}) == set()


def test_household_node_filter_outside_the_scope_is_404(world, api_get):
    response = api_get(world.grid_a1_worker, "/api/v1/households", {"node": world.grid_b1.pk})
    assert response.status_code == 404


def test_resident_search(world, api_get):
    def names(params):
        return [
            r["name"] for r in api_get(world.admin, "/api/v1/residents", params).json()["items"]
        ]

    assert names({"q": "李"}) == ["李强"]
    assert names({"q": "1111"}) == ["李强"]
    assert names({"q": world.chen.id_number}) == ["陈芳"]
    assert names({"q": "孙丽"}) == []  # street T


def test_resident_detail_fields(world, api_get):
    body = api_get(world.grid_a1_worker, f"/api/v1/residents/{world.li.pk}").json()
    assert body["household_id"] == world.hh_a1b.pk
    assert body["address"] == "雨泉花园 1-1-302"
    assert (body["gender"], body["residence_status"]) == ("M", "migrant")
    assert isinstance(body["age"], int)
    assert "migrant" in {t["code"] for t in body["tags"]}


# --- pagination and query count --------------------------------------------------------------


def test_pagination(world, api_get):
    seen = []
    for page in (1, 2, 3, 4):
        body = api_get(world.admin, "/api/v1/households", {"page": page, "page_size": 1}).json()
        assert (body["count"], body["page"], body["page_size"]) == (4, page, 1)
        seen += [h["id"] for h in body["items"]]
    assert sorted(seen) == sorted(getattr(world, n).pk for n in HOUSEHOLDS["admin"])
    beyond = api_get(world.admin, "/api/v1/households", {"page": 9}).json()
    assert beyond["items"] == [] and beyond["count"] == 4
    compounds = api_get(world.admin, "/api/v1/compounds", {"page_size": 2, "page": 2}).json()
    assert compounds["count"] == 3 and len(compounds["items"]) == 1


def _grow_grid_a1(world, n):
    """``n`` more households of two members each in grid A1, with derived tags."""
    for i in range(n):
        hh = household(world.street, world.grid_a1, world.compound_a1, "3", "1", f"{1001 + i}")
        resident(hh, f"住户{i}", f"31010919810303{i:03d}0", f"139{i:08d}")
        resident(hh, f"家属{i}", f"31010919820202{i:03d}0", f"137{i:08d}")
        HouseholdTag.objects.create(street=world.street, household=hh, tag=world.tags["hardship"])


def _queries(api_get, user, params):
    with CaptureQueriesContext(connection) as ctx:
        response = api_get(user, "/api/v1/households", params)
    assert response.status_code == 200
    return len(ctx), response.json()


def test_household_list_query_count_is_constant(world, api_get, django_assert_num_queries):
    _grow_grid_a1(world, 12)
    api_get(world.admin, "/api/v1/tags")  # issue the token outside the measurement
    small, body_small = _queries(api_get, world.admin, {"page_size": 1})
    large, body_large = _queries(api_get, world.admin, {"page_size": 16})
    assert len(body_small["items"]) == 1 and len(body_large["items"]) == 16
    assert small == large
    # token check, grants, count, rows, members, tags (the token's last use was just stamped)
    with django_assert_num_queries(6):
        api_get(world.admin, "/api/v1/households", {"page_size": 200})
    tag = world.tags["hardship"].pk
    filtered, body = _queries(api_get, world.admin, {"page_size": 200, "tag": tag, "q": "住户"})
    assert body["count"] == 12
    assert filtered == small + 1  # the visible-tags check for the tag filter


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["compounds", "buildings", "households", "residents"])
@pytest.mark.parametrize("bad", ["abc", "0", "-5", "2.5", "99999999999999999999999"])
def test_bad_detail_ids_are_422(world, api_get, kind, bad):
    response = api_get(world.admin, f"/api/v1/{kind}/{bad}")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == "id"
    assert body["message"].startswith("Invalid input: id:")


@pytest.mark.parametrize(
    "url, params, field",
    [
        ("/api/v1/households", {"page": 0}, "page"),
        ("/api/v1/households", {"page": "x"}, "page"),
        ("/api/v1/households", {"page": 10**9}, "page"),
        ("/api/v1/households", {"page_size": 201}, "page_size"),
        ("/api/v1/households", {"page_size": 0}, "page_size"),
        ("/api/v1/households", {"tag": "abc"}, "tag"),
        ("/api/v1/households", {"tag": "99999999999999999999999"}, "tag"),
        ("/api/v1/households", {"node": "abc"}, "node"),
        ("/api/v1/households", {"compound": "-1"}, "compound"),
        ("/api/v1/households", {"building": "1e3"}, "building"),
        ("/api/v1/households", {"tenure": "landlord"}, "tenure"),
        ("/api/v1/households", {"q": "a\x00b"}, "q"),
        ("/api/v1/households", {"q": "x" * 101}, "q"),
        ("/api/v1/residents", {"q": "\x00"}, "q"),
        ("/api/v1/buildings", {"compound": "x"}, "compound"),
        ("/api/v1/compounds", {"node": "99999999999999999999999"}, "node"),
        ("/api/v1/households/1", {"reason": "a\x00", "unmask": "true"}, "reason"),
    ],
)
def test_bad_query_parameters_are_422_naming_the_field(world, api_get, url, params, field):
    response = api_get(world.admin, url, params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == field
    assert field in body["message"]
    assert {"field": field}.items() <= body["errors"][0].items()
    assert not PiiAccess.objects.exists()


def test_unknown_filters_are_ignored(world, api_get):
    response = api_get(world.admin, "/api/v1/households", {"colour": "red", "sort": "-id"})
    assert response.status_code == 200 and response.json()["count"] == 4


@pytest.mark.parametrize("q", ["'; drop table registry_household; --", "%", "_", "\\", "号楼"])
def test_odd_search_text_is_harmless(world, api_get, q):
    assert api_get(world.admin, "/api/v1/households", {"q": q}).status_code == 200
    assert api_get(world.admin, "/api/v1/residents", {"q": q}).status_code == 200


# --- OpenAPI -----------------------------------------------------------------------------------


def test_openapi_document_is_public_typed_and_declares_bearer(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
    }
    expected = {
        ("/api/v1/auth/token", "post"),
        ("/api/v1/auth/token", "delete"),
        ("/api/v1/tags", "get"),
        ("/api/v1/grids", "get"),
        ("/api/v1/grids/{id}", "get"),
        ("/api/v1/compounds", "get"),
        ("/api/v1/compounds/{id}", "get"),
        ("/api/v1/buildings", "get"),
        ("/api/v1/buildings/{id}", "get"),
        ("/api/v1/households", "get"),
        ("/api/v1/households/{id}", "get"),
        ("/api/v1/residents", "get"),
        ("/api/v1/residents/{id}", "get"),
        ("/api/v1/households/search", "post"),
        ("/api/v1/residents/search", "post"),
    }
    found = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert expected <= found
    for path, method in expected:
        op = doc["paths"][path][method]
        public = (path, method) == ("/api/v1/auth/token", "post")
        assert ("security" in op) is not public, (path, method)
        if method == "delete":
            assert "204" in op["responses"]
            continue
        ok = op["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in ok or ok.get("type") == "array", (path, method)
        if not public:
            assert {"401", "404", "422"} <= set(op["responses"]), (path, method)
    assert {"400", "403"} <= set(doc["paths"]["/api/v1/households/{id}"]["get"]["responses"])
    resident = doc["components"]["schemas"]["ResidentOut"]["properties"]
    assert {"id_number", "phone", "pii_masked"} <= set(resident)


def test_unknown_api_route_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
