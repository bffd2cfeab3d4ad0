"""The pages: the staff list, setting up, a distribution with its coverage, a grid's
buildings, 不漏户; the phone pages at the door (one tap, a resent form, a refusal shown as
a message); drills, their panels and the compliance page; the household file."""

from __future__ import annotations

import pytest
from django.urls import reverse

from linli.outreach import services
from linli.outreach.models import Distribution, Drill, DrillKind, DrillRule, Visit

from .conftest import T0, TODAY, hand

pytestmark = pytest.mark.django_db


def test_the_staff_list_and_a_distribution_with_its_coverage(out, login):
    w = out
    hand(w, w.hh_a1)
    c = login(w.cadre)
    page = c.get(reverse("outreach:board"))
    assert page.status_code == 200 and "三宝居民区灭火毯入户发放" in page.content.decode()
    detail = c.get(reverse("outreach:distribution", args=[w.blankets.pk])).content.decode()
    assert "三宝第一网格" in detail and "50.0%" in detail  # 1 of the grid's 2 households
    grid = c.get(reverse("outreach:distribution_grid", args=[w.blankets.pk, w.grid_a1.pk]))
    assert "雨泉花园 1号楼" in grid.content.decode()
    missing = c.get(reverse("outreach:missing", args=[w.blankets.pk]))
    text = missing.content.decode()
    assert w.hh_a1b.dwelling.address in text and w.hh_a1.dwelling.address not in text
    assert "1380" not in text and "3101" not in text  # no phones or ID numbers
    # Another neighbourhood's grid is not the cadre's: 404.
    assert (
        c.get(reverse("outreach:distribution_grid", args=[w.blankets.pk, w.grid_b1.pk])).status_code
        == 404
    )


def test_others_get_404_and_the_building_leader_is_sent_to_the_door(out, login):
    w = out
    for who in ("grid_b1_worker", "property", "resident_user", "other_admin"):
        c = login(getattr(w, who))
        assert c.get(reverse("outreach:distribution", args=[w.blankets.pk])).status_code == 404, who
    c = login(w.leader)
    assert c.get(reverse("outreach:board")).url == reverse("outreach:door")
    assert c.get(reverse("outreach:distribution_new")).status_code == 404


def test_setting_up_on_the_page_once_and_with_errors(out, login):
    w = out
    c = login(w.cadre)
    form = {"item": "booklet", "name": "家庭消防安全知识读本发放", "nodes": [w.grid_a2.pk],
            "starts_on": "2026-11-02", "ends_on": "2099-12-31", "form_token": "t-1", "open_now": "on"}  # fmt: skip
    first = c.post(reverse("outreach:distribution_new"), form)
    again = c.post(reverse("outreach:distribution_new"), form)
    assert first.status_code == again.status_code == 302 and first.url == again.url
    assert Distribution.objects.filter(item="booklet").count() == 1
    bad = c.post(
        reverse("outreach:distribution_new"), {**form, "form_token": "t-2", "ends_on": "2026-01-01"}
    )
    assert bad.status_code == 400
    assert Distribution.objects.filter(item="booklet").count() == 1


def test_start_and_close_panels(out, login):
    w = out
    c = login(w.cadre)
    d = services.distribution_create(actor=w.cadre, item="booklet", name="读本", starts_on=TODAY,
                                     ends_on=TODAY, nodes=[w.grid_a1], at=T0)  # fmt: skip
    url = reverse("outreach:distribution_act", args=[d.pk, "open"])
    assert c.post(url, {"note": ""}).status_code == 302
    assert c.post(url, {"note": ""}).status_code == 409  # a second tap: not a draft any more
    gw = login(w.grid_a1_worker)
    assert gw.post(reverse("outreach:distribution_act", args=[d.pk, "close"])).status_code == 404
    d.refresh_from_db()
    assert d.status == "running"


def test_at_the_door_one_tap_a_resent_form_and_a_second_handout(out, login):
    w = out
    c = login(w.leader)
    assert c.get(reverse("outreach:door")).url == reverse(
        "outreach:door_distribution", args=[w.blankets.pk]
    )
    buildings = c.get(reverse("outreach:door_distribution", args=[w.blankets.pk])).content.decode()
    assert "雨泉花园 1号楼" in buildings and "三宝新村" not in buildings
    entrance = w.hh_a1.dwelling.entrance_id
    page = c.get(reverse("outreach:door_entrance", args=[w.blankets.pk, entrance]))
    assert page.status_code == 200 and "301" in page.content.decode()
    tap = {"household": w.hh_a1.pk, "outcome": "handed", "form_token": "tap-1"}
    url = reverse("outreach:door_record", args=[w.blankets.pk])
    r = c.post(url, tap, follow=True)
    assert r.redirect_chain[-1][0] == reverse(
        "outreach:door_entrance", args=[w.blankets.pk, entrance]
    )
    c.post(url, tap)  # the same form again: nothing new
    assert Visit.objects.count() == 1
    r = c.post(url, {**tap, "form_token": "tap-2"}, follow=True)  # a new tap: refused, a message
    said = r.content.decode()  # who handed it over, and when, in a message on the same page
    assert r.status_code == 200 and 'class="msg msg-error"' in said and "楼组长" in said
    assert Visit.objects.count() == 1
    assert (
        c.post(url, {"household": w.hh_a2.pk, "outcome": "handed", "form_token": "x"}).status_code
        == 404
    )
    admin = login(w.admin)  # a household of the admin's, outside the distribution: a message
    r = admin.post(
        url, {"household": w.hh_b1.pk, "outcome": "handed", "form_token": "y"}, follow=True
    )
    assert r.redirect_chain[-1][0] == reverse("outreach:door_distribution", args=[w.blankets.pk])
    assert 'class="msg msg-error"' in r.content.decode()
    c = login(w.leader)
    # The household's own page: two, to a member.
    h = reverse("outreach:door_household", args=[w.blankets.pk, w.hh_a1b.pk])
    assert c.get(h).status_code == 200
    r = c.post(h, {"household": w.hh_a1b.pk, "outcome": "handed", "quantity": 2,
                   "recipient": w.li.pk, "form_token": "hh-1"})  # fmt: skip
    assert r.status_code == 302
    assert Visit.objects.get(household=w.hh_a1b).recipient == w.li
    assert (
        c.get(reverse("outreach:door_household", args=[w.blankets.pk, w.hh_a2.pk])).status_code
        == 404
    )


def test_drill_pages_panels_and_compliance(out, login):
    w = out
    c = login(w.cadre)
    form = {"kind": DrillKind.FIRE_DRILL, "node": w.grid_a1.pk, "date": "2099-03-01",
            "place": "雨泉花园中心花园", "topic": "楼道火灾逃生", "form_token": "d-1"}  # fmt: skip
    r = c.post(reverse("outreach:drill_new"), form)
    drill = Drill.objects.get()
    assert r.url == reverse("outreach:drill", args=[drill.pk])
    assert (
        c.post(
            reverse("outreach:drill_new"), {**form, "form_token": "d-2", "date": "2020-01-01"}
        ).status_code
        == 400
    )
    assert c.get(reverse("outreach:drills")).status_code == 200
    page = c.get(reverse("outreach:drill", args=[drill.pk])).content.decode()
    assert 'id="action-hold"' in page and 'id="action-cancel"' in page
    r = c.post(reverse("outreach:drill_act", args=[drill.pk, "hold"]), {"attendance": 30})
    assert r.status_code == 400  # not before the day
    r = c.post(reverse("outreach:drill_act", args=[drill.pk, "cancel"]), {"reason": "改期"})
    assert r.status_code == 302
    assert c.get(reverse("outreach:compliance")).status_code == 200
    admin = login(w.admin)
    assert (
        admin.post(
            reverse("outreach:rule"), {"grid_fire_drills": 2, "enterprise_trainings": 1}
        ).status_code
        == 302
    )
    assert DrillRule.objects.get().grid_fire_drills == 2
    cadre = login(w.cadre)
    assert (
        cadre.post(
            reverse("outreach:rule"), {"grid_fire_drills": 0, "enterprise_trainings": 0}
        ).status_code
        == 404
    )
    staff = login(w.factory_staff)
    assert staff.get(reverse("outreach:board")).url == reverse("outreach:drills")
    assert staff.get(reverse("outreach:drills")).status_code == 200
    assert staff.get(reverse("outreach:compliance")).status_code == 404


def test_the_household_file_and_the_home_page(out, login):
    w = out
    hand(w, w.hh_a1, recipient=w.zhou)
    c = login(w.resident_user)
    page = c.get(reverse("registry:household", args=[w.hh_a1.pk])).content.decode()
    assert "（发放记录）" in page and "灭火毯" in page and "周美华" in page
    neighbour = c.get(reverse("registry:household", args=[w.hh_a1b.pk]))
    assert neighbour.status_code == 404
    home = login(w.cadre).get("/").content.decode()
    assert "33.3" in home  # the running distribution: 1 of the 3 households of A
