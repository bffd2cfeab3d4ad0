"""Intake pages: desk, 帮办代办, hotline, WeChat group by staff; a resident's own request;
duplicate suggestions; the resident picker; upload limits with the form kept."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from linli.testing import english
from linli.workorders.models import Channel, WorkOrder
from linli.workorders.tests.conftest import photo

pytestmark = pytest.mark.django_db

NEW = "/workorders/new/"


def test_urls():
    assert reverse("workorders:new") == NEW


def resident_form(wo, **data):
    return {"category": wo.cats["leak"].pk, "description": "卫生间漏水", "where": "home", **data}


def staff_post(client, wo, **data):
    base = {
        "channel": Channel.DESK,
        "category": wo.cats["leak"].pk,
        "description": "外墙淌水，阳台积水",
        "where": "compound",
        "compound": wo.compound_a1.pk,
        "location_text": "1号楼3楼外墙",
        "reporter_name": "刘女士",
        "reporter_phone": "13953201234",
    }
    base.update(data)
    return english(client).post(NEW, base)


def test_desk_intake_by_name_and_phone(wo, login):
    c = login(wo.grid_a1_worker)
    assert english(c).get(NEW + "?channel=desk").status_code == 200
    r = staff_post(c, wo, photos=[photo()])
    assert r.status_code == 302
    o = WorkOrder.objects.get()
    assert r.url == reverse("workorders:detail", args=[o.pk])
    assert o.channel == "desk" and o.compound == wo.compound_a1 and o.grid == wo.grid_a1
    assert o.reporter_name == "刘女士" and o.reporter_phone_last4 == "1234"
    assert o.photos.count() == 1 and o.intake_by == wo.grid_a1_worker


def test_proxy_intake_needs_the_resident_and_uses_their_home(wo, login):
    c = login(wo.grid_a1_worker)
    r = staff_post(c, wo, channel=Channel.PROXY, reporter_name="", reporter_phone="")
    assert r.status_code == 400 and not WorkOrder.objects.exists()
    assert b"Choose the resident this request is made for" in r.content
    r = staff_post(
        c,
        wo,
        channel=Channel.PROXY,
        reporter_resident=wo.zhou.pk,
        where="home",
        reporter_name="",
        reporter_phone="",
    )
    assert r.status_code == 400 and not WorkOrder.objects.exists()
    assert b"Record how the resident agreed that you act for them." in r.content
    r = staff_post(
        c,
        wo,
        channel=Channel.PROXY,
        reporter_resident=wo.zhou.pk,
        where="home",
        reporter_name="",
        reporter_phone="",
        proxy_consent="in_person",
        proxy_present="本人及女儿",
    )
    assert r.status_code == 302
    o = WorkOrder.objects.get()
    assert o.channel == "proxy" and o.reporter_resident == wo.zhou
    assert o.dwelling == wo.hh_a1.dwelling and o.reporter_user == wo.resident_user
    # The timeline says whom the worker acted for, how they agreed and who was there.
    page = english(c).get(reverse("workorders:detail", args=[o.pk])).content.decode()
    assert "Asked in person, at the desk or at home" in page and "本人及女儿" in page


def test_proxy_form_speaks_of_whom_the_worker_acts_for(wo, login):
    page = english(login(wo.grid_a1_worker)).get(NEW + "?channel=proxy").content.decode()
    assert "Whom are you acting for?" in page and 'name="proxy_consent"' in page
    # Not the wording for unregistered callers or for WeChat pastes.
    assert "Not registered?" not in page and 'name="reporter_phone"' not in page
    assert "paste it here" not in page
    page = english(login(wo.grid_a1_worker)).get(NEW + "?channel=wechat_group").content.decode()
    assert "paste it here" in page and 'name="reporter_phone"' in page


def test_posting_the_same_form_twice_files_one_request(wo, login):
    c = login(wo.grid_a1_worker)
    first = staff_post(c, wo, form_token="abc123")
    second = staff_post(c, wo, form_token="abc123")
    assert WorkOrder.objects.count() == 1
    assert (
        first.url == second.url == reverse("workorders:detail", args=[WorkOrder.objects.get().pk])
    )
    r = login(wo.resident_user).post(
        reverse("workorders:resident_new"), resident_form(wo, form_token="t-9")
    )
    login(wo.resident_user).post(
        reverse("workorders:resident_new"), resident_form(wo, form_token="t-9")
    )
    assert r.status_code == 302 and WorkOrder.objects.count() == 2


def test_resident_out_of_scope_cannot_be_picked(wo, login):
    c = login(wo.grid_a1_worker)
    r = staff_post(c, wo, channel=Channel.PROXY, reporter_resident=wo.zhao.pk, where="home")
    assert r.status_code == 400 and not WorkOrder.objects.exists()
    # The picker only offers residents of the worker's grids.
    r = english(c).get(reverse("workorders:resident_search"), {"q": "赵"})
    assert "赵嫦娥" not in r.content.decode()
    r = english(c).get(reverse("workorders:resident_search"), {"q": "周"})
    text = r.content.decode()
    assert "周美华" in text and "138****1234" in text and "13812341234" not in text


def test_hotline_and_wechat_with_free_text_place_in_a_grid(wo, login):
    c = login(wo.grid_a1_worker)
    r = staff_post(
        c, wo, channel=Channel.HOTLINE, where="other", grid=wo.grid_a1.pk, location_text=""
    )
    assert r.status_code == 400 and b"Describe where the problem is." in r.content
    r = staff_post(
        c,
        wo,
        channel=Channel.WECHAT_GROUP,
        where="other",
        grid=wo.grid_a1.pk,
        location_text="新港路 150 弄口",
        category=wo.cats["clutter"].pk,
        description="【群消息】弄口堆了好多建筑垃圾，晚上走路很危险",
    )
    assert r.status_code == 302
    o = WorkOrder.objects.get()
    assert o.channel == "wechat_group" and o.grid == wo.grid_a1 and o.compound is None


def test_intake_outside_scope_grid_is_not_offered(wo, login):
    c = login(wo.grid_a1_worker)
    r = staff_post(c, wo, where="other", grid=wo.grid_b1.pk)
    assert r.status_code == 400 and not WorkOrder.objects.exists()
    r = staff_post(c, wo, compound=wo.compound_b1.pk)
    assert r.status_code == 400 and not WorkOrder.objects.exists()


@override_settings(LINLI_PHOTO_MAX_BYTES=1000)
def test_oversized_photo_keeps_the_typed_form(wo, login):
    c = login(wo.grid_a1_worker)
    r = staff_post(c, wo, photos=[photo("big.jpg", size=(800, 600))])
    assert r.status_code == 400 and not WorkOrder.objects.exists()
    text = r.content.decode()
    assert "Photo big.jpg is too large" in text
    assert "外墙淌水，阳台积水" in text and "1号楼3楼外墙" in text and "刘女士" in text


def test_duplicate_suggestions_for_a_resident_home(wo, login):
    leak = wo.intake(at=timezone.now())  # in 周's dwelling
    form = {"category": wo.cats["leak"].pk, "where": "home", "description": leak.description}
    c = login(wo.grid_a1_worker)
    r = english(c).get(reverse("workorders:similar"), {**form, "reporter_resident": wo.zhou.pk})
    assert leak.number in r.content.decode()
    # No resident picked: no home to compare with.
    assert leak.number not in english(c).get(reverse("workorders:similar"), form).content.decode()


def test_duplicate_suggestions_while_typing(wo, login):
    first = wo.intake(
        compound=wo.compound_a1,
        description="楼道堆满纸箱旧家具，堵住通道",
        category="clutter",
        at=timezone.now(),  # look-alikes are searched within days of now
    )
    c = login(wo.grid_a1_worker)
    r = english(c).get(
        reverse("workorders:similar"),
        {
            "category": wo.cats["clutter"].pk,
            "compound": wo.compound_a1.pk,
            "where": "compound",
            "description": "楼道堆满纸箱和旧家具",
        },
    )
    assert first.number in r.content.decode()
    r = english(c).get(
        reverse("workorders:similar"),
        {
            "category": wo.cats["noise"].pk,
            "compound": wo.compound_a1.pk,
            "where": "compound",
            "description": "楼道堆满纸箱和旧家具",
        },
    )
    assert first.number not in r.content.decode()
    # Someone in another grid is not told about A1's requests.
    r = login(wo.grid_b1_worker).get(
        reverse("workorders:similar"),
        {
            "category": wo.cats["clutter"].pk,
            "compound": wo.compound_a1.pk,
            "where": "compound",
            "description": "楼道堆满纸箱和旧家具",
        },
    )
    assert first.number not in r.content.decode()


def test_intake_pages_denied_to_others(wo, login):
    for user in (wo.property, wo.resident_user, wo.volunteer, wo.nobody, wo.leader):
        assert login(user).get(NEW).status_code == 404
        assert (
            login(user).get(reverse("workorders:resident_search"), {"q": "周"}).status_code == 404
        )


# --- residents -------------------------------------------------------------------------------

RES_NEW = "/workorders/mine/new/"


def test_resident_reports_from_home_with_photos(wo, login):
    c = login(wo.resident_user)
    r = english(c).get(RES_NEW)
    assert r.status_code == 200 and b'class="resident"' in r.content
    assert "雨泉花园 1-1-301" in r.content.decode()
    r = english(c).post(
        RES_NEW,
        {
            "category": wo.cats["leak"].pk,
            "description": "卧室墙面渗水",
            "where": "home",
            "photos": [photo(f"{i}.jpg") for i in range(9)],
        },
    )
    assert r.status_code == 302
    o = WorkOrder.objects.get()
    assert r.url == reverse("workorders:mine_detail", args=[o.pk])
    assert o.channel == "self_service" and o.reporter_user == wo.resident_user
    assert o.dwelling == wo.hh_a1.dwelling and o.photos.count() == 9


def test_resident_reports_a_compound_public_area_or_free_text(wo, login):
    c = login(wo.resident_user)
    r = english(c).post(
        RES_NEW,
        {
            "category": wo.cats["public_lighting"].pk,
            "description": "路灯不亮",
            "where": "compound",
            "compound": wo.compound_a2.pk,
            "location_text": "2号楼门口",
        },
    )
    assert r.status_code == 302
    o = WorkOrder.objects.get()
    assert o.compound == wo.compound_a2 and o.grid == wo.grid_a2 and o.public_area
    r = english(c).post(
        RES_NEW,
        {
            "category": wo.cats["other"].pk,
            "description": "共享单车乱停",
            "where": "other",
            "location_text": "小区门口",
        },
    )
    assert r.status_code == 302
    assert WorkOrder.objects.order_by("-id").first().grid == wo.grid_a1


def test_a_create_sent_twice_by_the_phone_queue_files_once(wo, login):
    """A ``OnceForm`` create as the offline queue sends it (docs/offline.md): the resend
    after a lost answer is answered with the same request's page, and files nothing new."""
    c = login(wo.resident_user)
    form = {"form_token": "kept-in-the-basement", "category": wo.cats["leak"].pk,
            "description": "地下室墙面渗水", "where": "home"}  # fmt: skip
    queue = {"HTTP_X_LINLI_QUEUE": "1"}
    first = c.post(RES_NEW, {**form, "photos": [photo("1.jpg")]}, **queue)
    again = c.post(RES_NEW, {**form, "photos": [photo("1.jpg")]}, **queue)
    o = WorkOrder.objects.get()
    where = reverse("workorders:mine_detail", args=[o.pk])
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"location": where}
    assert o.photos.count() == 1


def test_resident_ten_photos_refused_and_form_kept(wo, login):
    c = login(wo.resident_user)
    r = english(c).post(
        RES_NEW,
        {
            "category": wo.cats["leak"].pk,
            "description": "卧室墙面渗水",
            "where": "home",
            "photos": [photo(f"{i}.jpg") for i in range(10)],
        },
    )
    assert r.status_code == 400 and not WorkOrder.objects.exists()
    assert b"At most 9 photos can be attached at once." in r.content
    assert "卧室墙面渗水" in r.content.decode()


def test_resident_cannot_report_for_another_street_compound(wo, login):
    c = login(wo.resident_user)
    r = english(c).post(
        RES_NEW,
        {
            "category": wo.cats["leak"].pk,
            "description": "x",
            "where": "compound",
            "compound": wo.compound_t.pk,
        },
    )
    assert r.status_code == 400 and not WorkOrder.objects.exists()


def test_staff_cannot_use_the_resident_page(wo, login):
    assert login(wo.grid_a1_worker).get(RES_NEW).status_code == 404
