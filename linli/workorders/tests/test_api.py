"""The JSON API: same scope and transitions as the services; 404 / 409 / 400, never 500."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.accounts.services import token_issue
from linli.workorders.models import WorkOrder
from linli.workorders.tests.conftest import advance, photo

pytestmark = pytest.mark.django_db
BASE = "/api/v1/workorders"


@pytest.fixture
def api(wo):
    def as_user(user):
        raw, _token = token_issue(user=user)
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="en")

    return as_user


def test_resident_reports_from_a_phone_and_follows_the_story(wo, api):
    resident, grid, prop = api(wo.resident_user), api(wo.grid_a1_worker), api(wo.property)
    r = resident.post(BASE, {
        "channel": "self_service", "category": wo.cats["leak"].pk,
        "description": "融雪水顺着墙往下流", "dwelling": wo.hh_a1.dwelling.pk,
        "photos": [photo("a.jpg"), photo("b.png", fmt="PNG")],
    })  # fmt: skip
    assert r.status_code == 201, r.content
    body = r.json()
    oid = body["id"]
    assert body["number"] == "WO-2026-000001" and body["grid"]["name"] == "三宝第一网格"
    detail = resident.get(f"{BASE}/{oid}").json()
    assert detail["actions"] == ["withdraw"]
    assert len(detail["events"][0]["photos"]) == 2

    r = grid.post(f"{BASE}/{oid}/verify", {"note": "3楼落水管破裂", "photos": [photo()]})
    assert r.status_code == 200 and r.json()["status"] == "verified"
    r = grid.post(
        f"{BASE}/{oid}/dispatch", {"lead_unit": wo.property_co.pk, "co_units": [wo.municipal.pk]}
    )
    assert r.status_code == 200 and r.json()["lead_unit"]["name"] == "慧海物业"
    assert prop.get(f"{BASE}/{oid}").json()["actions"] == ["return", "start"]
    assert prop.post(f"{BASE}/{oid}/start").json()["status"] == "in_progress"
    r = prop.post(f"{BASE}/{oid}/report-back", {"note": "已更换落水管", "photos": [photo()]})
    assert r.json()["status"] == "reported_done"
    assert grid.post(f"{BASE}/{oid}/check", {"result": "pass"}).json()["status"] == "checked"
    r = resident.post(f"{BASE}/{oid}/follow-up", {"satisfaction": "satisfied"})
    assert r.status_code == 200 and r.json()["status"] == "followed_up"
    r = grid.post(f"{BASE}/{oid}/close")
    assert r.json()["status"] == "closed" and r.json()["closed_at"]
    mine = resident.get(f"{BASE}/{oid}").json()
    assert mine["status"] == "closed" and mine["actions"] == []


def test_illegal_transition_is_409_with_a_message(wo, api):
    order = wo.intake()
    r = api(wo.grid_a1_worker).post(f"{BASE}/{order.pk}/close")
    assert r.status_code == 409
    assert r.json() == {
        "code": "illegal_transition",
        "message": "Cannot close a work order that is accepted.",
        "field": None,
    }
    assert WorkOrder.objects.get(pk=order.pk).status == "accepted"


@pytest.mark.parametrize("who", ["grid_b1_worker", "property", "other_admin", "nobody"])
def test_out_of_scope_is_404_for_reads_and_actions(wo, api, who):
    order = wo.intake()
    client = api(getattr(wo, who))
    assert client.get(f"{BASE}/{order.pk}").status_code == 404
    assert client.post(f"{BASE}/{order.pk}/verify").status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).status == "accepted"


def test_in_scope_but_not_allowed_is_404_too(wo, api):
    order = advance(wo, wo.intake(), "dispatched")
    r = api(wo.grid_a1_worker).post(f"{BASE}/{order.pk}/start")
    assert r.status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).status == "dispatched"


def test_list_filters_and_scope(wo, api):
    a = wo.intake()
    b = wo.intake(category="greenery", dwelling=None, compound=wo.compound_a1)
    c = wo.intake(actor=wo.grid_b1_worker, dwelling=wo.hh_b1.dwelling, reporter_resident=wo.zhao)
    admin = api(wo.admin)
    ids = lambda r: {row["id"] for row in r.json()["items"]}  # noqa: E731
    assert ids(admin.get(BASE)) == {a.pk, b.pk, c.pk}
    assert ids(admin.get(BASE, {"node": wo.grid_b1.pk})) == {c.pk}
    assert ids(admin.get(BASE, {"category": wo.cats["greenery"].pk})) == {b.pk}
    assert ids(admin.get(BASE, {"status": "accepted", "number": "000001"})) == {a.pk}
    assert ids(api(wo.grid_b1_worker).get(BASE)) == {c.pk}
    assert ids(api(wo.property).get(BASE)) == set()
    assert ids(api(wo.resident_user).get(BASE)) == {a.pk, b.pk}  # zhou reported both
    assert admin.get(BASE, {"status": "nonsense"}).status_code == 422
    assert admin.get(BASE, {"node": 999999}).status_code == 400


def test_list_masks_phones(wo, api):
    wo.intake(
        channel="hotline", reporter_resident=None, reporter_name="张", reporter_phone="13912345678"
    )
    row = api(wo.admin).get(BASE).json()["items"][0]
    assert row["reporter_phone"] == "139****5678"


def test_bad_input_is_400_naming_the_field(wo, api):
    client = api(wo.grid_a1_worker)
    r = client.post(BASE, {"channel": "desk", "category": wo.cats["leak"].pk, "description": "x",
                           "dwelling": wo.hh_a1.dwelling.pk})  # fmt: skip
    assert r.status_code == 400 and r.json()["field"] == "reporter_name"
    r = client.post(BASE, {"channel": "desk", "category": 424242, "description": "x"})
    assert r.status_code == 400 and r.json()["field"] == "category"
    r = client.post(BASE, {"channel": "desk", "category": wo.cats["leak"].pk, "description": "x",
                           "dwelling": wo.hh_a1.dwelling.pk, "reporter_resident": wo.zhou.pk,
                           "photos": [photo("bad.jpg", size=(1, 1))], })  # fmt: skip
    assert r.status_code == 201
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(BASE, {"channel": "desk", "category": wo.cats["leak"].pk, "description": "x",
                           "dwelling": wo.hh_a1.dwelling.pk, "reporter_resident": wo.zhou.pk,
                           "photos": [SimpleUploadedFile("notes.jpg", b"hello")]})  # fmt: skip
    assert r.status_code == 400 and r.json()["field"] == "photos"
    assert "notes.jpg" in r.json()["message"]
    assert WorkOrder.objects.count() == 1


def test_every_action_endpoint_answers(wo, api):
    grid, cadre, prop = api(wo.grid_a1_worker), api(wo.cadre), api(wo.property)
    main = wo.intake()
    dup = wo.intake()
    assert grid.get(f"{BASE}/{dup.pk}").json()["duplicate_suggestions"][0]["id"] == main.pk
    assert grid.post(f"{BASE}/{dup.pk}/merge", {"into": main.pk}).json()["merged_into"] == main.pk
    rej = wo.intake()
    assert grid.post(f"{BASE}/{rej.pk}/reject", {"reason": "无效"}).json()["status"] == "rejected"
    assert grid.post(f"{BASE}/{rej.pk}/reject", {"reason": "x"}).status_code == 409
    wd = wo.intake()
    assert api(wo.resident_user).post(f"{BASE}/{wd.pk}/withdraw").json()["status"] == "withdrawn"
    r = grid.post(f"{BASE}/{main.pk}/escalate", {"reason": "需居委协调"})
    assert r.json()["escalation_level"] == 1
    r = cadre.post(f"{BASE}/{main.pk}/extend", {"amount": 2, "reason": "等配件"})
    assert r.json()["extension_count"] == 1
    assert grid.post(f"{BASE}/{main.pk}/extend", {"amount": 2, "reason": "x"}).status_code == 404
    assert cadre.post(f"{BASE}/{main.pk}/extend", {"amount": 0, "reason": "x"}).status_code == 422
    grid.post(f"{BASE}/{main.pk}/verify")
    grid.post(f"{BASE}/{main.pk}/dispatch", {"lead_unit": wo.property_co.pk})
    r = prop.post(f"{BASE}/{main.pk}/return", {"reason": "非物业范围"})
    assert r.json()["status"] == "returned"
    grid.post(f"{BASE}/{main.pk}/dispatch", {"in_house": "true"})
    grid.post(f"{BASE}/{main.pk}/start")
    r = grid.post(f"{BASE}/{main.pk}/update", {"note": "已联系楼上住户"})
    assert r.json()["events"][-1]["verb"] == "update"
    r = grid.post(f"{BASE}/{main.pk}/report-back", {"note": "done"})
    assert r.status_code == 400 and r.json()["field"] == "photos"
    grid.post(f"{BASE}/{main.pk}/report-back", {"note": "done", "photos": [photo()]})
    r = grid.post(f"{BASE}/{main.pk}/check", {"result": "rework", "note": "未完成"})
    assert r.json()["status"] == "in_progress" and r.json()["rework_count"] == 1
    assert grid.post(f"{BASE}/{main.pk}/check", {"result": "maybe"}).status_code == 422


def test_unauthenticated_is_401(wo):
    assert Client().get(BASE).status_code == 401


def test_resident_sees_only_the_public_timeline(wo, api):
    order = advance(wo, wo.intake(), "dispatched")
    api(wo.property).post(f"{BASE}/{order.pk}/return", {"reason": "内部原因"})
    staff = api(wo.grid_a1_worker).get(f"{BASE}/{order.pk}").json()
    mine = api(wo.resident_user).get(f"{BASE}/{order.pk}").json()
    assert "return" in [e["verb"] for e in staff["events"]]
    assert "return" not in [e["verb"] for e in mine["events"]]


def test_intake_reads_each_thing_once(wo, api):
    """Token, grants, category, place, [BEGIN], grid staff, number, order, event, inbox row,
    [COMMIT]: 11 statements, the inbox row inside the intake's transaction. The place's
    grid comes without its GeoJSON boundary. Look-alikes are not searched: that is
    ``/similar`` before filing and the detail after."""
    grid = api(wo.grid_a1_worker)
    form = {"channel": "desk", "category": wo.cats["public_lighting"].pk,
            "description": "楼道灯坏了", "compound": wo.compound_a1.pk, "reporter_name": "王阿姨",
            "reporter_phone": "13812345678"}  # fmt: skip
    assert grid.post(BASE, form).status_code == 201  # the token's last-use stamp (once a minute)
    with CaptureQueriesContext(connection) as ctx:
        r = grid.post(BASE, form)
    assert r.status_code == 201, r.content
    assert "duplicate_suggestions" not in r.json()
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) <= 11, "\n".join(sql)
    assert sum("core_notification" in s for s in sql) == 1
    assert not any('"boundary"' in s for s in sql)


def test_similar_before_filing_finds_look_alikes_and_files_nothing(wo, api):
    now = timezone.now()
    main = wo.intake(at=now)
    dup = wo.intake(at=now)
    elsewhere = wo.intake(at=now, dwelling=wo.hh_b1.dwelling, actor=wo.grid_b1_worker,
                          reporter_resident=wo.zhao)  # fmt: skip
    other_kind = wo.intake(at=now, category="greenery")
    before = WorkOrder.objects.count()
    form = {"category": wo.cats["leak"].pk, "description": main.description,
            "dwelling": wo.hh_a1.dwelling.pk}  # fmt: skip
    r = api(wo.grid_a1_worker).post(f"{BASE}/similar", form)
    assert r.status_code == 200, r.content
    assert [d["id"] for d in r.json()] == [dup.pk, main.pk]  # equal scores: newest first
    assert r.json()[0] == {"id": dup.pk, "number": dup.number, "score": 1.0}
    # The compound alone (no dwelling) still finds them; unrelated text does not.
    by_compound = {"category": form["category"], "description": form["description"],
                   "compound": wo.compound_a1.pk}  # fmt: skip
    assert {d["id"] for d in api(wo.admin).post(f"{BASE}/similar", by_compound).json()} == {
        main.pk, dup.pk}  # fmt: skip
    unrelated = {**form, "description": "小区门口的路灯不亮了"}
    assert api(wo.grid_a1_worker).post(f"{BASE}/similar", unrelated).json() == []
    assert elsewhere.pk and other_kind.pk
    assert WorkOrder.objects.count() == before


@pytest.mark.parametrize("who", ["resident_user", "property", "nobody"])
def test_similar_is_404_without_intake(wo, api, who):
    order = wo.intake(at=timezone.now())
    form = {"category": wo.cats["leak"].pk, "description": order.description,
            "dwelling": wo.hh_a1.dwelling.pk}  # fmt: skip
    assert api(getattr(wo, who)).post(f"{BASE}/similar", form).status_code == 404


def test_similar_shows_only_orders_in_scope_and_refuses_bad_places(wo, api):
    order = wo.intake(at=timezone.now())
    form = {"category": wo.cats["leak"].pk, "description": order.description,
            "dwelling": wo.hh_a1.dwelling.pk}  # fmt: skip
    # Another grid's worker: the place is in their street, the order outside their grid.
    assert api(wo.grid_b1_worker).post(f"{BASE}/similar", form).json() == []
    # Another street's admin: the category and dwelling are not theirs.
    r = api(wo.other_admin).post(f"{BASE}/similar", form)
    assert r.status_code == 400 and r.json()["field"] == "category"
    client = api(wo.grid_a1_worker)
    nowhere = {"category": form["category"], "description": form["description"]}
    r = client.post(f"{BASE}/similar", nowhere)
    assert r.status_code == 400 and r.json()["field"] == "location"
    r = client.post(f"{BASE}/similar", {**nowhere, "grid": wo.nbh_a.pk})
    assert r.status_code == 400 and r.json()["field"] == "grid"
    assert client.post(f"{BASE}/similar", {**form, "description": ""}).status_code == 422


def test_resolve_refs_defers_the_grid_boundary(wo):
    from linli.workorders import selectors

    refs = selectors.resolve_refs(actor=wo.grid_a1_worker, compound=wo.compound_a1.pk,
                                  category=wo.cats["leak"].pk)  # fmt: skip
    compound = refs["compound"]
    assert "boundary" in compound.grid.get_deferred_fields()
    assert compound.grid.path == wo.grid_a1.path  # the rest is there, no further query
    assert refs["category"] == wo.cats["leak"]


def test_a_retried_create_with_the_same_idempotency_key_files_one_request(wo, api):
    resident = api(wo.resident_user)
    form = {
        "channel": "self_service",
        "category": wo.cats["leak"].pk,
        "description": "卫生间漏水",
        "dwelling": wo.hh_a1.dwelling.pk,
    }
    first = resident.post(BASE, form, HTTP_IDEMPOTENCY_KEY="phone-retry-1")
    again = resident.post(BASE, form, HTTP_IDEMPOTENCY_KEY="phone-retry-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert WorkOrder.objects.count() == 1
    other = resident.post(BASE, form, HTTP_IDEMPOTENCY_KEY="phone-retry-2")
    assert other.json()["id"] != first.json()["id"]
    r = resident.post(BASE, form, HTTP_IDEMPOTENCY_KEY="x" * 101)
    assert r.status_code == 400 and r.json()["field"] == "idempotency_key"


def test_the_openapi_document_describes_each_action_form(wo):
    doc = Client().get("/api/v1/openapi.json").json()
    body = doc["paths"]["/api/v1/workorders/{id}/dispatch"]["post"]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["in_house"] == {"type": "string", "enum": ["false", "true"]}
    assert schema["properties"]["co_units"]["type"] == "array"
    check = doc["paths"]["/api/v1/workorders/{id}/check"]["post"]["requestBody"]
    assert check["content"]["multipart/form-data"]["schema"]["required"] == ["result"]
