"""Each action form posts through the services; a denied one is 404 and an illegal one
(a double click) 409 with the reason, and neither changes anything. Upload limits on the page."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from linli.core.errors import InvalidInput
from linli.testing import english
from linli.workorders import services
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


def said(response) -> list[str]:
    """The message this request added (earlier ones wait in the session until shown)."""
    from django.contrib.messages import get_messages

    return [str(m) for m in get_messages(response.wsgi_request)][-1:]


def test_confirmations_name_the_action_actually_taken(wo, login):
    """A street office was told "已保存：回访：满意" after choosing 不满意, and "核查：通过"
    after sending work back: the confirmation now comes from the transition taken."""
    o = advance(wo, wo.intake(), "reported_done")
    gw = login(wo.grid_a1_worker)
    r = gw.post(
        reverse("workorders:act", args=[o.pk, "check"]),
        {"result": "rework", "note": "仍渗水"},
    )
    assert said(r) == ["已退回返工，已告知处置单位仍需解决的问题。"]
    o.refresh_from_db()
    o = advance(wo, o, "checked")
    res = login(wo.resident_user)
    r = res.post(
        reverse("workorders:act", args=[o.pk, "follow_up"]),
        {"satisfaction": "dissatisfied", "comment": "还在漏"},
    )
    assert said(r) == ["谢谢您的反馈，我们会继续处理。"]
    o.refresh_from_db()
    o = advance(wo, o, "checked")
    r = res.post(reverse("workorders:act", args=[o.pk, "follow_up"]), {"satisfaction": "satisfied"})
    assert said(r) == ["谢谢您的反馈。"]
    # Staff recording a call hear it in staff words.
    o2 = advance(wo, wo.intake(), "checked")
    gw = english(login(wo.grid_a1_worker))
    r = gw.post(
        reverse("workorders:act", args=[o2.pk, "follow_up"]),
        {"satisfaction": "dissatisfied", "comment": "还在漏"},
    )
    assert said(r) == [
        "Follow-up recorded: the resident is not satisfied; the request is reopened."
    ]


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
    assert act(gw, o, "dispatch", {"in_house": "true", "note": "居委会自行处理"}).status_code == 302
    o.refresh_from_db()
    assert o.status == "dispatched" and o.in_house and o.lead_unit is None
    # In-house work is the grid worker's to start.
    assert act(gw, o, "start", {"note": ""}).status_code == 302
    assert status(o) == "in_progress"


def test_dispatch_in_house_with_a_unit_still_picked_keeps_it_in_house(wo, login):
    """ "The neighbourhood handles it itself" wins over a unit left picked in the list
    (a street office hit a 400 here): one choice, never a conflict."""
    o = advance(wo, wo.intake(), "verified")
    r = act(
        login(wo.grid_a1_worker),
        o,
        "dispatch",
        {"in_house": "true", "lead_unit": wo.property_co.pk, "co_units": [wo.municipal.pk]},
    )
    assert r.status_code == 302
    o.refresh_from_db()
    assert o.in_house and o.lead_unit is None and not o.assignments.exists()


def test_dispatch_form_groups_handlers_by_kind_with_the_compounds_company_first(wo, login):
    from linli.grids.models import Unit, UnitKind

    Unit.objects.create(street=wo.street, kind=UnitKind.MERCHANT, name="早餐店")
    Unit.objects.create(street=wo.street, kind=UnitKind.RENTAL_SITE, name="群租房")
    o = advance(wo, wo.intake(), "verified")  # in 雨泉花园, managed by 慧海物业
    r = english(login(wo.grid_a1_worker)).get(reverse("workorders:detail", args=[o.pk]))
    form = r.context["forms"]["dispatch"]
    groups = [label for label, _choices in form.fields["lead_unit"].choices[1:]]
    assert groups[0] == "This compound's property company"
    first = form.fields["lead_unit"].choices[1][1]
    assert [name for _pk, name in first] == [wo.property_co.name]
    offered = {name for _g, choices in form.fields["co_units"].choices for _pk, name in choices}
    assert "早餐店" not in offered and "群租房" not in offered
    assert wo.municipal.name in offered
    # Nothing pre-ticked that conflicts: a unit is suggested, so "a unit" is the choice.
    assert form.initial["in_house"] == "false" and form.initial["lead_unit"] == wo.property_co.pk


def test_a_shop_cannot_be_made_the_handler(wo, login):
    from linli.grids.models import Unit, UnitKind

    shop = Unit.objects.create(street=wo.street, kind=UnitKind.MERCHANT, name="早餐店")
    o = advance(wo, wo.intake(), "verified")
    before = state(o)
    with pytest.raises(InvalidInput):
        services.workorder_dispatch(actor=wo.grid_a1_worker, order=o, lead_unit=shop)
    assert state(o) == before


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
