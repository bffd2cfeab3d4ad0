"""A volunteer's home page says how many open orders need their skill (no placeholder)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.testing import english
from linli.volunteering import services
from linli.volunteering.tests.conftest import make_order

pytestmark = pytest.mark.django_db


def test_the_home_page_counts_the_open_orders_that_need_my_skill(vol, client):
    english(client)
    soon = timezone.now()
    make_order(vol, at=soon, team=None)  # carpentry, open to the street
    make_order(vol, at=soon, team=None, skill="haircut")  # not this volunteer's skill
    claimed = make_order(vol, at=soon + dt.timedelta(hours=1), team=None)
    services.order_claim(actor=vol.volunteer, order=claimed)  # already has a place on it
    client.force_login(vol.volunteer)
    page = client.get("/").content.decode()
    assert "1 open order needs your skill" in page
    assert "switched on" not in page


def test_no_notice_without_open_orders_or_for_staff(vol, client):
    english(client)
    client.force_login(vol.volunteer)
    assert "needs your skill" not in client.get("/").content.decode()
    make_order(vol, at=timezone.now(), team=None)
    client.force_login(vol.cadre)
    assert "needs your skill" not in client.get("/").content.decode()
