"""Each action form posts through the services; a denied one is 404 and an illegal one
(a double click) 409 with the reason, and neither changes anything. Upload limits on the page."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from linli.core.testing import english
from linli.workorders.models import WorkOrder, WorkOrderEvent
from linli.workorders.tests.conftest import advance, photo

pytestmark = pytest.mark.django_db


def act(client, order, name, data=None, **extra):
    return english(client).post(
        reverse("workorders:act", args=[order.pk, name]), data or {}, **extra
    )


def state(order) -> tuple:
    o = WorkOrder.objects.get(pk=order.pk)
    return (
        o.status,
        o.lead_unit_id,
        o.rework_count,
        o.extension_count,
        o.escalation_level,
        o.satisfaction,
        WorkOrderEvent.objects.filter(order=o).count(),
        o.photos.count(),
    )


def status(order) -> str:
    return WorkOrder.objects.get(pk=order.pk).status


def test_happy_path_through_the_pages(wo, login):
    """Story 2 on the pages: verify with photos, dispatch with a co-handler, start, report
    back with an after-photo, check, follow-up 满意, close."""
    o = wo.intake()
    gw = login(wo.grid_a1_worker)
    r = act(
        gw, o, "verify", {"note": "落水管在3楼断开", "photos": [photo(), photo("b.png", fmt="PNG")]}
    )
    assert r.status_code == 302 and r.url == reverse("workorders:detail", args=[o.pk])
    o.refresh_from_db()
    assert o.status == "verified" and o.photos.count() == 2
    r = act(
        gw,
        o,
        "dispatch",
        {"lead_unit": wo.property_co.pk, "co_units": [wo.municipal.pk], "note": "借调升降车"},
    )
    assert r.status_code == 302
    o.refresh_from_db()
    assert o.status == "dispatched" and o.lead_unit == wo.property_co
    assert set(o.assignments.filter(active=True).values_list("unit_id", "role")) == {
        (wo.property_co.pk, "lead"),
        (wo.municipal.pk, "co"),
    }
    prop = login(wo.property)
    assert act(prop, o, "start", {"note": "到场"}).status_code == 302
    assert status(o) == "in_progress"
    assert (
        act(prop, o, "report_back", {"note": "更换连接件", "photos": [photo()]}).status_code == 302
    )
    assert status(o) == "reported_done"
    gw = login(wo.grid_a1_worker)
    assert act(gw, o, "check", {"result": "pass", "note": ""}).status_code == 302
    assert status(o) == "checked"
    res = login(wo.resident_user)
    r = act(res, o, "follow_up", {"satisfaction": "satisfied", "comment": ""})
    assert r.status_code == 302 and r.url == reverse("workorders:mine_detail", args=[o.pk])
    assert status(o) == "followed_up"
    gw = login(wo.grid_a1_worker)
    assert act(gw, o, "close", {"note": ""}).status_code == 302
    assert status(o) == "closed"
    page = english(login(wo.resident_user)).get(reverse("workorders:mine_detail", args=[o.pk]))
    assert b"Your request is closed." in page.content
    assert b"It was handed to" in page.content


def test_rework_and_not_satisfied_reopen(wo, login):
    o = advance(wo, wo.intake(), "reported_done")
    gw = login(wo.grid_a1_worker)
    r = act(gw, o, "check", {"result": "rework", "note": ""})
    # Rework needs a note: 400, nothing changed, the message names it.
    assert r.status_code == 400 and status(o) == "reported_done"
    assert b"Please fill in what is still wrong." in r.content
    assert act(gw, o, "check", {"result": "rework", "note": "仍渗水"}).status_code == 302
    o.refresh_from_db()
    assert o.status == "in_progress" and o.rework_count == 1
    o = advance(wo, o, "checked")
    res = login(wo.resident_user)
    r = act(res, o, "follow_up", {"satisfaction": "dissatisfied", "comment": ""})
    assert r.status_code == 400 and status(o) == "checked"
    r = act(res, o, "follow_up", {"satisfaction": "dissatisfied", "comment": "还在漏"})
    assert r.status_code == 302 and status(o) == "in_progress"


def test_reject_withdraw_return_escalate_extend(wo, login):
    gw = login(wo.grid_a1_worker)
    o = wo.intake()
    assert act(gw, o, "reject", {"reason": ""}).status_code == 400
    assert status(o) == "accepted"
    assert act(gw, o, "reject", {"reason": "不属于受理范围"}).status_code == 302
    assert status(o) == "rejected"

    o = wo.intake()
    res = login(wo.resident_user)
    assert act(res, o, "withdraw", {"reason": "已自行解决"}).status_code == 302
    assert status(o) == "withdrawn"

    o = advance(wo, wo.intake(), "dispatched")
    prop = login(wo.property)
    assert act(prop, o, "return", {"reason": "不是物业范围"}).status_code == 302
    o.refresh_from_db()
    assert o.status == "returned" and o.lead_unit_id is None

    gw = login(wo.grid_a1_worker)
    assert act(gw, o, "escalate", {"reason": "需居民区协调"}).status_code == 302
    o.refresh_from_db()
    assert o.escalation_level == 1 and o.status == "returned"

    # Grid workers may not extend (404, nothing changed); a cadre may.
    before = state(o)
    assert act(gw, o, "extend", {"amount": 2, "reason": "等配件"}).status_code == 404
    assert state(o) == before
    cadre = login(wo.cadre)
    r = act(cadre, o, "extend", {"amount": 0, "reason": "等配件"})
    assert r.status_code == 400 and state(o) == before
    assert act(cadre, o, "extend", {"amount": 2, "reason": "等配件"}).status_code == 302
    o.refresh_from_db()
    assert o.extension_count == 1


def test_merge_into_a_suggested_duplicate(wo, login):
    first = wo.intake(description="卧室墙面渗水，融雪水顺墙流下")
    second = wo.intake(description="卧室墙面渗水，融雪水顺墙流下，阳台积水")
    gw = login(wo.grid_a1_worker)
    page = english(gw).get(reverse("workorders:detail", args=[second.pk]))
    assert first.number.encode() in page.content  # the suggestion is shown
    assert act(gw, second, "merge", {"into": first.pk, "note": ""}).status_code == 302
    second.refresh_from_db()
    assert second.status == "merged" and second.merged_into_id == first.pk
    page = english(gw).get(reverse("workorders:detail", args=[first.pk]))
    assert second.number.encode() in page.content


def test_denied_actions_are_404_and_change_nothing(wo, login, municipal_user):
    o = wo.intake()
    before = state(o)
    for user, name, data in [
        (wo.property, "verify", {"note": ""}),  # unit staff do not verify
        (wo.grid_b1_worker, "verify", {"note": ""}),  # another grid
        (wo.other_admin, "reject", {"reason": "x"}),  # another street
        (wo.resident_user, "verify", {"note": ""}),  # the reporter cannot verify
        (wo.nobody, "withdraw", {"reason": ""}),
        (wo.grid_a1_worker, "no-such-action", {}),
    ]:
        r = act(login(user), o, name, data)
        assert r.status_code == 404, (user, name)
        assert state(o) == before
    o = advance(wo, o, "dispatched")
    before = state(o)
    # Only the lead unit starts; the grid worker may not (the order is not in-house).
    assert act(login(wo.grid_a1_worker), o, "start", {"note": ""}).status_code == 404
    assert act(login(municipal_user), o, "start", {"note": ""}).status_code == 404
    assert state(o) == before


@pytest.fixture
def municipal_user(wo):
    from linli.core.testing.world import user
    from linli.grids.models import Role, StaffAssignment

    u = user("muni", "市政")
    StaffAssignment.objects.create(
        street=wo.street, user=u, role=Role.UNIT_STAFF, node=wo.street, unit=wo.municipal
    )
    wo.municipal_user = u
    return u


def test_double_click_is_409_with_the_reason_and_changes_nothing(wo, login):
    o = wo.intake()
    gw = login(wo.grid_a1_worker)
    assert act(gw, o, "verify", {"note": "ok"}).status_code == 302
    before = state(o)
    r = act(gw, o, "verify", {"note": "ok"})
    assert r.status_code == 409
    assert b"Cannot verify a work order that is verified." in r.content
    assert state(o) == before
    o.refresh_from_db()
    o = advance(wo, o, "closed")
    before = state(o)
    r = act(gw, o, "close", {"note": ""})
    assert r.status_code == 409 and state(o) == before


def test_bad_photo_keeps_the_form_and_saves_nothing(wo, login):
    o = advance(wo, wo.intake(), "in_progress")
    prop = login(wo.property)
    before = state(o)
    bad = photo("note.txt")
    bad.file.seek(0)
    bad.file.truncate()
    bad.file.write(b"this is not an image")
    bad.file.seek(0)
    bad.size = 20
    r = act(prop, o, "report_back", {"note": "更换了落水管连接件", "photos": [photo(), bad]})
    assert r.status_code == 400
    text = r.content.decode()
    assert "File note.txt is not a photo we can read." in text
    assert "更换了落水管连接件" in text  # the note is kept
    assert state(o) == before


@override_settings(LINLI_PHOTO_MAX_BYTES=1000)
def test_oversized_photo_message_on_the_page(wo, login):
    o = wo.intake()
    gw = login(wo.grid_a1_worker)
    before = state(o)
    r = act(gw, o, "verify", {"note": "现场", "photos": [photo("big.jpg", size=(800, 600))]})
    assert r.status_code == 400
    assert b"Photo big.jpg is too large" in r.content
    assert "现场" in r.content.decode()
    assert state(o) == before


def test_report_back_needs_an_after_photo(wo, login):
    o = advance(wo, wo.intake(), "in_progress")
    before = state(o)
    r = act(login(wo.property), o, "report_back", {"note": "done"})
    assert r.status_code == 400
    assert b"Attach at least one photo of the finished work." in r.content
    assert state(o) == before


def test_ten_photos_are_refused(wo, login):
    o = wo.intake()
    before = state(o)
    r = act(
        login(wo.grid_a1_worker),
        o,
        "verify",
        {"note": "", "photos": [photo(f"p{i}.jpg") for i in range(10)]},
    )
    assert r.status_code == 400
    assert b"At most 9 photos can be attached at once." in r.content
    assert state(o) == before


def test_get_on_an_action_is_refused(wo, login):
    o = wo.intake()
    r = login(wo.grid_a1_worker).get(reverse("workorders:act", args=[o.pk, "verify"]))
    assert r.status_code == 405


def test_escalate_up_to_a_department_names_it(wo, login):
    o = advance(wo, wo.intake(), "verified")
    admin = login(wo.admin)
    assert act(admin, o, "escalate", {"reason": "需居民区协调"}).status_code == 302
    assert act(admin, o, "escalate", {"reason": "需街道协调"}).status_code == 302
    before = state(o)
    r = act(admin, o, "escalate", {"reason": "需派出所", "unit": ""})
    assert r.status_code == 400 and b"Choose the department to escalate to." in r.content
    assert state(o) == before
    assert (
        act(admin, o, "escalate", {"reason": "需派出所", "unit": wo.police.pk}).status_code == 302
    )
    o.refresh_from_db()
    assert o.escalation_level == 3
    assert o.assignments.filter(unit=wo.police, active=True).exists()


def test_dispatch_in_house_and_lead_also_co_is_refused(wo, login):
    o = advance(wo, wo.intake(), "verified")
    gw = login(wo.grid_a1_worker)
    before = state(o)
    r = act(gw, o, "dispatch", {"lead_unit": wo.property_co.pk, "co_units": [wo.property_co.pk]})
    assert r.status_code == 400 and b"The lead unit cannot also be a co-handler." in r.content
    assert state(o) == before
    assert act(gw, o, "dispatch", {"in_house": "on", "note": "居委会自行处理"}).status_code == 302
    o.refresh_from_db()
    assert o.status == "dispatched" and o.in_house and o.lead_unit is None
    # In-house work is the grid worker's to start.
    assert act(gw, o, "start", {"note": ""}).status_code == 302
    assert status(o) == "in_progress"


def test_co_handler_adds_progress_but_cannot_report_done(wo, login, municipal_user):
    o = advance(wo, wo.intake(), "verified")
    services_dispatch = {"lead_unit": wo.property_co.pk, "co_units": [wo.municipal.pk]}
    assert act(login(wo.grid_a1_worker), o, "dispatch", services_dispatch).status_code == 302
    assert act(login(wo.property), o, "start", {"note": ""}).status_code == 302
    muni = login(municipal_user)
    page = english(muni).get(reverse("workorders:detail", args=[o.pk])).content.decode()
    assert reverse("workorders:act", args=[o.pk, "update"]) in page
    assert reverse("workorders:act", args=[o.pk, "report_back"]) not in page
    assert act(muni, o, "update", {"note": "升降车已到场", "photos": [photo()]}).status_code == 302
    o.refresh_from_db()
    assert o.status == "in_progress" and o.events.filter(verb="update").exists()
    before = state(o)
    r = act(muni, o, "report_back", {"note": "done", "photos": [photo()]})
    assert r.status_code == 404 and state(o) == before
