"""Staff pages of the points store: the counter's search, an item's stock report, item
photos."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from linli.points import services as points
from linli.points.models import StockSource
from linli.workorders.tests.conftest import photo

pytestmark = pytest.mark.django_db


def test_store_item_photos_are_served_within_the_street(world, client):
    item = points.item_save(actor=world.admin, street_id=world.street.pk, name="毛巾", price=15,
                            photo=photo())  # fmt: skip
    url = reverse("points:item_photo", args=[item.pk])
    client.force_login(world.volunteer)
    assert client.get(url).status_code == 200
    client.force_login(world.other_admin)
    assert client.get(url).status_code == 404


def test_the_counter_finds_a_person_by_name_or_the_last_four_digits_of_their_phone(world, client):

    points.account_for(street_id=world.street.pk, resident=world.zhou)
    points.account_for(street_id=world.street.pk, resident=world.liu)
    client.force_login(world.admin)
    url = reverse("points:counter")
    by_phone = [a.name for a in client.get(url, {"q": "1234"}).context["accounts"]]
    assert by_phone == ["周美华"]  # 138****1234
    assert [a.name for a in client.get(url, {"q": "刘"}).context["accounts"]] == ["刘运京"]
    assert client.get(url, {"q": "9999"}).context["accounts"] == []


def test_an_items_stock_report_lists_what_came_in_and_who_redeemed_it(world, client):
    towel = points.item_save(actor=world.admin, street_id=world.street.pk, name="毛巾", price=15)
    points.stock_in(actor=world.admin, item=towel, quantity=10, source=StockSource.PURCHASE,
                    cost=Decimal("12.50"))  # fmt: skip
    points.stock_in(actor=world.admin, item=towel, quantity=5, source=StockSource.DONATION,
                    donor="和平商厦")  # fmt: skip
    account = points.account_for(street_id=world.street.pk, resident=world.zhou)
    points.adjust(actor=world.admin, account=account, points=100, reason="开户奖励")
    points.redeem(actor=world.admin, account=account, item=towel, quantity=2)
    url = reverse("points:item", args=[towel.pk])
    client.force_login(world.admin)
    h = client.get(url).context["h"]
    assert (h.bought, h.donated, h.handed_out, h.cost) == (10, 5, 2, Decimal("125.00"))
    assert [r.account.name for r in h.redemptions] == ["周美华"]
    assert "和平商厦" in client.get(url).content.decode()
    for who in (world.other_admin, world.volunteer, world.resident_user):
        client.force_login(who)
        assert client.get(url).status_code == 404
