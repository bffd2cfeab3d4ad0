"""The demo work orders: story 2 and the 9 pm power cut with their real timelines, every
state present, and what each demo login sees on the pages.

The street is built once for the module (inside a transaction rolled back at the end).
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from linli.accounts.models import User
from linli.demo.builders import build_demo
from linli.grids.models import Unit
from linli.testing import english
from linli.workorders.models import WorkOrder, WorkOrderUnit
from linli.workorders.models_open311 import Open311ApiKey, hash_key
from linli.workorders.workflow import Status


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        build_demo(log=lambda line: None)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def as_user(demo, db):
    def _client(username):
        c = Client()
        c.force_login(User.objects.get(username=username))
        return c

    return _client


def verbs(order) -> list[str]:
    return list(order.events.order_by("at", "id").values_list("verb", flat=True))


def test_story2_timeline(demo, db):
    order = WorkOrder.objects.get(reporter_name="刘女士")
    assert order.compound.name == "雨泉花园"
    assert order.dwelling.entrance.building.number == "1" and order.dwelling.floor == 3
    assert order.status == Status.CLOSED and order.satisfaction == "satisfied"
    assert verbs(order) == [
        "accept",
        "verify",
        "dispatch",
        "start",
        "report_back",
        "check",
        "follow_up",
        "close",
    ]
    units = {(a.unit.name, a.role) for a in WorkOrderUnit.objects.filter(order=order)}
    assert units == {("慧海物业", "lead"), ("虹口区市政养护公司", "co")}
    verify = order.events.get(verb="verify")
    assert verify.photos.count() >= 1 and "落水管" in verify.note


def test_power_cut_is_urgent_and_handled_the_same_night(demo, db):
    order = WorkOrder.objects.get(
        category__code="power_cut", building__number="2", compound__name="榆兰新村"
    )
    assert order.urgency == "urgent" and order.status == Status.CLOSED
    created = order.created_at.astimezone(order.resolve_due.tzinfo)
    assert (order.resolve_due - order.created_at).total_seconds() == 12 * 3600
    assert order.lead_unit.name == "市北供电公司"
    assert order.closed_at is not None and created is not None


def test_every_state_and_the_hard_cases_exist(demo, db):
    present = set(WorkOrder.objects.values_list("status", flat=True))
    assert present == set(Status.values)
    assert WorkOrder.objects.filter(rework_count__gt=0).exists()
    assert WorkOrder.objects.filter(events__verb="reopen").exists()  # 不满意
    assert WorkOrder.objects.filter(escalation_level__gt=0).exists()
    from django.utils import timezone

    overdue = WorkOrder.objects.filter(
        status__in=["accepted", "verified", "dispatched", "in_progress", "returned"],
        resolve_due__lt=timezone.now(),
    )
    assert 0 < overdue.count() < WorkOrder.objects.count() // 3
    assert Open311ApiKey.objects.filter(key_hash=hash_key("linli-demo-open311")).exists()


def test_gridleader1_sees_only_their_grid(as_user):
    c = as_user("gridleader1")
    assert english(c).get(reverse("workorders:queue")).status_code == 200
    assert english(c).get(reverse("workorders:metrics")).status_code == 200
    text = english(c).get(reverse("workorders:list")).content.decode()
    mine = WorkOrder.objects.filter(grid__name="榆兰第二责任区")
    assert f"{mine.count()} requests" in text
    assert any(o.number in text for o in mine)
    assert not any(o.number in text for o in WorkOrder.objects.exclude(grid__name="榆兰第二责任区"))


def test_property1_sees_only_its_company_work(as_user):
    c = as_user("property1")
    unit = Unit.objects.get(name="慧海物业")
    theirs = WorkOrder.objects.filter(assignments__unit=unit).distinct()
    text = english(c).get(reverse("workorders:list")).content.decode()
    assert theirs.exists() and f"{theirs.count()} requests" in text
    assert not any(o.number in text for o in WorkOrder.objects.exclude(pk__in=theirs))


def test_resident1_sees_own_requests_and_a_follow_up_waits(as_user):
    c = as_user("resident1")
    r = english(c).get(reverse("workorders:mine"))
    text = r.content.decode()
    resident = User.objects.get(username="resident1")
    own = WorkOrder.objects.filter(reporter_user=resident)
    assert own.count() >= 4 and all(o.number in text for o in own)
    assert own.filter(status=Status.CHECKED).exists()
    assert "Please tell us if you are satisfied" in text
    others = WorkOrder.objects.exclude(reporter_user=resident).first()
    assert c.get(reverse("workorders:mine_detail", args=[others.pk])).status_code == 404


def test_open311_demo_key_files_a_request(demo, db, client):
    r = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": "linli-demo-open311",
            "service_code": "public_lighting",
            "description": "路灯不亮",
            "address_string": "雨泉花园 3号楼",
        },
    )
    assert r.status_code == 201
