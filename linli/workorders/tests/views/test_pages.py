"""Every work-order page per role: allowed → 200 with the right rows; out of scope → 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.testing import english
from linli.workorders import services
from linli.workorders.models import Category, Channel
from linli.workorders.tests.conftest import T0, advance, photo

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"workorders:{name}", args=args)


@pytest.fixture
def orders(wo):
    """a1: a dispatched leak in A1 (to 慧海物业); a2: accepted in A2; b1: accepted in B1;
    t: one in street T; mine: the resident's own request."""
    wo.a1 = advance(wo, wo.intake(), "dispatched")
    wo.a2 = wo.intake(
        actor=wo.cadre, dwelling=wo.hh_a2.dwelling, reporter_resident=wo.liu, category="noise"
    )
    wo.b1 = wo.intake(
        actor=wo.grid_b1_worker, dwelling=wo.hh_b1.dwelling, reporter_resident=wo.zhao
    )
    wo.t = services.workorder_intake(
        actor=wo.other_admin,
        channel=Channel.DESK,
        category=Category.objects.get(street=wo.street_t, code="leak"),
        description="香港丽园漏水",
        dwelling=wo.hh_t.dwelling,
        reporter_resident=wo.sun,
        at=T0,
    )
    wo.mine = services.workorder_intake(
        actor=wo.resident_user,
        channel=Channel.SELF_SERVICE,
        category=wo.cats["public_lighting"],
        description="楼道灯不亮",
        compound=wo.compound_a1,
        at=T0,
    )
    return wo


def test_grid_worker_list_shows_only_their_grid(orders, login):
    c = login(orders.grid_a1_worker)
    r = english(c).get(url("list"))
    assert r.status_code == 200
    text = r.content.decode()
    assert orders.a1.number in text and orders.mine.number in text
    assert orders.a2.number not in text and orders.b1.number not in text


def test_cadre_sees_neighbourhood_admin_sees_street_not_other_street(orders, login):
    r = english(login(orders.cadre)).get(url("list"))
    text = r.content.decode()
    assert orders.a1.number in text and orders.a2.number in text
    assert orders.b1.number not in text
    r = english(login(orders.admin)).get(url("list"))
    text = r.content.decode()
    assert all(o.number in text for o in (orders.a1, orders.a2, orders.b1, orders.mine))
    # Street T numbers its orders on its own; compare by page, not by number.
    assert login(orders.admin).get(url("detail", orders.t.pk)).status_code == 404


def test_detail_out_of_scope_is_404_for_every_page(orders, login):
    for user in (
        orders.grid_b1_worker,
        orders.other_admin,
        orders.nobody,
        orders.volunteer,
        orders.leader,
    ):
        c = login(user)
        for name in ("detail", "slip"):
            assert c.get(url(name, orders.a1.pk)).status_code == 404, (user, name)
    # The resident did not report a1 (staff took it in for 周美华 who has the account,
    # so she sees it) — but not the B1 one.
    c = login(orders.resident_user)
    assert c.get(url("mine_detail", orders.b1.pk)).status_code == 404


def test_list_filters(orders, login):
    c = login(orders.admin)
    r = english(c).get(url("list"), {"node": orders.grid_b1.pk})
    text = r.content.decode()
    assert orders.b1.number in text and orders.a1.number not in text
    r = english(c).get(url("list"), {"category": orders.cats["noise"].pk})
    text = r.content.decode()
    assert orders.a2.number in text and orders.b1.number not in text
    r = english(c).get(url("list"), {"status": "dispatched"})
    text = r.content.decode()
    assert orders.a1.number in text and orders.a2.number not in text
    r = english(c).get(url("list"), {"unit": orders.property_co.pk})
    text = r.content.decode()
    assert orders.a1.number in text and orders.b1.number not in text
    r = english(c).get(url("list"), {"created_from": "2026-11-21"})
    assert orders.a1.number not in r.content.decode()
    r = english(c).get(url("list"), {"created_from": "2026-11-21", "created_to": "2026-11-01"})
    assert b"The end date is before the start date." in r.content


SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def test_list_map_counts_each_grid_under_the_other_filters(orders, login):
    c = login(orders.admin)
    with CaptureQueriesContext(connection) as without_map:
        r = english(c).get(url("list"))
    assert "workorder-map-data" not in r.content.decode()  # no boundaries
    assert not [q for q in without_map if "GROUP BY" in q["sql"]]  # and nothing counted for it
    for grid in (orders.grid_a1, orders.grid_a2, orders.grid_b1):
        grid.boundary = SQUARE
        grid.save(update_fields=["boundary"])
    r = english(c).get(url("list"), {"node": orders.grid_b1.pk, "category": orders.cats["leak"].pk})
    regions = {x["name"]: x for x in r.context["map_data"]["regions"]}
    # The map ignores the grid filter (it is how one picks a grid) but keeps the others:
    # A1 has its dispatched leak, A2 only a noise complaint, B1 its leak.
    assert {n: x["value"] for n, x in regions.items()} == {
        orders.grid_a1.name: 1, orders.grid_a2.name: 0, orders.grid_b1.name: 1,
    }  # fmt: skip
    assert regions[orders.grid_a1.name]["url"] == (
        f"?category={orders.cats['leak'].pk}&node={orders.grid_a1.pk}"
    )
    assert b"core/regionmap.js" in r.content

    # A grid worker's map has their own grid only, counting what they may see.
    r = english(login(orders.grid_a1_worker)).get(url("list"))
    regions = r.context["map_data"]["regions"]
    assert [(x["name"], x["value"]) for x in regions] == [(orders.grid_a1.name, 2)]


def test_unit_staff_see_only_work_dispatched_to_their_unit(orders, login):
    c = login(orders.property)
    r = english(c).get(url("queue"))
    assert r.status_code == 200
    text = r.content.decode()
    assert orders.a1.number in text
    assert orders.a2.number not in text and orders.mine.number not in text
    assert c.get(url("detail", orders.a1.pk)).status_code == 200
    assert c.get(url("detail", orders.a2.pk)).status_code == 404
    assert c.get(url("detail", orders.mine.pk)).status_code == 404
    # Unit staff take in nothing and see no metrics.
    assert c.get(url("new")).status_code == 404
    assert c.get(url("metrics")).status_code == 404


def test_resident_sees_only_own_requests(orders, login):
    c = login(orders.resident_user)
    r = english(c).get(url("mine"))
    assert r.status_code == 200
    text = r.content.decode()
    assert orders.mine.number in text
    assert orders.b1.number not in text and orders.a2.number not in text
    # The staff pages send a resident to their own pages.
    assert c.get(url("queue")).url == url("mine")
    assert c.get(url("detail", orders.mine.pk)).url == url("mine_detail", orders.mine.pk)
    assert c.get(url("new")).status_code == 404
    assert c.get(url("metrics")).status_code == 404
    r = english(c).get(url("mine_detail", orders.mine.pk))
    assert b"We received your request." in r.content
    assert b'class="resident"' in r.content


def test_staff_detail_shows_full_timeline_and_only_allowed_actions(orders, login):
    c = login(orders.grid_a1_worker)
    r = english(c).get(url("detail", orders.a1.pk))
    text = r.content.decode()
    # Accepted, verified, dispatched: every event with who and the status move.
    assert "Request received" in text and "Verify" in text and "Dispatch" in text
    assert "Accepted → Verified" in text and "Verified → Dispatched" in text
    assert "周美华网格长" in text
    # Dispatched: the grid worker may escalate; start/report back are the unit's.
    assert f'action="{url("act", orders.a1.pk, "escalate")}"' in text
    assert f'action="{url("act", orders.a1.pk, "start")}"' not in text
    assert f'action="{url("act", orders.a1.pk, "verify")}"' not in text
    r = english(login(orders.property)).get(url("detail", orders.a1.pk))
    text = r.content.decode()
    assert f'action="{url("act", orders.a1.pk, "start")}"' in text
    assert f'action="{url("act", orders.a1.pk, "return")}"' in text
    assert f'action="{url("act", orders.a1.pk, "escalate")}"' not in text


def test_masked_phone_on_staff_pages_never_clear(orders, login):
    r = english(login(orders.grid_a1_worker)).get(url("detail", orders.a1.pk))
    assert b"138****1234" in r.content
    assert b"13812341234" not in r.content


def test_queue_by_role(orders, login):
    text = english(login(orders.grid_a1_worker)).get(url("queue")).content.decode()
    # Dispatched to a unit: not waiting for the grid worker; the resident's new one is.
    assert orders.mine.number in text and orders.a1.number not in text
    text = english(login(orders.grid_b1_worker)).get(url("queue")).content.decode()
    assert orders.b1.number in text and orders.mine.number not in text


def test_overdue_list(orders, login):
    c = login(orders.grid_a1_worker)
    r = english(c).get(url("overdue"))
    # T0 is in the past: the 48-hour leak deadline has passed; the overdue page lists it.
    assert orders.a1.number in r.content.decode()
    assert orders.b1.number not in r.content.decode()


def test_dispatch_slip_is_printable(orders, login):
    r = english(login(orders.grid_a1_worker)).get(url("slip", orders.a1.pk))
    assert r.status_code == 200
    text = r.content.decode()
    assert "慧海物业" in text and orders.a1.number in text and "@page" not in text
    assert "slip.css" in text
    # Residents never get the slip.
    advance(orders, orders.mine, "verified")
    assert login(orders.resident_user).get(url("slip", orders.mine.pk)).status_code == 404


def test_photos_served_only_to_those_who_may_see_them(orders, login):
    order = services.workorder_verify(
        actor=orders.grid_a1_worker, order=orders.mine, photos=[photo()], at=T0
    )
    p = order.photos.get()
    assert login(orders.grid_a1_worker).get(url("photo", order.pk, p.pk)).status_code == 200
    assert login(orders.resident_user).get(url("photo", order.pk, p.pk)).status_code == 200
    assert login(orders.grid_b1_worker).get(url("photo", order.pk, p.pk)).status_code == 404
    assert login(orders.property).get(url("photo", order.pk, p.pk)).status_code == 404


def test_pages_need_login(orders, client):
    for name, args in (
        ("queue", ()),
        ("list", ()),
        ("detail", (orders.a1.pk,)),
        ("mine", ()),
        ("metrics", ()),
    ):
        r = client.get(url(name, *args))
        assert r.status_code == 302 and "/accounts/login/" in r.url


def test_household_file_lists_the_households_requests(orders, login):
    r = english(login(orders.grid_a1_worker)).get(
        reverse("registry:household", args=[orders.hh_a1.pk])
    )
    assert r.status_code == 200
    text = r.content.decode()
    assert 'id="section-workorders"' in text
    assert orders.a1.number in text
    assert orders.b1.number not in text
    r = login(orders.grid_b1_worker).get(reverse("registry:household", args=[orders.hh_b1.pk]))
    assert orders.b1.number in r.content.decode()
