"""The safety pages: every page renders for those who may see it, posts do what they say,
and a page or a post outside the actor's scope is 404 with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.safety import services
from linli.safety.models import Campaign, Hazard, Inspection, Notice, NoticeStatus, Result

from .conftest import photo

pytestmark = pytest.mark.django_db


def _form(items, *, hazards=(), token="t-1", **extra):
    data = {"form_token": token, "inspected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    for item in items:
        data[f"item_{item.pk}"] = Result.HAZARD if item.label in hazards else Result.OK
        data[f"severity_{item.pk}"] = "minor"
    data.update(extra)
    return data


def test_board_campaign_report_ledger_render(safe, login):
    w = safe
    c = login(w.admin)
    assert "三清四查" in c.get(reverse("safety:board")).content.decode()
    page = c.get(reverse("safety:campaign", args=[w.campaign.pk])).content.decode()
    assert "天通庵路188号租赁公寓" in page and "雨泉花园" in page
    assert c.get(reverse("safety:report", args=[w.campaign.pk])).status_code == 200
    xlsx = c.get(reverse("safety:ledger", args=[w.campaign.pk]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")


def test_new_campaign_and_targets(safe, login):
    w = safe
    c = login(w.cadre)
    form = c.get(reverse("safety:campaign_new")).context["form"]
    data = {
        "form_token": "c-1",
        "name": "夜查",
        "node": w.nbh_a.pk,
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "checklist": w.checklist.pk,
        "target_kinds": ["rental_site"],
    }
    assert w.nbh_a.pk in dict(form.fields["node"].choices)
    r = c.post(reverse("safety:campaign_new"), data)
    made = Campaign.objects.get(name="夜查")
    assert r.status_code == 302 and made.node == w.nbh_a
    assert c.post(reverse("safety:campaign_new"), data).status_code == 302  # the same token
    assert Campaign.objects.filter(name="夜查").count() == 1
    r = c.post(reverse("safety:targets_add", args=[made.pk]), {"kinds": ["rental_site"]})
    assert r.status_code == 302
    assert list(made.targets.values_list("unit__name", flat=True)) == ["天通庵路188号租赁公寓"]


def test_new_campaign_bad_dates_says_so(safe, login):
    w = safe
    c = login(w.admin)
    r = c.post(
        reverse("safety:campaign_new"),
        {
            "form_token": "c-2",
            "name": "x",
            "node": w.street.pk,
            "starts_on": "2026-12-31",
            "ends_on": "2026-12-01",
            "checklist": w.checklist.pk,
            "target_kinds": ["compound"],
        },
    )
    assert r.status_code == 400 and "结束" in r.content.decode()
    assert not Campaign.objects.filter(name="x").exists()


def test_phone_inspection_records_hazards(safe, login):
    w = safe
    c = login(w.grid_a1_worker)
    url = reverse("safety:inspect", args=["unit", w.rental.pk]) + f"?campaign={w.campaign.pk}"
    page = c.get(url)
    assert page.status_code == 200 and "data-offline" in page.content.decode()
    data = _form(w.items, hazards={"擅自搭建隔层"}, campaign=w.campaign.pk)
    r = c.post(url, data)
    assert r.status_code == 302, r.content.decode()[:2000]
    inspection = Inspection.objects.get()
    assert inspection.hazards_found == 1 and inspection.campaign == w.campaign
    assert c.post(url, data).status_code == 302  # sent again (a lost signal): recorded once
    assert Inspection.objects.count() == 1 and Hazard.objects.count() == 1
    assert c.get(r["Location"]).status_code == 200


def test_inspection_with_a_missing_item_saves_nothing(safe, login):
    w = safe
    c = login(w.grid_a1_worker)
    data = _form(w.items)
    del data[f"item_{w.items[0].pk}"]
    r = c.post(reverse("safety:inspect", args=["unit", w.rental.pk]), data)
    assert r.status_code == 400 and "请选择" in r.content.decode()
    assert not Inspection.objects.exists()


def test_on_the_spot_without_photo_is_refused(safe, login):
    w = safe
    c = login(w.grid_a1_worker)
    item = w.item["飞线充电"]
    data = _form(w.items, hazards={"飞线充电"}, **{f"fixed_{item.pk}": "on"})
    r = c.post(reverse("safety:inspect", args=["unit", w.rental.pk]), data)
    assert r.status_code == 400 and not Inspection.objects.exists()
    data[f"after_{item.pk}"] = photo()
    r = c.post(reverse("safety:inspect", args=["unit", w.rental.pk]), data)
    assert r.status_code == 302 and Hazard.objects.get().status == "fixed"


def test_site_outside_scope_is_404_and_nothing_saved(safe, login):
    w = safe
    c = login(w.grid_b1_worker)  # 榆兰 grid; the rental site lies in 三宝第一网格
    url = reverse("safety:inspect", args=["unit", w.rental.pk])
    assert c.get(url).status_code == 404
    assert c.post(url, _form(w.items)).status_code == 404
    assert c.get(reverse("safety:inspect", args=["unit", w.far_rental.pk])).status_code == 404
    assert c.get(reverse("safety:site", args=["unit", w.rental.pk])).status_code == 404
    assert not Inspection.objects.exists()


def test_nobody_sees_nothing(safe, login):
    w = safe
    c = login(w.nobody)
    for name in ("safety:board", "safety:pick", "safety:hazards", "safety:notices"):
        assert c.get(reverse(name)).status_code in (403, 404)
    assert c.get(reverse("safety:campaign", args=[w.campaign.pk])).status_code == 404


def test_volunteer_reports_flying_wire(safe, login):
    w = safe
    c = login(w.volunteer)
    url = reverse("safety:hazard_new", args=["compound", w.compound_a1.pk])
    assert c.get(url).status_code == 200
    r = c.post(
        url,
        {
            "form_token": "h-1",
            "description": "3号楼楼道飞线充电",
            "severity": "minor",
            "source": "volunteer",
            "photos": photo(),
        },
    )
    assert r.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.source == "volunteer" and hazard.photos.count() == 1
    assert c.get(reverse("safety:hazard", args=[hazard.pk])).status_code == 404  # not staff


def test_notice_pages_issue_print_acknowledge_reinspect(inspected, login):
    w = inspected
    c = login(w.grid_a1_worker)
    new = reverse("safety:notice_new", args=["unit", w.rental.pk])
    assert c.get(new).status_code == 200
    deadline = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    r = c.post(
        new,
        {
            "form_token": "n-1",
            "hazards": [w.hazards[0].pk, w.hazards[1].pk],
            "responsible": "王老板",
            "deadline": deadline,
            "units": [w.police.pk],
        },
    )
    assert r.status_code == 302
    notice = Notice.objects.get()
    printed = c.get(reverse("safety:notice_print", args=[notice.pk])).content.decode()
    assert "责令立即改正通知书" in printed and "〔" in printed and "擅自搭建隔层" in printed
    other = login(w.rental_manager)
    assert other.get(reverse("safety:notice", args=[notice.pk])).status_code == 200
    r = other.post(
        reverse("safety:notice_act", args=[notice.pk, "acknowledge"]), {"signed_by": "王老板"}
    )
    assert r.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ACKNOWLEDGED
    # the site's manager may not re-inspect: 404, nothing changed
    r = other.post(
        reverse("safety:notice_act", args=[notice.pk, "reinspect"]),
        {"fixed": [w.hazards[0].pk, w.hazards[1].pk]},
    )
    assert r.status_code == 404
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ACKNOWLEDGED
    c = login(w.grid_a1_worker)
    r = c.post(
        reverse("safety:notice_act", args=[notice.pk, "reinspect"]),
        {"fixed": [w.hazards[0].pk, w.hazards[1].pk], "note": "已整改"},
    )
    assert r.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RECTIFIED
    r = c.post(reverse("safety:notice_act", args=[notice.pk, "reinspect"]), {"note": "again"})
    assert r.status_code == 409 and "已整改" in r.content.decode()  # closed: illegal


def test_notice_without_hazards_is_refused(inspected, login):
    w = inspected
    c = login(w.grid_a1_worker)
    deadline = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    r = c.post(
        reverse("safety:notice_new", args=["unit", w.rental.pk]),
        {"form_token": "n-2", "responsible": "王老板", "deadline": deadline},
    )
    assert r.status_code == 400 and "至少" in r.content.decode()
    assert not Notice.objects.exists()


def test_hazard_fix_needs_photo(inspected, login):
    w = inspected
    c = login(w.grid_a1_worker)
    url = reverse("safety:hazard_act", args=[w.hazards[0].pk, "fix"])
    r = c.post(url, {"note": "清理"})
    assert r.status_code == 400
    w.hazards[0].refresh_from_db()
    assert w.hazards[0].status == "open"
    assert c.post(url, {"note": "清理", "photos": photo()}).status_code == 302
    w.hazards[0].refresh_from_db()
    assert w.hazards[0].status == "fixed" and not w.hazards[0].on_the_spot


def test_lists_and_site_record(inspected, login):
    w = inspected
    c = login(w.cadre)
    assert w.hazards[0].number in c.get(reverse("safety:hazards")).content.decode()
    assert c.get(reverse("safety:notices")).status_code == 200
    page = c.get(reverse("safety:site", args=["unit", w.rental.pk])).content.decode()
    assert w.inspection.number in page
    assert c.get(reverse("safety:pick") + "?q=天通庵").status_code == 200
    assert "天通庵路188号" in c.get(reverse("safety:pick") + "?q=天通庵").content.decode()


def test_checklist_template_from_copy_and_the_wording(safe, login):
    w = safe
    c = login(w.admin)
    page = c.get(reverse("safety:checklists"))
    assert "电动自行车违规停放充电{n}辆" in page.content.decode()
    url = reverse("safety:checklists")
    items = "安全出口 | | 检查安全出口{n}处\n灭火器 | 个 | 检查灭火器{n}个"
    r = c.post(url, {"form": "checklist", "name": "企业开工检查", "items": items})
    assert r.status_code == 302
    r = c.post(url, {"form": "checklist", "name": "坏的", "items": "甲 | | 没有数字"})
    assert r.status_code == 400 and "{n}" in r.content.decode()
    assert services.default_checklist(w.street.pk).items.count() == 11
    wording = {"form": "wording", "authority": "宝山路街道平安办", "legal_basis": "依据消防法"}
    assert c.post(url, {**wording, "days_to_rectify": 500}).status_code == 400
    assert c.post(url, {**wording, "days_to_rectify": 5}).status_code == 302
    assert services.notice_settings(w.street.pk).authority == "宝山路街道平安办"
    assert c.get(url, {"copy": "x"}).status_code == 200
    assert login(w.grid_a1_worker).get(url).status_code in (403, 404)


def test_a_request_becomes_a_hazard_on_the_compounds_record(safe, login):
    from linli.workorders import services as wo
    from linli.workorders.categories import ensure_default_categories

    w = safe
    cats = ensure_default_categories(w.street)
    order = wo.workorder_intake(
        actor=w.grid_a1_worker, channel="desk", category=cats["public_lighting"],
        description="3号楼楼道有人拉电线给电动车充电", compound=w.compound_a1,
        reporter_name="王阿姨", reporter_phone="13812345678",
    )  # fmt: skip
    order = wo.workorder_verify(actor=w.grid_a1_worker, order=order)
    c = login(w.grid_a1_worker)
    page = c.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    url = reverse("safety:hazard_from_request", args=[order.pk])
    assert url in page
    assert "拉电线" in c.get(url).content.decode()
    r = c.post(url, {"form_token": "wo-1", "description": "楼道飞线充电", "severity": "major",
                     "item": w.item["飞线充电"].pk})  # fmt: skip
    assert r.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.work_order == order and hazard.compound == w.compound_a1
    assert hazard.source == "request"
    assert login(w.grid_b1_worker).get(url).status_code == 404
