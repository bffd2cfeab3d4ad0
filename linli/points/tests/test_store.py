"""The points store (积分超市): redeeming at the counter; reserving on the phone and
collecting with the pickup code; the refusals (per-person limit, out of stock, too few
points, off the shelf), each in Chinese and changing nothing; cancelling and voiding,
which give the stock and the points back by new entries; the catalogue's checks."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import Image

from linli.core.errors import Conflict, IllegalTransition, InvalidInput
from linli.points import services as points
from linli.points.models import EntryKind, PointEntry, Redemption, RedemptionState, StoreItem

from .conftest import DAY, T0, balance, chinese, give, ledger_sum, snapshot

pytestmark = pytest.mark.django_db


def stock(item) -> int:
    return StoreItem.objects.get(pk=item.pk).stock


def test_at_the_counter_the_goods_are_handed_over_at_once(pts):
    w = pts
    give(w, w.zhou_acct, 40)
    r = points.redeem(actor=w.grid_a1_worker, account=w.zhou_acct, item=w.towel, quantity=2)
    assert (r.status, r.points, r.quantity, r.pickup_code) == (RedemptionState.COLLECTED, 30, 2, "")
    assert r.handed_over_by == w.grid_a1_worker and r.collected_at is not None
    assert stock(w.towel) == 8 and balance(w.zhou_acct) == 10
    debit = PointEntry.objects.get(source=f"redemption:{r.pk}")
    assert (debit.kind, debit.points) == (EntryKind.REDEEM, -30)


def test_a_reservation_is_collected_with_its_pickup_code(pts):
    w = pts
    give(w, w.zhou_acct, 20)
    r = points.redeem(actor=w.resident_user, account=w.zhou_acct, item=w.towel, reserve=True)
    assert r.status == RedemptionState.RESERVED and len(r.pickup_code) == 6
    assert r.pickup_code.isdigit() and r.handed_over_by is None
    # The stock and the points are held from the moment of the reservation.
    assert stock(w.towel) == 9 and balance(w.zhou_acct) == 5

    before = snapshot(w.street.pk)
    for code in ["", "000000" if r.pickup_code != "000000" else "111111"]:
        with pytest.raises(InvalidInput) as exc:
            points.redemption_collect(actor=w.grid_a1_worker, code=code, street_id=w.street.pk)
        assert chinese(exc.value.message)
    assert snapshot(w.street.pk) == before

    done = points.redemption_collect(
        actor=w.grid_a1_worker, code=f" {r.pickup_code} ", street_id=w.street.pk
    )
    assert done.pk == r.pk and done.status == RedemptionState.COLLECTED
    assert done.handed_over_by == w.grid_a1_worker and done.collected_at is not None
    assert stock(w.towel) == 9 and balance(w.zhou_acct) == 5  # nothing taken twice
    with pytest.raises(InvalidInput):  # the code is spent
        points.redemption_collect(actor=w.grid_a1_worker, code=r.pickup_code, street_id=w.street.pk)


def test_the_same_reservation_submitted_twice_is_one(pts):
    w = pts
    give(w, w.zhou_acct, 100)
    first = points.redeem(actor=w.resident_user, account=w.zhou_acct, item=w.towel, reserve=True,
                          idempotency_key="tap-1")  # fmt: skip
    again = points.redeem(actor=w.resident_user, account=w.zhou_acct, item=w.towel, reserve=True,
                          idempotency_key="tap-1")  # fmt: skip
    assert again.pk == first.pk and Redemption.objects.count() == 1
    assert stock(w.towel) == 9 and balance(w.zhou_acct) == 85


@pytest.mark.parametrize(
    "case", ["limit", "out_of_stock", "too_few_points", "off_shelf", "quantity"]
)
def test_a_refused_redemption_says_why_in_chinese_and_changes_nothing(pts, case):
    w = pts
    give(w, w.zhou_acct, 100)
    quantity, code = 1, {
        "limit": "limit_reached", "out_of_stock": "out_of_stock",
        "too_few_points": "insufficient_points", "off_shelf": "off_shelf", "quantity": "invalid",
    }[case]  # fmt: skip
    item = w.towel
    if case == "limit":
        item = points.item_save(actor=w.admin, street_id=w.street.pk, name="毛巾", price=15,
                                per_person_limit=2, item=w.towel)  # fmt: skip
        points.redeem(actor=w.admin, account=w.zhou_acct, item=item, quantity=2)
    elif case == "out_of_stock":
        item = points.item_save(actor=w.admin, street_id=w.street.pk, name="大米", price=5)
    elif case == "too_few_points":
        quantity = 7  # 105 points
    elif case == "off_shelf":
        item = points.item_save(actor=w.admin, street_id=w.street.pk, name="毛巾", price=15,
                                on_shelf=False, item=w.towel)  # fmt: skip
    else:
        quantity = 0
    before = snapshot(w.street.pk)
    for reserve in (False, True):
        actor = w.resident_user if reserve else w.admin
        with pytest.raises((Conflict, InvalidInput)) as exc:
            points.redeem(actor=actor, account=w.zhou_acct, item=item, quantity=quantity,
                          reserve=reserve)  # fmt: skip
        assert exc.value.code == code and chinese(exc.value.message)
    assert snapshot(w.street.pk) == before


def test_the_limit_counts_live_redemptions_only(pts):
    w = pts
    give(w, w.zhou_acct, 100)
    item = points.item_save(actor=w.admin, street_id=w.street.pk, name="毛巾", price=15,
                            per_person_limit=1, item=w.towel)  # fmt: skip
    r = points.redeem(actor=w.resident_user, account=w.zhou_acct, item=item, reserve=True)
    with pytest.raises(Conflict):
        points.redeem(actor=w.resident_user, account=w.zhou_acct, item=item, reserve=True)
    points.redemption_cancel(actor=w.resident_user, redemption=r)
    again = points.redeem(actor=w.resident_user, account=w.zhou_acct, item=item, reserve=True)
    assert again.status == RedemptionState.RESERVED
    # Another person has a limit of their own.
    give(w, w.vol_acct, 15)
    assert points.redeem(actor=w.volunteer, account=w.vol_acct, item=item, reserve=True)


def test_a_person_reserves_only_from_their_own_account(pts):
    w = pts
    give(w, w.vol_acct, 100)
    before = snapshot(w.street.pk)
    with pytest.raises(Http404):
        points.redeem(actor=w.resident_user, account=w.vol_acct, item=w.towel, reserve=True)
    with pytest.raises(Http404):  # the counter is for staff
        points.redeem(actor=w.volunteer, account=w.vol_acct, item=w.towel)
    assert snapshot(w.street.pk) == before


def _entries_before(account) -> list[dict]:
    return list(PointEntry.objects.filter(account=account).order_by("pk").values())


@pytest.mark.parametrize("by", ["holder", "counter"])
def test_cancelling_a_reservation_gives_back_stock_and_points_by_a_new_entry(pts, by):
    w = pts
    give(w, w.zhou_acct, 40)
    r = points.redeem(actor=w.resident_user, account=w.zhou_acct, item=w.towel, quantity=2,
                      reserve=True)  # fmt: skip
    kept = _entries_before(w.zhou_acct)
    actor = w.resident_user if by == "holder" else w.grid_a1_worker
    done = points.redemption_cancel(actor=actor, redemption=r, reason="不需要了", at=T0 + DAY)
    assert done.status == RedemptionState.CANCELLED and done.ended_reason == "不需要了"
    assert stock(w.towel) == 10 and balance(w.zhou_acct) == 40 == ledger_sum(w.zhou_acct)
    refund = PointEntry.objects.get(source=f"refund:{r.pk}")
    assert (refund.kind, refund.points) == (EntryKind.REFUND, 30)
    assert _entries_before(w.zhou_acct)[: len(kept)] == kept  # earlier entries untouched
    # Nothing is given back twice; a cancelled reservation cannot be collected.
    before = snapshot(w.street.pk)
    with pytest.raises(IllegalTransition) as exc:
        points.redemption_cancel(actor=actor, redemption=done)
    assert chinese(exc.value.message)
    with pytest.raises(InvalidInput):
        points.redemption_collect(actor=w.grid_a1_worker, code=r.pickup_code, street_id=w.street.pk)
    assert snapshot(w.street.pk) == before


def test_someone_else_cannot_cancel_my_reservation(pts):
    w = pts
    give(w, w.zhou_acct, 40)
    r = points.redeem(actor=w.resident_user, account=w.zhou_acct, item=w.towel, reserve=True)
    before = snapshot(w.street.pk)
    with pytest.raises(Http404):
        points.redemption_cancel(actor=w.volunteer, redemption=r)
    assert snapshot(w.street.pk) == before


def test_voiding_a_handover_needs_a_reason_and_gives_everything_back(pts):
    w = pts
    give(w, w.zhou_acct, 40)
    r = points.redeem(actor=w.admin, account=w.zhou_acct, item=w.towel)
    before = snapshot(w.street.pk)
    with pytest.raises(InvalidInput) as exc:
        points.redemption_void(actor=w.admin, redemption=r, reason=" ")
    assert chinese(exc.value.message)
    with pytest.raises(Http404):  # the holder may not void a handover
        points.redemption_void(actor=w.resident_user, redemption=r, reason="想退")
    with pytest.raises(IllegalTransition):  # a collected redemption is not "cancelled"
        points.redemption_cancel(actor=w.resident_user, redemption=r)
    assert snapshot(w.street.pk) == before
    done = points.redemption_void(actor=w.admin, redemption=r, reason="拿错了")
    assert done.status == RedemptionState.VOIDED and done.ended_reason == "拿错了"
    assert stock(w.towel) == 10 and balance(w.zhou_acct) == 40 == ledger_sum(w.zhou_acct)
    with pytest.raises(IllegalTransition):
        points.redemption_void(actor=w.admin, redemption=done, reason="再来一次")
    assert balance(w.zhou_acct) == 40


# --- the catalogue ------------------------------------------------------------------------------------


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile("towel.png", out.getvalue(), content_type="image/png")


def test_an_item_photo_must_be_a_picture(pts):
    w = pts
    before = snapshot(w.street.pk)
    fake = SimpleUploadedFile("towel.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    with pytest.raises(InvalidInput) as exc:
        points.item_save(actor=w.admin, street_id=w.street.pk, name="肥皂", price=8, photo=fake)
    assert exc.value.field == "photo" and chinese(exc.value.message)
    with pytest.raises(InvalidInput):  # changing an item: the same check
        points.item_save(actor=w.admin, street_id=w.street.pk, name="毛巾", price=15,
                         item=w.towel, photo=fake)  # fmt: skip
    assert snapshot(w.street.pk) == before
    soap = points.item_save(
        actor=w.admin, street_id=w.street.pk, name="肥皂", price=8, photo=_png()
    )
    assert soap.photo.name and soap.stock == 0


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "price": 5},
        {"name": "肥皂", "price": 0},
        {"name": "肥皂", "price": 100_001},
        {"name": "肥皂", "price": "5"},
        {"name": "肥皂", "price": 5, "per_person_limit": 0},
        {"name": "毛巾", "price": 5},  # the towel's name is taken
    ],
)
def test_the_catalogue_refuses_bad_items(pts, data):
    w = pts
    before = snapshot(w.street.pk)
    with pytest.raises(InvalidInput) as exc:
        points.item_save(actor=w.admin, street_id=w.street.pk, **data)
    assert chinese(exc.value.message)
    assert snapshot(w.street.pk) == before


@pytest.mark.parametrize(
    "data",
    [
        {"quantity": 0, "source": "donation", "donor": "物业"},
        {"quantity": 5, "source": "stolen"},
        {"quantity": 5, "source": "purchase"},  # no cost
        {"quantity": 5, "source": "purchase", "cost": -1},
        {"quantity": 5, "source": "donation"},  # no donor
    ],
)
def test_stock_in_says_where_the_goods_came_from(pts, data):
    w = pts
    before = snapshot(w.street.pk)
    with pytest.raises(InvalidInput) as exc:
        points.stock_in(actor=w.admin, item=w.towel, **data)
    assert chinese(exc.value.message)
    assert snapshot(w.street.pk) == before
    points.stock_in(actor=w.admin, item=w.towel, quantity=5, source="purchase", cost=40)
    assert stock(w.towel) == 15
