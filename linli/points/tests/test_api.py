"""Points and the points store in the JSON API: one's own balance and ledger, the shelf,
reservations with a pickup code and their cancellation; 201 / 404 / 409 / 422, and
nothing changes on a refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from linli.accounts.services import token_issue
from linli.points import selectors, services
from linli.points.models import (
    EarnKind,
    PointEntry,
    PointsAccount,
    Redemption,
    StockSource,
    StoreItem,
)

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.fixture
def shop(world):
    """``world`` plus: 周美华 (resident_user) has earned 2 × 30 points; the street's store
    has 毛巾 (15, 10 in stock, 2 each), 大米 (50, 1 in stock), 洗衣液 (100, 5), 空瓶 (1,
    none in stock), 旧书 (off the shelf); street T has an item of its own."""
    w = world
    now = timezone.now()
    services.rule_publish(actor=w.admin, street_id=w.street.pk, kind=EarnKind.ACTIVITY,
                          points=30, at=now - 10 * DAY)  # fmt: skip
    w.account = services.account_for(street_id=w.street.pk, resident=w.zhou)
    for i in (1, 2):
        services.earn(account=w.account, kind=EarnKind.ACTIVITY, source=f"activity:{i}",
                      reason=f"活动{i}", at=now - (5 - i) * DAY)  # fmt: skip

    def item(name, price, stock, limit=None, street=w.street, actor=w.admin, on_shelf=True):
        made = services.item_save(actor=actor, street_id=street.pk, name=name, price=price,
                                  per_person_limit=limit, on_shelf=on_shelf)  # fmt: skip
        if stock:
            services.stock_in(actor=actor, item=made, quantity=stock,
                              source=StockSource.DONATION, donor="慧海物业")  # fmt: skip
        return made

    w.towel = item("毛巾", 15, 10, limit=2)
    w.rice = item("大米", 50, 1)
    w.soap = item("洗衣液", 100, 5)
    w.empty = item("空瓶", 1, 0)
    w.books = item("旧书", 5, 3, on_shelf=False)
    w.t_item = item("香皂", 5, 3, street=w.street_t, actor=w.other_admin)
    return w


@pytest.fixture
def api(world):
    def as_user(u, lang="en"):
        raw, _token = token_issue(user=u)
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE=lang)

    return as_user


def snapshot(w) -> tuple:
    """Everything a refusal must leave as it was."""
    stock = dict(StoreItem.objects.values_list("name", "stock"))
    return (
        stock,
        selectors.balance(w.account),
        list(Redemption.objects.values_list("id", "status")),
        PointEntry.objects.count(),
        PointsAccount.objects.count(),
    )


def entry_sum(account) -> int:
    return sum(PointEntry.objects.filter(account=account).values_list("points", flat=True))


# --- balance and entries ---------------------------------------------------------------------


def test_the_balance_is_the_sum_of_the_entries_and_says_what_it_is_made_of(shop, api):
    me = api(shop.resident_user)
    r = me.get("/api/v1/points/balance")
    assert r.status_code == 200, r.content
    assert r.json() == {
        "account": shop.account.pk, "name": "周美华", "balance": 60, "carried": 0,
        "settled_until": None, "earned": 60, "redeemed": 0, "refunded": 0, "expired": 0,
        "corrected": 0,
    }  # fmt: skip
    services.adjust(actor=shop.admin, account=shop.account, points=-5, reason="重复登记")
    assert me.post(f"/api/v1/store/items/{shop.towel.pk}/redeem").status_code == 201
    body = me.get("/api/v1/points/balance").json()
    assert body["balance"] == 40 == entry_sum(shop.account)
    assert (body["earned"], body["corrected"], body["redeemed"]) == (60, -5, -15)
    entries = me.get("/api/v1/points/entries").json()
    assert entries["count"] == 4
    assert sum(e["points"] for e in entries["items"]) == body["balance"]
    assert [e["kind"] for e in entries["items"]] == ["redeem", "correct", "award", "award"]
    assert entries["items"][-1]["reason"] == "活动1"  # newest first, the oldest last


def test_a_settled_period_is_carried_and_the_parts_still_add_up(shop, api):
    now = timezone.now()
    period = services.period_open(actor=shop.admin, street_id=shop.street.pk,
                                  starts_at=now - 30 * DAY, ends_at=now - 3.5 * DAY)  # fmt: skip
    services.period_settle(actor=shop.admin, period=period, now=now)  # holds activity:1
    body = api(shop.resident_user).get("/api/v1/points/balance").json()
    assert (body["carried"], body["earned"], body["balance"]) == (30, 30, 60)
    assert body["settled_until"] is not None
    assert body["balance"] == entry_sum(shop.account)


def test_entries_are_paged(shop, api):
    me = api(shop.resident_user)
    first = me.get("/api/v1/points/entries", {"page_size": 1}).json()
    second = me.get("/api/v1/points/entries", {"page_size": 1, "page": 2}).json()
    assert first["count"] == 2 and [e["reason"] for e in first["items"]] == ["活动2"]
    assert [e["reason"] for e in second["items"]] == ["活动1"]
    r = me.get("/api/v1/points/entries", {"page_size": 0})
    assert r.status_code == 422 and r.json()["field"] == "page_size"


def test_someone_without_an_account_yet_has_zero(shop, api):
    client = api(shop.volunteer)
    assert client.get("/api/v1/points/balance").json()["balance"] == 0
    assert client.get("/api/v1/points/balance").json()["account"] is None
    assert client.get("/api/v1/points/entries").json()["items"] == []
    assert client.get("/api/v1/store/redemptions").json()["items"] == []


@pytest.mark.parametrize("who", ["admin", "grid_a1_worker", "property", "nobody"])
def test_roles_without_points_of_their_own_get_404(shop, api, who):
    client = api(getattr(shop, who))
    before = snapshot(shop)
    for path in ("/api/v1/points/balance", "/api/v1/points/entries", "/api/v1/store/items",
                 "/api/v1/store/redemptions"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    assert client.post(f"/api/v1/store/items/{shop.towel.pk}/redeem").status_code == 404
    assert snapshot(shop) == before


def test_unauthenticated_is_401(shop):
    assert Client().get("/api/v1/points/balance").status_code == 401
    assert Client().post(f"/api/v1/store/items/{shop.towel.pk}/redeem").status_code == 401


# --- the shelf -------------------------------------------------------------------------------


def test_the_shelf_shows_what_one_may_still_take(shop, api):
    r = api(shop.resident_user).get("/api/v1/store/items")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["balance"] == 60
    items = {i["name"]: i for i in body["items"]}
    assert set(items) == {"毛巾", "大米", "洗衣液", "空瓶"}  # not 旧书 (off), not street T's
    towel = items["毛巾"]
    assert (towel["price"], towel["stock"], towel["per_person_limit"]) == (15, 10, 2)
    assert (towel["limit_left"], towel["may_take"]) == (2, 2)  # the limit, before balance 4
    assert (items["大米"]["limit_left"], items["大米"]["may_take"]) == (None, 1)  # stock
    assert items["洗衣液"]["may_take"] == 0  # 100 points, 60 on the account
    assert items["空瓶"]["may_take"] == 0  # none in stock
    api(shop.resident_user).post(f"/api/v1/store/items/{shop.towel.pk}/redeem")
    towel = next(i for i in api(shop.resident_user).get("/api/v1/store/items").json()["items"]
                 if i["name"] == "毛巾")  # fmt: skip
    assert (towel["stock"], towel["limit_left"], towel["may_take"]) == (9, 1, 1)


# --- redeem ----------------------------------------------------------------------------------


def test_redeeming_reserves_with_a_pickup_code_and_takes_stock_and_points(shop, api):
    me = api(shop.resident_user)
    r = me.post(f"/api/v1/store/items/{shop.towel.pk}/redeem", {"quantity": "2"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "reserved" and body["quantity"] == 2 and body["points"] == 30
    assert len(body["pickup_code"]) == 6 and body["pickup_code"].isdigit()
    assert body["item"] == {"id": shop.towel.pk, "name": "毛巾"}
    assert StoreItem.objects.get(pk=shop.towel.pk).stock == 8
    assert selectors.balance(shop.account) == 30 == entry_sum(shop.account)
    mine = me.get("/api/v1/store/redemptions").json()
    assert [x["id"] for x in mine["items"]] == [body["id"]]
    assert mine["items"][0]["pickup_code"] == body["pickup_code"]


@pytest.mark.parametrize(
    ("item", "quantity", "code"),
    [
        ("towel", 3, "limit_reached"),  # 2 each
        ("soap", 1, "insufficient_points"),  # 100 > 60
        ("empty", 1, "out_of_stock"),
        ("books", 1, "off_shelf"),
    ],
)
def test_a_refused_redemption_is_409_with_the_reason_and_changes_nothing(
    shop, api, item, quantity, code
):
    before = snapshot(shop)
    r = api(shop.resident_user, lang="zh-hans").post(
        f"/api/v1/store/items/{getattr(shop, item).pk}/redeem", {"quantity": str(quantity)}
    )
    assert r.status_code == 409, r.content
    assert r.json()["code"] == code
    assert any(ord(ch) > 0x4E00 for ch in r.json()["message"])  # said in Chinese
    assert snapshot(shop) == before


def test_the_limit_counts_what_one_already_reserved(shop, api):
    me = api(shop.resident_user)
    assert me.post(f"/api/v1/store/items/{shop.towel.pk}/redeem").status_code == 201
    before = snapshot(shop)
    r = me.post(f"/api/v1/store/items/{shop.towel.pk}/redeem", {"quantity": "2"})
    assert r.status_code == 409 and r.json()["code"] == "limit_reached"
    assert snapshot(shop) == before
    assert me.post(f"/api/v1/store/items/{shop.towel.pk}/redeem").status_code == 201


def test_without_an_account_a_refusal_leaves_no_empty_account(shop, api):
    before = snapshot(shop)
    r = api(shop.volunteer).post(f"/api/v1/store/items/{shop.towel.pk}/redeem")
    assert r.status_code == 409 and r.json()["code"] == "insufficient_points"
    assert snapshot(shop) == before


@pytest.mark.parametrize("quantity", ["0", "101", "abc"])
def test_bad_quantity_is_422_naming_it(shop, api, quantity):
    before = snapshot(shop)
    r = api(shop.resident_user).post(
        f"/api/v1/store/items/{shop.towel.pk}/redeem", {"quantity": quantity}
    )
    assert r.status_code == 422 and r.json()["field"] == "quantity"
    assert snapshot(shop) == before


def test_an_item_of_another_street_is_404(shop, api):
    before = snapshot(shop)
    r = api(shop.resident_user).post(f"/api/v1/store/items/{shop.t_item.pk}/redeem")
    assert r.status_code == 404
    assert api(shop.resident_user).post("/api/v1/store/items/999999/redeem").status_code == 404
    assert snapshot(shop) == before


def test_a_retried_redeem_with_the_same_idempotency_key_reserves_once(shop, api):
    me = api(shop.resident_user)
    url = f"/api/v1/store/items/{shop.towel.pk}/redeem"
    first = me.post(url, HTTP_IDEMPOTENCY_KEY="phone-1")
    again = me.post(url, HTTP_IDEMPOTENCY_KEY="phone-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Redemption.objects.count() == 1 and selectors.balance(shop.account) == 45


# --- cancel ----------------------------------------------------------------------------------


def test_cancelling_a_reservation_gives_the_stock_and_the_points_back(shop, api):
    me = api(shop.resident_user)
    rid = me.post(f"/api/v1/store/items/{shop.towel.pk}/redeem", {"quantity": "2"}).json()["id"]
    r = me.post(f"/api/v1/store/redemptions/{rid}/cancel", {"reason": "买到了"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "cancelled" and r.json()["pickup_code"] == ""
    assert r.json()["ended_at"] is not None
    assert StoreItem.objects.get(pk=shop.towel.pk).stock == 10
    assert selectors.balance(shop.account) == 60 == entry_sum(shop.account)
    kinds = [e["kind"] for e in me.get("/api/v1/points/entries").json()["items"]]
    assert kinds[:2] == ["refund", "redeem"]
    before = snapshot(shop)
    r = me.post(f"/api/v1/store/redemptions/{rid}/cancel")
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert snapshot(shop) == before


def test_a_collected_redemption_cannot_be_cancelled(shop, api):
    me = api(shop.resident_user)
    body = me.post(f"/api/v1/store/items/{shop.towel.pk}/redeem").json()
    services.redemption_collect(actor=shop.grid_a1_worker, code=body["pickup_code"],
                                street_id=shop.street.pk)  # fmt: skip
    before = snapshot(shop)
    r = me.post(f"/api/v1/store/redemptions/{body['id']}/cancel")
    assert r.status_code == 409
    assert snapshot(shop) == before
    assert me.get("/api/v1/store/redemptions").json()["items"][0]["status"] == "collected"


@pytest.mark.parametrize("who", ["volunteer", "admin", "other_admin", "nobody"])
def test_someone_elses_reservation_is_404_and_stays(shop, api, who):
    rid = api(shop.resident_user).post(f"/api/v1/store/items/{shop.towel.pk}/redeem").json()["id"]
    before = snapshot(shop)
    assert (
        api(getattr(shop, who)).post(f"/api/v1/store/redemptions/{rid}/cancel").status_code == 404
    )
    assert snapshot(shop) == before
    r = api(shop.resident_user).post(
        f"/api/v1/store/redemptions/{rid}/cancel", {"reason": "x" * 201}
    )
    assert r.status_code == 422 and r.json()["field"] == "reason"
    assert snapshot(shop) == before
