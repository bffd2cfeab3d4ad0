"""Volunteer orders in the JSON API: the pages' scope, forms and services; 201 / 404 / 409 /
422, and nothing changes on a refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from linli.accounts.services import token_issue
from linli.grids.models import Role, StaffAssignment
from linli.points import selectors as points_selectors
from linli.points import services as points
from linli.testing.world import user
from linli.volunteering import services
from linli.volunteering.models import (
    ClaimState,
    OrderClaim,
    OrderStatus,
    ServiceRecord,
    VolunteerOrder,
)
from linli.volunteering.tests.conftest import HOUR, make_order

pytestmark = pytest.mark.django_db
BASE = "/api/v1/orders"
CLAIMS = "/api/v1/claims"


@pytest.fixture
def api(vol):
    def as_user(u, lang="en"):
        raw, _token = token_issue(user=u)
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE=lang)

    return as_user


def order_now(w, **extra):
    """An order published now, starting tomorrow (claims are refused once it starts)."""
    return make_order(w, at=timezone.now(), **extra)


def state(order) -> tuple:
    """What a refusal must leave as it was: the order, its places, its timeline."""
    o = VolunteerOrder.objects.get(pk=order.pk)
    places = list(OrderClaim.objects.filter(order=o).values_list("volunteer_id", "status"))
    return o.status, o.taken, o.result, sorted(places), o.events.count()


def other_street_volunteer(w):
    u = user("t_volunteer", "嘉兴路志愿者")
    StaffAssignment.objects.create(street=w.street_t, user=u, role=Role.VOLUNTEER, node=w.street_t)
    services.volunteer_save(actor=u, street_id=w.street_t.pk, skills=["carpentry"])
    return u


# --- claim -----------------------------------------------------------------------------------


def test_claim_is_201_and_the_detail_counts_the_places(vol, api):
    order = order_now(vol, capacity=4)
    v1, v2 = api(vol.vols[0].user), api(vol.vols[1].user)
    r = v1.post(f"{BASE}/{order.pk}/claim")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["capacity"], body["claimed"], body["places_left"]) == (4, 1, 3)
    assert body["my_place"]["status"] == "held"
    assert body["my_place"]["actions"] == ["check-in", "withdraw"]
    assert body["places"] == []  # a volunteer sees their own place, not the others'
    assert "claim" not in body["actions"]
    assert v2.post(f"{BASE}/{order.pk}/claim").status_code == 201

    staff = api(vol.cadre).get(f"{BASE}/{order.pk}").json()
    assert (staff["capacity"], staff["claimed"], staff["places_left"]) == (4, 2, 2)
    assert [p["volunteer"] for p in staff["places"]] == ["志愿者1", "志愿者2"]
    assert all(p["actions"] == ["remove"] for p in staff["places"])
    assert staff["my_place"] is None
    assert staff["skill"] == "carpentry" and staff["points"] == 20
    assert staff["place"] == order.place and staff["status"] == "open"
    assert staff["starts_at"] and staff["ends_at"]
    assert staff["resident"] == {"id": vol.liu.pk, "name": "刘运京", "phone": "137****3333"}
    assert staff["actions"] == ["cancel"]

    v3 = api(vol.vols[2].user).get(f"{BASE}/{order.pk}").json()
    assert v3["actions"] == ["claim"] and v3["my_place"] is None
    assert v3["resident"] is None and v3["places"] == []


def test_the_same_volunteer_claiming_twice_holds_one_place(vol, api):
    order = order_now(vol)
    v1 = api(vol.vols[0].user)
    assert v1.post(f"{BASE}/{order.pk}/claim").status_code == 201
    before = state(order)
    r = v1.post(f"{BASE}/{order.pk}/claim")
    assert r.status_code == 409 and r.json()["code"] == "already_claimed"
    assert state(order) == before
    assert OrderClaim.objects.filter(order=order).count() == 1


def test_a_full_order_answers_409_in_chinese_and_changes_nothing(vol, api):
    order = order_now(vol, capacity=1)
    assert api(vol.vols[0].user).post(f"{BASE}/{order.pk}/claim").status_code == 201
    before = state(order)
    r = api(vol.vols[1].user, lang="zh-hans").post(f"{BASE}/{order.pk}/claim")
    assert r.status_code == 409
    assert r.json() == {"code": "full", "message": "这个订单的名额已被抢完。", "field": None}
    # The message follows the language of the request refused.
    r = api(vol.vols[1].user).post(f"{BASE}/{order.pk}/claim")
    assert r.json()["message"] == "All places on this order are taken (已被抢完)."
    assert state(order) == before
    # Full, the order no longer offers a claim to the others.
    assert api(vol.vols[2].user).get(f"{BASE}/{order.pk}").json()["actions"] == []


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("v5", "no_skill"),  # plumbing only; the order needs carpentry
        ("volunteer", "not_in_team"),  # a carpenter of the street, not of the team
    ],
)
def test_a_claim_the_order_does_not_allow_is_409_with_the_reason(vol, api, who, code):
    order = order_now(vol)
    u = vol.vols[4].user if who == "v5" else vol.volunteer
    before = state(order)
    r = api(u).post(f"{BASE}/{order.pk}/claim")
    assert r.status_code == 409 and r.json()["code"] == code and r.json()["message"]
    assert state(order) == before


def test_an_order_that_has_started_takes_no_claim(vol, api):
    order = make_order(vol, at=timezone.now() - 25 * HOUR)  # started an hour ago
    before = state(order)
    r = api(vol.vols[0].user).post(f"{BASE}/{order.pk}/claim")
    assert r.status_code == 409 and r.json()["code"] == "started"
    assert state(order) == before


@pytest.mark.parametrize("who", ["resident_user", "grid_b1_worker", "other_admin", "t_volunteer"])
def test_those_who_may_not_claim_get_404_and_nothing_changes(vol, api, who):
    order = order_now(vol)
    u = other_street_volunteer(vol) if who == "t_volunteer" else getattr(vol, who)
    before = state(order)
    assert api(u).post(f"{BASE}/{order.pk}/claim").status_code == 404
    assert state(order) == before


def test_a_draft_is_not_for_volunteers(vol, api):
    draft = order_now(vol, publish=False)
    v1 = api(vol.vols[0].user)
    assert v1.get(f"{BASE}/{draft.pk}").status_code == 404
    assert v1.post(f"{BASE}/{draft.pk}/claim").status_code == 404
    assert state(draft)[1] == 0


# --- detail and list scope -------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["grid_b1_worker", "other_admin", "resident_user", "property", "t_volunteer", "nobody"]
)
def test_an_order_out_of_scope_is_404_like_a_missing_one(vol, api, who):
    order = order_now(vol)  # in grid A2, for 刘运京
    u = other_street_volunteer(vol) if who == "t_volunteer" else getattr(vol, who)
    client = api(u)
    assert client.get(f"{BASE}/{order.pk}").json() == client.get(f"{BASE}/999999").json()
    assert client.get(f"{BASE}/{order.pk}").status_code == 404
    assert client.post(f"{BASE}/{order.pk}/cancel", {"reason": "x"}).status_code == 404
    assert client.post(f"{BASE}/{order.pk}/publish").status_code == 404
    assert VolunteerOrder.objects.get(pk=order.pk).status == OrderStatus.OPEN


def test_the_list_is_the_callers_scope(vol, api):
    now = timezone.now()
    a2 = order_now(vol)
    draft = order_now(vol, publish=False)
    b1 = make_order(vol, at=now, actor=vol.admin, dwelling=vol.hh_b1.dwelling, resident=vol.zhao)
    mine = order_now(vol)
    api(vol.vols[0].user).post(f"{BASE}/{mine.pk}/claim")
    for_zhou = order_now(vol, dwelling=vol.hh_a1.dwelling, resident=vol.zhou)

    def ids(client, **params):
        r = client.get(BASE, params)
        assert r.status_code == 200, r.content
        return {row["id"] for row in r.json()["items"]}

    everything = {a2.pk, draft.pk, b1.pk, mine.pk, for_zhou.pk}
    assert ids(api(vol.admin)) == everything
    assert ids(api(vol.cadre)) == everything - {b1.pk}  # neighbourhood A only
    assert ids(api(vol.grid_b1_worker)) == {b1.pk}
    assert ids(api(vol.other_admin)) == set()
    v1 = api(vol.vols[0].user)
    assert ids(v1) == everything - {draft.pk}  # the open ones of the street and their own
    assert ids(v1, mine="true") == {mine.pk}
    assert ids(api(vol.resident_user)) == {for_zhou.pk}  # orders for her
    assert ids(api(other_street_volunteer(vol))) == set()
    assert ids(api(vol.admin), status="draft") == {draft.pk}
    r = api(vol.admin).get(BASE, {"status": "nonsense"})
    assert r.status_code == 422 and r.json()["field"] == "status"
    page = api(vol.admin).get(BASE, {"page_size": 2}).json()
    assert page["count"] == 5 and len(page["items"]) == 2
    assert page["items"][0]["id"] == for_zhou.pk  # newest first


def test_unauthenticated_is_401(vol):
    assert Client().get(BASE).status_code == 401
    assert Client().get(CLAIMS).status_code == 401


# --- create ----------------------------------------------------------------------------------


def new_order_form(w, **extra):
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    form = {
        "title": "3号楼门禁对讲机不响", "skill": "appliances", "capacity": "2", "day": day,
        "start_time": "09:00", "end_time": "11:00", "grid": str(w.grid_a2.pk),
        "team": str(w.team.pk), "publish": "on",
    }  # fmt: skip
    form.update(extra)
    return form


def test_staff_write_an_order_with_the_pages_form(vol, api):
    cadre = api(vol.cadre)
    r = cadre.post(BASE, new_order_form(vol))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "open" and body["capacity"] == 2 and body["claimed"] == 0
    assert body["grid"]["name"] == "三宝第二网格" and body["team"]["id"] == vol.team.pk
    assert body["points"] == 10  # the any-skill line of the standard
    starts = timezone.localtime(dt.datetime.fromisoformat(body["starts_at"]))
    ends = timezone.localtime(dt.datetime.fromisoformat(body["ends_at"]))
    assert starts.date().isoformat() == new_order_form(vol)["day"]
    assert (starts.hour, ends.hour) == (9, 11)  # the day and hours in the street's time zone
    draft = cadre.post(BASE, new_order_form(vol, publish="", team=""))
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    assert draft.json()["actions"] == ["publish", "cancel"] and draft.json()["team"] is None


def test_a_retried_create_with_the_same_idempotency_key_writes_one_order(vol, api):
    cadre = api(vol.cadre)
    first = cadre.post(BASE, new_order_form(vol), HTTP_IDEMPOTENCY_KEY="tap-1")
    again = cadre.post(BASE, new_order_form(vol), HTTP_IDEMPOTENCY_KEY="tap-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert VolunteerOrder.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "51"}, "capacity"),
        ({"skill": "juggling"}, "skill"),
        ({"day": "2026-13-01"}, "day"),
        ({"end_time": "08:00"}, "end_time"),
        ({"grid": ""}, "grid"),
    ],
)
def test_bad_input_to_create_is_422_naming_the_field(vol, api, change, field):
    r = api(vol.cadre, lang="zh-hans").post(BASE, new_order_form(vol, **change))
    assert r.status_code == 422, r.content
    body = r.json()
    assert body["field"] == field and body["code"] == "invalid"
    assert any(ord(ch) > 0x4E00 for ch in body["message"])  # said in Chinese
    assert VolunteerOrder.objects.count() == 0


def test_staff_write_orders_only_where_they_work(vol, api):
    # A grid worker of B1 is offered only their grid: A2 is not a choice.
    r = api(vol.grid_b1_worker).post(BASE, new_order_form(vol))
    assert r.status_code == 422 and r.json()["field"] == "grid"
    for who in (vol.vols[0].user, vol.resident_user, vol.property, vol.nobody):
        assert api(who).post(BASE, new_order_form(vol)).status_code == 404
    # A request that is not theirs (or none at all) is 404 as well.
    r = api(vol.cadre).post(f"{BASE}?work_order=999999", new_order_form(vol))
    assert r.status_code == 404
    assert VolunteerOrder.objects.count() == 0


# --- the job: check in, check out, confirm ----------------------------------------------------


def test_a_job_from_claim_to_the_residents_confirmation(vol, api):
    order = order_now(vol, capacity=2, dwelling=vol.hh_a1.dwelling, resident=vol.zhou)
    v1, v2 = api(vol.vols[0].user), api(vol.vols[1].user)
    resident = api(vol.resident_user)
    place1 = v1.post(f"{BASE}/{order.pk}/claim").json()["my_place"]["id"]
    place2 = v2.post(f"{BASE}/{order.pk}/claim").json()["my_place"]["id"]
    assert resident.get(f"{BASE}/{order.pk}").json()["actions"] == []  # not started yet

    r = v1.post(f"{CLAIMS}/{place1}/check-in")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "checked_in" and r.json()["actions"] == ["check-out"]
    assert r.json()["order"]["status"] == "working"
    r = v1.post(f"{CLAIMS}/{place1}/check-out", {"note": "已更换门框"})
    assert r.status_code == 200 and r.json()["status"] == "checked_out"
    assert r.json()["checked_in_at"] and r.json()["checked_out_at"]
    mine = v1.get(CLAIMS).json()
    assert [c["id"] for c in mine["items"]] == [place1]
    assert mine["items"][0]["order"]["id"] == order.pk

    detail = resident.get(f"{BASE}/{order.pk}").json()
    assert detail["actions"] == ["confirm"] and detail["places"] == []
    before = state(order)
    r = resident.post(f"{BASE}/{order.pk}/confirm", {"result": "maybe"})
    assert r.status_code == 422 and r.json()["field"] == "result"
    r = resident.post(f"{BASE}/{order.pk}/confirm", {"result": "fixed", "rating": "9"})
    assert r.status_code == 422 and r.json()["field"] == "rating"
    assert state(order) == before

    r = resident.post(f"{BASE}/{order.pk}/confirm", {"result": "fixed", "rating": "5"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "done" and body["result"] == "fixed" and body["rating"] == 5
    assert ServiceRecord.objects.filter(order=order).count() == 1  # v2 never checked out
    account = points.account_for(street_id=vol.street.pk, user=vol.vols[0].user)
    assert points_selectors.balance(account) == 20
    # A second confirmation is a conflict, and credits nothing twice.
    r = api(vol.cadre).post(f"{BASE}/{order.pk}/confirm", {"result": "fixed"})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert points_selectors.balance(account) == 20
    assert OrderClaim.objects.get(pk=place2).status == ClaimState.HELD


def test_staff_confirm_with_each_result(vol, api):
    for result in ("not_fixed", "to_property"):
        order = order_now(vol)
        claim = services.order_claim(actor=vol.vols[0].user, order=order)
        v1 = api(vol.vols[0].user)
        v1.post(f"{CLAIMS}/{claim.pk}/check-in")
        v1.post(f"{CLAIMS}/{claim.pk}/check-out")
        r = api(vol.cadre).post(f"{BASE}/{order.pk}/confirm", {"result": result})
        assert r.status_code == 200 and r.json()["result"] == result
        assert r.json()["rating"] is None


def test_confirming_an_open_order_is_409_and_changes_nothing(vol, api):
    order = order_now(vol)
    before = state(order)
    r = api(vol.cadre).post(f"{BASE}/{order.pk}/confirm", {"result": "fixed"})
    assert r.status_code == 409 and r.json()["message"]
    assert state(order) == before


def test_a_volunteer_withdraws_and_the_place_is_free_again(vol, api):
    order = order_now(vol, capacity=1)
    v1 = api(vol.vols[0].user)
    place = v1.post(f"{BASE}/{order.pk}/claim").json()["my_place"]["id"]
    r = v1.post(f"{CLAIMS}/{place}/withdraw", {"reason": "临时有事"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert r.json()["order"]["claimed"] == 0 and r.json()["actions"] == []
    assert api(vol.vols[1].user).post(f"{BASE}/{order.pk}/claim").status_code == 201
    # Withdrawn twice: the place is no longer held.
    r = v1.post(f"{CLAIMS}/{place}/withdraw")
    assert r.status_code == 409
    assert VolunteerOrder.objects.get(pk=order.pk).taken == 1


def test_a_place_is_its_volunteers_and_staff_only_take_one_off(vol, api):
    order = order_now(vol)
    claim = services.order_claim(actor=vol.vols[0].user, order=order)
    before = state(order)
    # Another volunteer, the resident, staff of another grid: not theirs.
    for who in (vol.vols[1].user, vol.resident_user, vol.grid_b1_worker, vol.other_admin):
        client = api(who)
        assert client.post(f"{CLAIMS}/{claim.pk}/check-in").status_code == 404
        assert client.post(f"{CLAIMS}/{claim.pk}/remove", {"reason": "x"}).status_code == 404
    # Staff of the order's area may take the volunteer off, not check in for them.
    cadre = api(vol.cadre)
    assert cadre.post(f"{CLAIMS}/{claim.pk}/check-in").status_code == 404
    # The volunteer may not take themselves off (they withdraw).
    assert (
        api(vol.vols[0].user).post(f"{CLAIMS}/{claim.pk}/remove", {"reason": "x"}).status_code
        == 404
    )
    assert state(order) == before
    r = cadre.post(f"{CLAIMS}/{claim.pk}/remove", {"reason": ""})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    assert state(order) == before
    r = cadre.post(f"{CLAIMS}/{claim.pk}/remove", {"reason": "改派给熟悉情况的志愿者"})
    assert r.status_code == 200 and r.json()["status"] == "removed"
    assert VolunteerOrder.objects.get(pk=order.pk).taken == 0


def test_staff_publish_and_cancel(vol, api):
    draft = order_now(vol, publish=False)
    cadre = api(vol.cadre)
    r = cadre.post(f"{BASE}/{draft.pk}/publish")
    assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["points"] == 20
    services.order_claim(actor=vol.vols[0].user, order=draft)
    r = cadre.post(f"{BASE}/{draft.pk}/cancel", {"reason": ""})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = cadre.post(f"{BASE}/{draft.pk}/cancel", {"reason": "住户已自行修好"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert r.json()["claimed"] == 0
    assert cadre.post(f"{BASE}/{draft.pk}/publish").status_code == 409


def test_the_openapi_document_lists_the_endpoints_and_their_forms(vol):
    r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    for path in ("/api/v1/orders/{id}/claim", "/api/v1/claims/{id}/check-in",
                 "/api/v1/store/items/{id}/redeem", "/api/v1/store/redemptions/{id}/cancel"):  # fmt: skip
        assert "post" in doc["paths"][path], path
    for path in ("/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/points/balance",
                 "/api/v1/points/entries", "/api/v1/store/items", "/api/v1/store/redemptions"):  # fmt: skip
        assert "get" in doc["paths"][path], path
    confirm = doc["paths"]["/api/v1/orders/{id}/confirm"]["post"]["requestBody"]
    schema = confirm["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["result"]["enum"] == ["fixed", "not_fixed", "to_property"]
    create = doc["paths"]["/api/v1/orders"]["post"]["requestBody"]
    assert "title" in create["content"]["multipart/form-data"]["schema"]["required"]
    assert "409" in doc["paths"]["/api/v1/orders/{id}/claim"]["post"]["responses"]
    # The schemas keep names of their own: the other routers' are not replaced.
    schemas = doc["components"]["schemas"]
    assert "photos" in schemas["EventOut"]["properties"]  # the work orders' timeline
    assert "pii_masked" in schemas["ResidentOut"]["properties"]  # the registry's resident
    assert schemas["ServedResidentOut"]["properties"]["phone"]["type"] == "string"
