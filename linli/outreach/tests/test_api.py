"""The JSON API: /api/v1/distributions and /api/v1/drills — scope, coverage, handouts
(201, a retry with the same key, 409 with the reason, 404 outside the scope, 422 bad
input), plan / hold / cancel, and the OpenAPI description."""

from __future__ import annotations

import pytest
from django.test import Client

from linli.accounts.services import token_issue
from linli.outreach import services
from linli.outreach.models import Drill, DrillKind, Visit

from .conftest import T0, TODAY, hand

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    token, _row = token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_list_and_detail_with_coverage(out):
    w = out
    hand(w, w.hh_a1)
    body = api(w.cadre).get("/api/v1/distributions").json()
    assert body["count"] == 1
    row = body["items"][0]
    assert row["coverage"] == {"households": 3, "handed": 1, "refused": 0, "not_home": 0,
                               "not_visited": 2, "percent": 33.3}  # fmt: skip
    detail = api(w.cadre).get(f"/api/v1/distributions/{w.blankets.pk}").json()
    assert [g["name"] for g in detail["grids"]] == ["三宝第一网格", "三宝第二网格"]
    assert detail["actions"] == ["handouts", "close"]
    assert api(w.leader).get(f"/api/v1/distributions/{w.blankets.pk}").json()["actions"] == [
        "handouts"
    ]
    assert api(w.grid_b1_worker).get(f"/api/v1/distributions/{w.blankets.pk}").status_code == 404
    assert api(w.property).get("/api/v1/distributions").json()["count"] == 0


def test_record_a_handout(out):
    w = out
    url = f"/api/v1/distributions/{w.blankets.pk}/handouts"
    c = api(w.leader)
    r = c.post(url, {"household": w.hh_a1.pk, "outcome": "handed", "recipient": w.wang.pk},
               HTTP_IDEMPOTENCY_KEY="door-1")  # fmt: skip
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["outcome"], body["quantity"], body["recipient"]) == ("handed", 1, "王建国")
    again = c.post(
        url, {"household": w.hh_a1.pk, "outcome": "handed"}, HTTP_IDEMPOTENCY_KEY="door-1"
    )
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    twice = c.post(url, {"household": w.hh_a1.pk, "outcome": "handed"})
    assert twice.status_code == 409 and twice.json()["code"] == "already_handed"
    assert c.post(url, {"household": w.hh_a2.pk, "outcome": "handed"}).status_code == 404
    bad = c.post(url, {"household": w.hh_a1b.pk, "outcome": "lost"})
    assert bad.status_code == 422 and bad.json()["field"] == "outcome"
    assert (
        c.post(url, {"household": w.hh_a1b.pk, "outcome": "handed", "quantity": 99}).status_code
        == 422
    )
    out_of_area = api(w.admin).post(url, {"household": w.hh_b1.pk, "outcome": "handed"})
    assert out_of_area.status_code == 400 and out_of_area.json()["field"] == "household"
    assert Visit.objects.count() == 1


def test_close_then_no_handout_and_illegal_steps_are_409(out):
    w = out
    c = api(w.cadre)
    assert c.post(f"/api/v1/distributions/{w.blankets.pk}/close").status_code == 200
    again = c.post(f"/api/v1/distributions/{w.blankets.pk}/close")
    assert again.status_code == 409 and again.json()["message"]
    r = c.post(
        f"/api/v1/distributions/{w.blankets.pk}/handouts",
        {"household": w.hh_a1.pk, "outcome": "refused"},
    )
    assert r.status_code == 409 and r.json()["code"] == "not_running"
    assert (
        api(w.grid_a1_worker).post(f"/api/v1/distributions/{w.blankets.pk}/open").status_code == 404
    )


def test_drills_plan_hold_cancel(out):
    w = out
    c = api(w.cadre)
    r = c.post("/api/v1/drills", {"kind": DrillKind.FIRE_DRILL, "node": w.grid_a1.pk,
                                  "date": "2099-05-01", "place": "雨泉花园", "topic": "灭火毯使用"})  # fmt: skip
    assert r.status_code == 201, r.content
    drill_id = r.json()["id"]
    assert r.json()["actions"] == ["hold", "cancel"]
    past = c.post("/api/v1/drills", {"kind": DrillKind.FIRE_DRILL, "node": w.grid_a1.pk,
                                     "date": "2020-05-01", "place": "x", "topic": "y"})  # fmt: skip
    assert past.status_code == 400 and past.json()["field"] == "date"
    early = c.post(f"/api/v1/drills/{drill_id}/hold", {"attendance": 10})
    assert early.status_code == 400 and early.json()["field"] == "attendance"
    assert c.post(f"/api/v1/drills/{drill_id}/cancel", {}).status_code == 422
    assert c.post(f"/api/v1/drills/{drill_id}/cancel", {"reason": "改期"}).status_code == 200
    assert c.post(f"/api/v1/drills/{drill_id}/cancel", {"reason": "改期"}).status_code == 409
    today = services.drill_plan(actor=w.admin, kind=DrillKind.FIRST_LESSON, node=w.street, date=TODAY,
                                place="街道会议室", topic="开工第一课", units=[w.factory], at=T0)  # fmt: skip
    staff = api(w.factory_staff)
    assert [d["id"] for d in staff.get("/api/v1/drills").json()["items"]] == [today.pk]
    assert staff.post(f"/api/v1/drills/{today.pk}/hold", {"attendance": 215}).status_code == 404
    held = api(w.admin).post(f"/api/v1/drills/{today.pk}/hold", {"attendance": 215})
    assert held.status_code == 200 and held.json()["attendance"] == 215
    assert api(w.grid_b1_worker).get(f"/api/v1/drills/{today.pk}").status_code == 404
    assert Drill.objects.get(pk=today.pk).status == "held"


def test_openapi_describes_the_endpoints():
    doc = Client().get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    for path in ("/api/v1/distributions", "/api/v1/distributions/{id}",
                 "/api/v1/distributions/{id}/handouts", "/api/v1/distributions/{id}/close",
                 "/api/v1/drills", "/api/v1/drills/{id}/hold", "/api/v1/drills/{id}/cancel"):  # fmt: skip
        assert path in paths, path
    body = paths["/api/v1/distributions/{id}/handouts"]["post"]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["outcome"]["enum"] == ["handed", "refused", "not_home"]
    assert "409" in paths["/api/v1/distributions/{id}/handouts"]["post"]["responses"]
