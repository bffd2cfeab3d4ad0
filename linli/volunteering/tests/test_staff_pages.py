"""Staff pages of volunteering: teams on the roster and the figures of a month."""

from __future__ import annotations

import pytest
from django.urls import reverse

from linli.grids.models import Unit, UnitKind
from linli.testing import english
from linli.volunteering import services
from linli.volunteering.models import OrderResult, Team
from linli.volunteering.tests.conftest import HOUR, T0, make_order

pytestmark = pytest.mark.django_db


def test_staff_set_up_a_team_that_requests_can_be_dispatched_to(vol, client):
    english(client)
    client.force_login(vol.admin)
    sent = client.post(reverse("volunteering:team_new"), {
        "name": "助老陪护志愿服务队", "description": "陪老人聊天、就医", "leader": str(vol.cadre.pk),
        "needs_approval": "on",
    })  # fmt: skip
    assert sent.status_code == 302
    team = Team.objects.get(name="助老陪护志愿服务队")
    assert team.leader == vol.cadre and team.needs_approval
    assert team.unit.kind == UnitKind.VOLUNTEER_TEAM and team.unit.handles_requests
    page = client.get(reverse("volunteering:roster")).content.decode()
    assert "助老陪护志愿服务队" in page and "阡上微修志愿服务队" in page


def test_a_second_team_of_the_same_name_is_refused_and_nothing_is_made(vol, client):
    english(client)
    client.force_login(vol.admin)
    units = Unit.objects.count()
    sent = client.post(reverse("volunteering:team_new"), {"name": "阡上微修志愿服务队"})
    assert sent.status_code == 400
    assert "already has a team of that name" in sent.content.decode()
    assert Team.objects.count() == 1 and Unit.objects.count() == units


@pytest.mark.parametrize("who", ["volunteer", "resident_user", "property", "nobody"])
def test_only_staff_set_up_teams(vol, client, who):
    client.force_login(getattr(vol, who))
    assert client.post(reverse("volunteering:team_new"), {"name": "新队"}).status_code == 404
    assert not Team.objects.filter(name="新队").exists()


def test_another_streets_admin_sets_up_a_team_in_their_own_street(vol, client):
    client.force_login(vol.other_admin)
    assert client.post(reverse("volunteering:team_new"), {"name": "新队"}).status_code == 302
    assert Team.objects.get(name="新队").street == vol.street_t
    client.force_login(vol.admin)
    teams = client.get(reverse("volunteering:roster")).context["teams"]
    assert [t.name for t in teams] == ["阡上微修志愿服务队"]


def test_the_figures_of_a_month(vol, client, django_capture_on_commit_callbacks):
    order = make_order(vol, capacity=2)
    claims = [services.order_claim(actor=v.user, order=order, at=T0 + i * 600 * HOUR / 3600)
              for i, v in enumerate(vol.vols[:2])]  # fmt: skip
    for c in claims:
        services.claim_check_in(actor=c.volunteer.user, claim=c, at=order.starts_at)
        services.claim_check_out(actor=c.volunteer.user, claim=c, at=order.starts_at + 2 * HOUR)
    services.order_confirm(actor=vol.cadre, order=order, result=OrderResult.FIXED,
                           at=order.starts_at + 3 * HOUR)  # fmt: skip
    english(client)
    client.force_login(vol.admin)
    page = client.get(reverse("volunteering:metrics"), {"month": "2026-11"})
    text = page.content.decode()
    assert page.status_code == 200
    f = page.context["f"]
    assert f.volunteers == 6 and f.hours == 4 and f.avg_minutes_to_full == 10.0
    assert dict(page.context["statuses"])["Done"] == 1
    assert page.context["points"].issued == 40  # 20 each for two carpenters
    assert "party members" in text  # the street admin may see party membership
    assert client.get(reverse("volunteering:metrics"), {"month": "13/2026"}).status_code == 400


def test_figures_are_staff_only(vol, client):
    for who in (vol.volunteer, vol.resident_user, vol.property):
        client.force_login(who)
        assert client.get(reverse("volunteering:metrics")).status_code == 404


def test_the_household_file_shows_the_help_and_the_points(vol, client):
    from linli.points import services as points

    order = make_order(vol, capacity=1)
    claim = services.order_claim(actor=vol.vols[0].user, order=order, at=T0)
    services.claim_check_in(actor=vol.vols[0].user, claim=claim, at=order.starts_at)
    services.claim_check_out(actor=vol.vols[0].user, claim=claim, at=order.starts_at + HOUR)
    services.order_confirm(actor=vol.cadre, order=order, result=OrderResult.FIXED,
                           at=order.starts_at + 2 * HOUR)  # fmt: skip
    liu = points.account_for(street_id=vol.street.pk, resident=vol.liu)
    points.adjust(actor=vol.admin, account=liu, points=15, reason="参加楼道清洁", at=T0)
    english(client)
    client.force_login(vol.cadre)
    page = client.get(reverse("registry:household", args=[vol.hh_a2.pk])).content.decode()
    assert order.number in page  # the door frame, done for 刘运京's household
    assert "刘运京" in page and "15 points" in page
    client.force_login(vol.grid_b1_worker)  # not their household: no file at all
    assert client.get(reverse("registry:household", args=[vol.hh_a2.pk])).status_code == 404


def test_check_in_photos_are_on_the_order_page_for_staff_and_the_volunteers(vol, client):
    from linli.workorders.tests.conftest import photo

    order = make_order(vol, capacity=1)
    claim = services.order_claim(actor=vol.vols[0].user, order=order, at=T0)
    services.claim_check_in(actor=vol.vols[0].user, claim=claim, photos=[photo()], at=T0 + HOUR)
    shot = order.photos.get()
    url = reverse("volunteering:order_photo", args=[order.pk, shot.pk])
    for who in (vol.cadre, vol.vols[0].user):
        client.force_login(who)
        assert client.get(url).status_code == 200
    for who in (vol.other_admin, vol.resident_user, vol.nobody):
        client.force_login(who)
        assert client.get(url).status_code in (302, 404)
