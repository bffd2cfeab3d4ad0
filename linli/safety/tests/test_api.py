"""Safety inspections in the JSON API: the pages' scope, forms and services; 201 / 404 /
409 / 422, and nothing changes on a refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from linli.accounts.services import token_issue
from linli.safety.models import Hazard, Inspection, Notice, Result

from .conftest import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(safe):
    def as_user(u, lang="zh-hans"):
        raw, _token = token_issue(user=u)
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE=lang)

    return as_user


def _items(w, hazards=()):
    data = {"inspected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    for item in w.items:
        data[f"item_{item.pk}"] = Result.HAZARD if item.label in hazards else Result.OK
    return data


def test_campaign_list_detail_and_actions(safe, api):
    w = safe
    c = api(w.admin)
    rows = c.get("/api/v1/campaigns").json()["items"]
    assert [r["name"] for r in rows] == [w.campaign.name]
    detail = c.get(f"/api/v1/campaigns/{w.campaign.pk}").json()
    assert detail["sites_listed"] == {"compound": 3, "rental_site": 1}
    assert detail["actions"] == ["close"]
    assert c.post(f"/api/v1/campaigns/{w.campaign.pk}/cancel", {"reason": "x"}).status_code == 409
    assert c.post(f"/api/v1/campaigns/{w.campaign.pk}/close", {}).json()["status"] == "closed"
    assert api(w.other_admin).get(f"/api/v1/campaigns/{w.campaign.pk}").status_code == 404


def test_grid_worker_records_an_inspection_once(safe, api):
    w = safe
    c = api(w.grid_a1_worker)
    site = f"site_kind=unit&site_id={w.rental.pk}&campaign={w.campaign.pk}"
    items = c.get(f"/api/v1/inspections/checklist?{site}").json()
    assert [i["label"] for i in items][:2] == ["公共区域堆物", "通道堆物"]
    data = _items(w, hazards={"飞线充电"})
    r = c.post(f"/api/v1/inspections?{site}", data, HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["hazards_found"] == 1 and len(body["hazards"]) == 1
    again = c.post(f"/api/v1/inspections?{site}", data, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.json()["id"] == body["id"] and Inspection.objects.count() == 1


def test_inspection_refusals_change_nothing(safe, api):
    w = safe
    c = api(w.grid_b1_worker)
    site = f"site_kind=unit&site_id={w.rental.pk}"
    assert c.post(f"/api/v1/inspections?{site}", _items(w)).status_code == 404  # not theirs
    c = api(w.grid_a1_worker)
    incomplete = _items(w)
    del incomplete[f"item_{w.items[0].pk}"]
    r = c.post(f"/api/v1/inspections?{site}", incomplete)
    assert r.status_code == 422 and r.json()["field"] == f"item_{w.items[0].pk}"
    assert "请选择" in r.json()["message"]
    r = c.post(f"/api/v1/inspections?site_kind=unit&site_id={w.office.pk}", _items(w))
    assert r.status_code == 400 and "不是检查对象" in r.json()["message"]
    assert c.post("/api/v1/inspections?site_kind=bogus&site_id=1", _items(w)).status_code == 404
    assert not Inspection.objects.exists()


def test_hazard_report_fix_and_notice_flow(safe, api):
    w = safe
    c = api(w.grid_a1_worker)
    site = f"site_kind=unit&site_id={w.rental.pk}"
    r = c.post(
        f"/api/v1/hazards?{site}",
        {"description": "飞线充电", "severity": "major", "source": "patrol"},
    )
    assert r.status_code == 201
    hazard = r.json()
    assert hazard["actions"] == ["fix", "dismiss"]
    r = c.post(f"/api/v1/hazards/{hazard['id']}/fix", {"note": "拆除"})
    assert r.status_code == 400 and "照片" in r.json()["message"]
    assert Hazard.objects.get().status == "open"
    deadline = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    r = c.post(
        "/api/v1/notices",
        {"hazards": [hazard["id"]], "responsible": "王老板", "deadline": deadline},
    )
    assert r.status_code == 201, r.content
    notice = r.json()
    assert notice["number"].startswith("〔") and notice["actions"] == ["acknowledge", "reinspect"]
    r = c.post(f"/api/v1/notices/{notice['id']}/reinspect", {"fixed": [hazard["id"]]})
    assert r.json()["status"] == "rectified"
    r = c.post(f"/api/v1/notices/{notice['id']}/reinspect", {})
    assert r.status_code == 409  # closed: nothing to re-inspect
    r = c.post(f"/api/v1/hazards/{hazard['id']}/fix", {"photos": photo()})
    assert r.status_code == 409


def test_notice_without_hazards_or_with_past_deadline(safe, api):
    w = safe
    c = api(w.grid_a1_worker)
    r = c.post("/api/v1/notices", {"responsible": "王老板", "deadline": "2030-01-01"})
    assert r.status_code == 422 and "至少" in r.json()["message"]
    site = f"site_kind=unit&site_id={w.rental.pk}"
    hid = c.post(
        f"/api/v1/hazards?{site}", {"description": "堆物", "severity": "minor", "source": "patrol"}
    ).json()["id"]
    r = c.post("/api/v1/notices", {"hazards": [hid], "responsible": "王", "deadline": "2020-01-01"})
    assert r.status_code == 400 and "不能早于今天" in r.json()["message"]
    assert not Notice.objects.exists() and Hazard.objects.get().status == "open"


def test_volunteer_reports_but_sees_no_record(safe, api):
    w = safe
    c = api(w.volunteer)
    r = c.post(
        f"/api/v1/hazards?site_kind=compound&site_id={w.compound_a1.pk}",
        {"description": "楼道飞线充电", "severity": "minor", "source": "volunteer"},
    )
    assert r.status_code == 201 and r.json()["events"] == []
    assert c.get("/api/v1/hazards").status_code in (403, 404)
    assert c.get(f"/api/v1/hazards/{r.json()['id']}").status_code == 404


def test_unit_staff_sees_its_own_site_only(inspected, api):
    w = inspected
    c = api(w.rental_manager)
    ids = {h["id"] for h in c.get("/api/v1/hazards").json()["items"]}
    assert ids == {h.pk for h in w.hazards}
    assert c.get(f"/api/v1/inspections/{w.inspection.pk}").status_code == 200
    assert c.get(f"/api/v1/campaigns/{w.campaign.pk}").status_code == 404
