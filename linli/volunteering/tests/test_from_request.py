"""A resident's request for a job inside the dwelling becomes a volunteer order from the
work order's page; the volunteers' check-in and the confirmed result move the request on."""

from __future__ import annotations

import pytest
from django.urls import reverse

from linli.testing import english
from linli.volunteering import services
from linli.volunteering.models import OrderResult, VolunteerOrder
from linli.volunteering.tests.conftest import HOUR, T0
from linli.workorders import services as wo_services
from linli.workorders.categories import ensure_default_categories
from linli.workorders.models import WorkOrder
from linli.workorders.workflow import Status

pytestmark = pytest.mark.django_db

LINK = "Make it a volunteer order"


@pytest.fixture
def door(vol):
    """刘运京's door frame (三宝新村 2-1-1401, grid A2): a verified 门窗维修 request."""
    cats = ensure_default_categories(vol.street)
    order = wo_services.workorder_intake(
        actor=vol.cadre, category=cats["doors_windows"], channel="desk", at=T0,
        description="卧室门框开裂需要维修", dwelling=vol.hh_a2.dwelling, reporter_resident=vol.liu,
    )  # fmt: skip
    return wo_services.workorder_verify(actor=vol.cadre, order=order, at=T0)


def test_staff_who_dispatch_see_the_way_to_a_volunteer_order(vol, door, client):
    english(client)
    client.force_login(vol.cadre)
    page = client.get(reverse("workorders:detail", args=[door.pk])).content.decode()
    assert LINK in page and f"?work_order={door.pk}" in page


def test_no_way_for_a_public_area_job(vol, client):
    cats = ensure_default_categories(vol.street)
    stairs = wo_services.workorder_intake(
        actor=vol.cadre, category=cats["leak"], channel="desk", at=T0,
        description="楼道渗水", compound=vol.compound_a2, location_text="2号楼楼道",
        reporter_resident=vol.liu,
    )  # fmt: skip
    stairs = wo_services.workorder_verify(actor=vol.cadre, order=stairs, at=T0)
    english(client)
    client.force_login(vol.cadre)
    assert LINK not in client.get(reverse("workorders:detail", args=[stairs.pk])).content.decode()


def test_the_order_form_is_filled_from_the_request_and_the_request_follows_it(vol, door, client):
    english(client)
    client.force_login(vol.cadre)
    url = reverse("volunteering:order_new") + f"?work_order={door.pk}"
    form = client.get(url)
    assert form.status_code == 200 and "卧室门框开裂需要维修" in form.content.decode()
    day = (T0 + 24 * HOUR).date().isoformat()
    sent = client.post(url, {
        "title": "2号楼2单元1401 卧室门框开裂需要维修", "skill": "carpentry", "capacity": "4",
        "day": day, "start_time": "09:00", "end_time": "11:00", "team": str(vol.team.pk),
        "publish": "on", "form_token": "door-1",
    })  # fmt: skip
    order = VolunteerOrder.objects.get(work_order=door)
    assert sent.status_code == 302 and sent["Location"].endswith(f"/{order.pk}/")
    assert order.resident == vol.liu and order.dwelling == vol.hh_a2.dwelling
    door.refresh_from_db()
    assert door.status == Status.DISPATCHED and door.lead_unit == vol.team_unit
    # A second post of the same form (a double tap) files nothing more.
    again = client.post(url, {"title": "x", "skill": "carpentry", "capacity": "4", "day": day,
                              "start_time": "09:00", "end_time": "11:00", "team": str(vol.team.pk),
                              "form_token": "door-1"})  # fmt: skip
    assert again.status_code == 302 and VolunteerOrder.objects.filter(work_order=door).count() == 1
    # And the link is gone: the request is dispatched.
    detail = client.get(reverse("workorders:detail", args=[door.pk])).content.decode()
    assert LINK not in detail

    start = order.starts_at
    claims = [services.order_claim(actor=v.user, order=order, at=T0) for v in vol.vols[:2]]
    services.claim_check_in(actor=claims[0].volunteer.user, claim=claims[0], at=start)
    assert WorkOrder.objects.get(pk=door.pk).status == Status.IN_PROGRESS
    for c in claims[1:]:
        services.claim_check_in(actor=c.volunteer.user, claim=c, at=start)
    for c in claims:
        services.claim_check_out(actor=c.volunteer.user, claim=c, at=start + HOUR)
    services.order_confirm(
        actor=vol.cadre, order=order, result=OrderResult.FIXED, rating=5, at=start + 2 * HOUR
    )
    assert WorkOrder.objects.get(pk=door.pk).status == Status.REPORTED_DONE


def test_not_fixed_returns_the_request_to_the_dispatcher(vol, door):
    order = services.order_create(
        actor=vol.cadre, title="门框", skill="carpentry", capacity=1, work_order=door,
        starts_at=T0 + 24 * HOUR, ends_at=T0 + 26 * HOUR, publish=True, at=T0,
    )  # fmt: skip
    door.refresh_from_db()
    assert door.status == Status.DISPATCHED and door.in_house  # no team: the neighbourhood
    claim = services.order_claim(actor=vol.vols[0].user, order=order, at=T0)
    services.claim_check_in(actor=vol.vols[0].user, claim=claim, at=order.starts_at)
    services.claim_check_out(actor=vol.vols[0].user, claim=claim, at=order.starts_at + HOUR)
    services.order_confirm(
        actor=vol.cadre, order=order, result=OrderResult.TO_PROPERTY, at=order.starts_at + 2 * HOUR
    )
    assert WorkOrder.objects.get(pk=door.pk).status == Status.RETURNED


def test_someone_who_may_not_write_orders_there_is_refused_and_nothing_changes(vol, door, client):
    english(client)
    client.force_login(vol.property)  # the property company's staff
    url = reverse("volunteering:order_new") + f"?work_order={door.pk}"
    assert client.get(url).status_code in (403, 404)
    client.force_login(vol.grid_b1_worker)  # another neighbourhood's grid worker
    assert client.get(url).status_code == 404
    assert not VolunteerOrder.objects.exists()
    assert WorkOrder.objects.get(pk=door.pk).status == Status.VERIFIED
