"""Open311 GeoReport v2 conformance: discovery, services, POST a request with an api_key,
read it back by id and by token, the standard filters, the error format, and that public
answers carry no personal data."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from linli.grids.models import GridNode, Role, StaffAssignment
from linli.testing.world import user
from linli.workorders.models import Channel, WorkOrder
from linli.workorders.models_open311 import Open311ApiKey, hash_key
from linli.workorders.open311 import api_key_issue
from linli.workorders.tests.conftest import advance

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
KEY = "linli-demo-open311"
SQUARE = {  # a boundary around grid A1 for lat/long location
    "type": "Polygon",
    "coordinates": [
        [[121.47, 31.25], [121.48, 31.25], [121.48, 31.26], [121.47, 31.26], [121.47, 31.25]]
    ],
}


@pytest.fixture
def o311(wo):
    integration = user("open311-bot", "Open311 接入")
    StaffAssignment.objects.create(
        street=wo.street, user=integration, role=Role.STREET_ADMIN, node=wo.street
    )
    api_key_issue(street=wo.street, user=integration, name="demo", raw=KEY)
    GridNode.objects.filter(pk=wo.grid_a1.pk).update(boundary=SQUARE)
    wo.integration = integration
    return wo


def get(client, path, **params):
    r = client.get(BASE + path, params, HTTP_ACCEPT_LANGUAGE="en")
    return r, json.loads(r.content)


def post(client, **data):
    r = client.post(BASE + "requests.json", data, HTTP_ACCEPT_LANGUAGE="en")
    return r, json.loads(r.content)


def test_key_is_stored_only_as_a_hash(o311):
    row = Open311ApiKey.objects.get()
    assert row.key_hash == hash_key(KEY) and KEY not in row.key_hash


def test_discovery(o311, client):
    r, body = get(client, "discovery.json")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert "application/json" in endpoint["formats"]
    assert "changeset" in body and "contact" in body and "key_service" in body


def test_services_list_and_definition(o311, client):
    r, body = get(client, "services.json")
    assert r.status_code == 200
    codes = {s["service_code"]: s for s in body}
    assert codes["leak"]["service_name"] == "房屋漏水"
    for s in body:
        assert set(s) >= {
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        }
        assert s["metadata"] is False and s["type"] == "realtime"
    r, body = get(client, "services/leak.json")
    assert r.status_code == 200 and body == {"service_code": "leak", "attributes": []}
    r, body = get(client, "services/nope.json")
    assert r.status_code == 404 and body[0]["code"] == 404 and body[0]["description"]


def test_jurisdiction(o311, client):
    # Only street S publishes Open311, so jurisdiction_id may be left out; naming it works;
    # an unknown one is a 404; with two publishing streets it is required.
    r, _b = get(client, "services.json", jurisdiction_id=o311.street.code)
    assert r.status_code == 200
    r, body = get(client, "services.json", jurisdiction_id="999")
    assert r.status_code == 404 and body[0]["code"] == 404
    api_key_issue(street=o311.street_t, user=o311.other_admin, name="t")
    r, body = get(client, "services.json")
    assert r.status_code == 400 and "jurisdiction_id" in body[0]["description"]


def test_post_a_request_and_read_it_back(o311, client, outbox):
    r, body = post(
        client,
        api_key=KEY,
        service_code="leak",
        description="雨泉花园1号楼外墙落水管断开，雪水顺墙流下",
        address_string="雨泉花园 1号楼",
        first_name="女士",
        last_name="刘",
        phone="13953201234",
        email="liu@example.com",
        media_url="http://example.com/a.jpg",
    )
    assert r.status_code == 201, body
    created = body[0]
    number, token = created["service_request_id"], created["token"]
    order = WorkOrder.objects.get(number=number)
    assert order.channel == Channel.OPEN311 and order.compound == o311.compound_a1
    assert order.grid == o311.grid_a1 and order.reporter_name == "刘女士"
    assert order.intake_by == o311.integration
    assert order.events.get().verb == "accept"

    r, body = get(client, f"requests/{number}.json")
    assert r.status_code == 200 and len(body) == 1
    req = body[0]
    assert req["service_request_id"] == number and req["status"] == "open"
    assert req["linli_status"] == "accepted" and req["service_code"] == "leak"
    assert req["address"] == "雨泉花园" and req["requested_datetime"]
    text = json.dumps(body, ensure_ascii=False)
    assert "刘" not in text.replace("雨泉花园1号楼外墙落水管断开，雪水顺墙流下", "")
    assert "13953201234" not in text and "1234" not in text.replace(number, "")

    r, body = get(client, f"tokens/{token}.json")
    assert r.status_code == 200 and body == [{"service_request_id": number, "token": token}]
    r, body = get(client, "tokens/not-a-token.json")
    assert r.status_code == 404


def test_post_by_lat_long_finds_the_grid(o311, client):
    r, body = post(
        client,
        api_key=KEY,
        service_code="other",
        description="路边井盖松动",
        lat="31.255",
        long="121.475",
    )
    assert r.status_code == 201, body
    order = WorkOrder.objects.get(number=body[0]["service_request_id"])
    assert order.grid == o311.grid_a1 and order.compound is None
    assert float(order.latitude) == pytest.approx(31.255)
    r, body = post(
        client, api_key=KEY, service_code="other", description="x", lat="30.0", long="120.0"
    )
    assert r.status_code == 400 and "not within" in body[0]["description"]


@pytest.mark.parametrize(
    "data, status, words",
    [
        (
            {"service_code": "leak", "description": "x", "address_string": "雨泉花园"},
            400,
            "api_key",
        ),
        (
            {
                "api_key": "wrong",
                "service_code": "leak",
                "description": "x",
                "address_string": "雨泉花园",
            },
            403,
            "api_key",
        ),
        ({"api_key": KEY, "description": "x", "address_string": "雨泉花园"}, 400, "service_code"),
        (
            {
                "api_key": KEY,
                "service_code": "nope",
                "description": "x",
                "address_string": "雨泉花园",
            },
            404,
            "service_code",
        ),
        (
            {"api_key": KEY, "service_code": "leak", "address_string": "雨泉花园"},
            400,
            "description",
        ),
        ({"api_key": KEY, "service_code": "leak", "description": "x"}, 400, "lat"),
        (
            {"api_key": KEY, "service_code": "leak", "description": "x", "lat": "abc", "long": "1"},
            400,
            "lat",
        ),
        (
            {
                "api_key": KEY,
                "service_code": "leak",
                "description": "x",
                "address_string": "雨泉花园",
                "phone": "12345",
            },
            400,
            "phone",
        ),
        (
            {
                "api_key": KEY,
                "service_code": "leak",
                "description": "x",
                "address_string": "雨泉花园",
                "jurisdiction_id": "310109012000",
            },
            403,
            "jurisdiction",
        ),
    ],
)
def test_post_errors_are_open311_shaped_and_save_nothing(o311, client, data, status, words):
    r, body = post(client, **data)
    assert r.status_code == status
    assert isinstance(body, list) and body[0]["code"] == status
    assert words in body[0]["description"]
    assert not WorkOrder.objects.exists()


def test_inactive_key_and_key_of_an_account_without_intake(o311, client):
    Open311ApiKey.objects.update(active=False)
    r, _b = post(
        client, api_key=KEY, service_code="leak", description="x", address_string="雨泉花园"
    )
    assert r.status_code == 403
    api_key_issue(street=o311.street, user=o311.property, name="unit", raw="unit-key")
    r, body = post(
        client, api_key="unit-key", service_code="leak", description="x", address_string="雨泉花园"
    )
    assert r.status_code == 403 and body[0]["code"] == 403
    assert not WorkOrder.objects.exists()


def test_request_list_filters(o311, client):
    closed = advance(o311, o311.intake(), "closed")
    dispatched = advance(
        o311, o311.intake(category="lift", compound=o311.compound_a1), "dispatched"
    )
    r, body = get(client, "requests.json", start_date="2026-11-01T00:00:00+08:00")
    assert r.status_code == 200
    by_id = {b["service_request_id"]: b for b in body}
    assert by_id[closed.number]["status"] == "closed"
    assert by_id[closed.number]["linli_status"] == "closed"
    assert by_id[dispatched.number]["status"] == "open"
    assert by_id[dispatched.number]["agency_responsible"] == "慧海物业"
    _r, body = get(client, "requests.json", status="open", start_date="2026-11-01T00:00:00Z")
    assert [b["service_request_id"] for b in body] == [dispatched.number]
    _r, body = get(client, "requests.json", status="closed", start_date="2026-11-01T00:00:00Z")
    assert [b["service_request_id"] for b in body] == [closed.number]
    _r, body = get(client, "requests.json", service_code="lift", start_date="2026-11-01T00:00:00Z")
    assert [b["service_request_id"] for b in body] == [dispatched.number]
    _r, body = get(client, "requests.json", service_request_id=f"{closed.number},nope")
    assert [b["service_request_id"] for b in body] == [closed.number]
    _r, body = get(
        client, "requests.json", end_date="2026-11-01T00:00:00Z", start_date="2026-10-01T00:00:00Z"
    )
    assert body == []
    r, body = get(client, "requests.json", start_date="yesterday")
    assert r.status_code == 400 and body[0]["code"] == 400
    r, body = get(client, "requests.json", status="pending")
    assert r.status_code == 400


def test_default_window_is_ninety_days(o311, client):
    old = o311.intake(at=timezone.now() - dt.timedelta(days=120))
    new = o311.intake(at=timezone.now() - dt.timedelta(days=2))
    _r, body = get(client, "requests.json")
    ids = [b["service_request_id"] for b in body]
    assert new.number in ids and old.number not in ids


def test_public_answers_hide_personal_data_and_private_places(o311, client):
    private = o311.intake(description="周美华家卧室渗水，电话13812341234")
    _r, body = get(client, f"requests/{private.number}.json")
    text = json.dumps(body, ensure_ascii=False)
    assert "周美华" not in text and "13812341234" not in text and "301" not in text
    assert body[0]["description"] == "房屋漏水" and body[0]["address"] == "雨泉花园"


def test_other_street_requests_are_not_served(o311, client):
    mine = o311.intake()
    api_key_issue(street=o311.street_t, user=o311.other_admin, name="t")
    r, _b = get(client, f"requests/{mine.number}.json", jurisdiction_id=o311.street_t.code)
    assert r.status_code == 404


def test_wrong_methods(o311, client):
    r = client.put(BASE + "requests.json")
    assert r.status_code == 405 and json.loads(r.content)[0]["code"] == 405
    r = client.post(BASE + "services.json")
    assert r.status_code == 405


def test_xml_is_not_offered(o311, client):
    r = client.get(BASE + "services.xml")
    assert r.status_code == 400 and json.loads(r.content)[0]["code"] == 400
