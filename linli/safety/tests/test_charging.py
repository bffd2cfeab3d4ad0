"""E-bike charging: a site proposed, found unsuitable (燃气管道在下方) or built (the registry
gains the facility), the overview per compound and neighbourhood, the page and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.accounts.services import token_issue
from linli.core.errors import IllegalTransition, InvalidInput
from linli.registry.models import Facility
from linli.safety import selectors, services
from linli.safety.models import ChargingSite

pytestmark = pytest.mark.django_db


def _propose(w, **extra):
    values = {"compound": w.compound_a1, "kind": "piles", "location": "西边靠围墙", "ports": 20}
    return services.charging_propose(actor=w.cadre, **{**values, **extra})


def test_rejected_and_built_sites(safe):
    w = safe
    west = _propose(w)
    west = services.charging_reject(actor=w.cadre, site=west, reason="燃气管道在下方，不宜安装")
    assert west.status == "rejected" and west.reason.startswith("燃气管道")
    middle = _propose(w, location="两个单元中间")
    today = timezone.localdate()
    middle = services.charging_build(
        actor=w.cadre, site=middle, installed_on=today, installer="申宏电力", ports=24,
        cost_sharing="电缆费用街道、物业各半", electricity="扫码付费",
    )  # fmt: skip
    assert middle.status == "built" and middle.facility.quantity == 24
    assert Facility.objects.get(pk=middle.facility_id).kind == "charging_pile"
    with pytest.raises(IllegalTransition):
        services.charging_build(actor=w.cadre, site=middle, installed_on=today, installer="x",
                                ports=1)  # fmt: skip
    services.hazard_report(actor=w.admin, site=services.compound_site(w.compound_a1),
                           description="飞线充电", item=w.item["飞线充电"])  # fmt: skip
    overview = selectors.charging_overview(w.cadre)
    row = next(r for r in overview.rows if r.compound == w.compound_a1)
    assert (row.ports, row.added, row.wires, row.wires_open) == (24, 24, 1, 1)
    assert overview.rows[0].compound == w.compound_a1  # needing piles most first
    assert ("三宝居民区", 24, 24, 1) in overview.by_neighbourhood
    assert overview.months[-1][1] == 1 and len(overview.months) == 12


def test_refusals_change_nothing(safe):
    w = safe
    with pytest.raises(Http404):  # a grid worker does not plan charging
        services.charging_propose(
            actor=w.grid_a1_worker, compound=w.compound_a1, kind="piles", location="x", ports=2
        )
    with pytest.raises(Http404):  # another street's compound
        _propose(w, compound=w.compound_t)
    with pytest.raises(InvalidInput):
        _propose(w, ports=0)
    site = _propose(w)
    with pytest.raises(InvalidInput):
        services.charging_build(actor=w.cadre, site=site, installer="x", ports=5,
                                installed_on=timezone.localdate() + dt.timedelta(days=3))  # fmt: skip
    with pytest.raises(InvalidInput):
        services.charging_reject(actor=w.cadre, site=site, reason=" ")
    site.refresh_from_db()
    assert site.status == "proposed" and not Facility.objects.filter(compound=w.compound_a1,
                                                                     quantity=5).exists()  # fmt: skip
    assert ChargingSite.objects.count() == 1


def test_page_and_api(safe, login):
    w = safe
    c = login(w.cadre)
    r = c.post(reverse("safety:charging_propose"), {"compound": w.compound_a1.pk, "kind": "piles",
                                                    "location": "两个单元中间", "ports": 30})  # fmt: skip
    assert r.status_code == 302
    site = ChargingSite.objects.get()
    page = c.get(reverse("safety:charging")).content.decode()
    assert "两个单元中间" in page and "雨泉花园" in page
    r = c.post(
        reverse("safety:charging_act", args=[site.pk, "reject"]), {"reason": "燃气管道在下方"}
    )
    assert r.status_code == 302
    assert ChargingSite.objects.get().status == "rejected"
    assert (
        login(w.grid_b1_worker)
        .post(reverse("safety:charging_act", args=[site.pk, "reject"]), {"reason": "x"})
        .status_code
        == 404
    )
    raw, _t = token_issue(user=w.cadre)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    rows = api.get("/api/v1/facilities/charging").json()
    mine = next(r for r in rows if r["compound"] == w.compound_a1.pk)
    assert mine["sites"][0]["status"] == "rejected"
    made = api.post("/api/v1/facilities/charging", {"compound": w.compound_a1.pk, "kind": "shed",
                                                    "location": "3号楼北", "ports": 12})  # fmt: skip
    assert made.status_code == 201 and made.json()["actions"] == ["build", "reject"]
    built = api.post(f"/api/v1/facilities/charging/{made.json()['id']}/build",
                     {"installed_on": timezone.localdate().isoformat(), "installer": "港丽物业",
                      "ports": 12})  # fmt: skip
    assert built.status_code == 200 and built.json()["status"] == "built"
    sheds = api.get("/api/v1/facilities?kind=shed").json()["items"]
    assert [s["quantity"] for s in sheds] == [12]
