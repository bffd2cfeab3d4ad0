"""Each workflow action through its service: what changes, what the timeline says, who is told."""

import datetime as dt

import pytest
from django.utils import translation

from linli.core.errors import IllegalTransition, InvalidInput
from linli.core.models import Notification
from linli.workorders import services
from linli.workorders.models import Channel, WorkOrder, WorkOrderPhoto
from linli.workorders.tests.conftest import T0, advance, photo
from linli.workorders.workflow import Level

pytestmark = pytest.mark.django_db


def verbs(order):
    return list(order.events.order_by("at", "id").values_list("verb", "from_status", "to_status"))


def test_story_2_end_to_end_with_notifications(wo, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = wo.intake(actor=wo.resident_user, channel=Channel.SELF_SERVICE, photos=[photo()])
        order = services.workorder_verify(
            actor=wo.grid_a1_worker, order=order, note="3楼落水管破裂", photos=[photo()]
        )
        order = services.workorder_dispatch(
            actor=wo.grid_a1_worker, order=order, lead_unit=wo.property_co, co_units=[wo.municipal]
        )
        order = services.workorder_start(actor=wo.property, order=order)
        order = services.workorder_report_back(
            actor=wo.property, order=order, note="借用市政升降车，更换落水管", photos=[photo()]
        )
        order = services.workorder_check(actor=wo.grid_a1_worker, order=order, passed=True)
        order = services.workorder_follow_up(
            actor=wo.resident_user, order=order, satisfaction="satisfied", comment="很及时"
        )
        order = services.workorder_close(actor=wo.grid_a1_worker, order=order)
    assert order.status == "closed" and order.satisfaction == "satisfied"
    assert [v for v, _f, _t in verbs(order)] == [
        "accept", "verify", "dispatch", "start", "report_back", "check", "follow_up", "close"
    ]  # fmt: skip
    assert order.verified_at and order.dispatched_at and order.started_at
    assert order.reported_done_at and order.checked_at and order.closed_at
    assert set(WorkOrderPhoto.objects.filter(order=order).values_list("kind", flat=True)) == {
        "report", "verify", "after"
    }  # fmt: skip
    resident_kinds = [m.kind for m in outbox if m.user_id == wo.resident_user.pk]
    assert resident_kinds == [
        "workorder.dispatched", "workorder.done", "workorder.follow_up_request", "workorder.closed"
    ]  # fmt: skip
    assert [m.kind for m in outbox if m.user_id == wo.property.pk] == [
        "workorder.dispatched_to_unit"
    ]
    assert Notification.objects.filter(user=wo.resident_user).count() == 4
    assert all(order.number in m.subject for m in outbox)


def test_illegal_transition_is_409_and_changes_nothing(wo):
    order = wo.intake()
    with translation.override("en"), pytest.raises(IllegalTransition) as exc:
        services.workorder_close(actor=wo.grid_a1_worker, order=order)
    assert exc.value.status == 409
    assert "accepted" in exc.value.message
    assert verbs(order) == [("accept", "", "accepted")]


def test_double_start_is_409(wo):
    order = advance(wo, wo.intake(), "in_progress")
    with pytest.raises(IllegalTransition):
        services.workorder_start(actor=wo.property, order=order)


def test_rework_goes_back_to_the_unit_and_is_counted(wo):
    order = advance(wo, wo.intake(), "reported_done")
    with pytest.raises(InvalidInput) as exc:
        services.workorder_check(actor=wo.grid_a1_worker, order=order, passed=False, note="")
    assert exc.value.field == "note"
    order = services.workorder_check(
        actor=wo.grid_a1_worker, order=order, passed=False, note="墙面仍潮湿"
    )
    assert order.status == "in_progress" and order.rework_count == 1
    order = advance(wo, order, "reported_done")
    order = services.workorder_check(
        actor=wo.grid_a1_worker, order=order, passed=False, note="再看"
    )
    assert order.rework_count == 2


def test_dissatisfied_follow_up_reopens_with_the_same_units(wo):
    order = advance(wo, wo.intake(), "checked")
    with pytest.raises(InvalidInput) as exc:
        services.workorder_follow_up(
            actor=wo.resident_user, order=order, satisfaction="dissatisfied"
        )
    assert exc.value.field == "comment"
    order = services.workorder_follow_up(
        actor=wo.resident_user, order=order, satisfaction="dissatisfied", comment="还在渗水"
    )
    assert order.status == "in_progress" and order.lead_unit == wo.property_co
    assert verbs(order)[-1] == ("reopen", "checked", "in_progress")
    assert order.events.order_by("-id").first().data == {"satisfaction": "dissatisfied"}


def test_bad_satisfaction_value(wo):
    order = advance(wo, wo.intake(), "checked")
    with pytest.raises(InvalidInput):
        services.workorder_follow_up(actor=wo.resident_user, order=order, satisfaction="meh")


def test_report_back_needs_an_after_photo(wo):
    order = advance(wo, wo.intake(), "in_progress")
    with pytest.raises(InvalidInput) as exc:
        services.workorder_report_back(actor=wo.property, order=order, note="好了")
    assert exc.value.field == "photos"
    assert WorkOrder.objects.get(pk=order.pk).status == "in_progress"


def test_return_then_redispatch(wo, outbox, django_capture_on_commit_callbacks):
    order = advance(wo, wo.intake(category="power_cut"), "dispatched")
    with django_capture_on_commit_callbacks(execute=True):
        order = services.workorder_return(actor=wo.property, order=order, reason="电力问题，非物业")
    assert order.status == "returned" and order.lead_unit is None
    assert not order.assignments.filter(active=True).exists()
    assert order.events.order_by("-id").first().public is False
    assert wo.grid_a1_worker.pk in [m.user_id for m in outbox if m.kind == "workorder.returned"]
    order = services.workorder_dispatch(actor=wo.admin, order=order, lead_unit=wo.municipal)
    assert order.status == "dispatched" and order.lead_unit == wo.municipal
    assert list(order.assignments.values_list("unit_id", "active")) == [
        (wo.property_co.pk, False), (wo.municipal.pk, True)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "lead_unit"),
        ({"lead_unit": "property_co", "in_house": True}, "lead_unit"),
        ({"lead_unit": "property_co", "co_units": ["property_co"]}, "co_units"),
        ({"lead_unit": "police", "co_units": ["municipal", "municipal"]}, "co_units"),
    ],
)
def test_dispatch_input_errors(wo, kwargs, field):
    order = advance(wo, wo.intake(), "verified")
    resolved = {
        k: ([getattr(wo, u) for u in v] if isinstance(v, list) else getattr(wo, v))
        if k != "in_house" else v
        for k, v in kwargs.items()
    }  # fmt: skip
    with pytest.raises(InvalidInput) as exc:
        services.workorder_dispatch(actor=wo.grid_a1_worker, order=order, **resolved)
    assert exc.value.field == field
    assert WorkOrder.objects.get(pk=order.pk).status == "verified"


def test_dispatch_to_a_unit_of_another_street_is_refused(wo):
    from linli.grids.models import Unit

    foreign = Unit.objects.create(street=wo.street_t, kind="department", name="嘉兴路派出所")
    order = advance(wo, wo.intake(), "verified")
    with pytest.raises(InvalidInput):
        services.workorder_dispatch(actor=wo.admin, order=order, lead_unit=foreign)
    assert WorkOrder.objects.get(pk=order.pk).status == "verified"
    assert not order.assignments.exists()


def test_merge_and_merged_reporters_get_the_answers(wo, outbox, django_capture_on_commit_callbacks):
    main = wo.intake(reporter_resident=wo.zhou)
    dup = wo.intake(
        channel=Channel.HOTLINE,
        reporter_resident=None,
        reporter_name="张先生",
        reporter_phone="13911112222",
        description="楼上渗水到我家",
    )
    with django_capture_on_commit_callbacks(execute=True):
        dup = services.workorder_merge(actor=wo.grid_a1_worker, order=dup, into=main)
    assert dup.status == "merged" and dup.merged_into == main
    assert verbs(main)[-1] == ("merged_in", "accepted", "accepted")
    assert [m.phone for m in outbox if m.kind == "workorder.merged"] == ["13911112222"]
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        advance(wo, main, "dispatched")
    dispatched = [m for m in outbox if m.kind == "workorder.dispatched"]
    assert {m.user_id for m in dispatched} == {wo.resident_user.pk, None}
    assert "13911112222" in {m.phone for m in dispatched}


def test_merge_refusals(wo):
    main = wo.intake()
    with pytest.raises(InvalidInput):
        services.workorder_merge(actor=wo.grid_a1_worker, order=main, into=main)
    closed = advance(wo, wo.intake(), "closed")
    dup = wo.intake()
    with pytest.raises(InvalidInput):
        services.workorder_merge(actor=wo.grid_a1_worker, order=dup, into=closed)
    assert WorkOrder.objects.get(pk=dup.pk).status == "accepted"


def test_merge_into_an_order_the_actor_cannot_see_is_404(wo):
    from django.http import Http404

    hidden = wo.intake(
        actor=wo.grid_b1_worker, dwelling=wo.hh_b1.dwelling, reporter_resident=wo.zhao
    )
    dup = wo.intake()
    with pytest.raises(Http404):
        services.workorder_merge(actor=wo.grid_a1_worker, order=dup, into=hidden)


def test_escalate_climbs_the_tree_to_a_department(wo, outbox, django_capture_on_commit_callbacks):
    order = wo.intake(category="illegal_building")
    with django_capture_on_commit_callbacks(execute=True):
        order = services.workorder_escalate(
            actor=wo.grid_a1_worker, order=order, reason="超出网格权限"
        )
    assert order.escalation_level == Level.NEIGHBOURHOOD
    assert [m.user_id for m in outbox if m.kind == "workorder.escalated"] == [wo.cadre.pk]
    order = services.workorder_escalate(actor=wo.cadre, order=order, reason="需街道协调")
    assert order.escalation_level == Level.STREET
    with pytest.raises(InvalidInput) as exc:
        services.workorder_escalate(actor=wo.admin, order=order, reason="派出所")
    assert exc.value.field == "unit"
    order = services.workorder_escalate(
        actor=wo.admin, order=order, reason="交派出所", unit=wo.police
    )
    assert order.escalation_level == Level.DEPARTMENT
    assert order.assignments.get(active=True).unit == wo.police
    assert order.events.order_by("-id").first().data == {
        "unit": wo.police.pk, "level_from": 2, "level_to": 3
    }  # fmt: skip
    with pytest.raises(InvalidInput):
        services.workorder_escalate(actor=wo.admin, order=order, reason="再上报", unit=wo.police)


def test_escalate_needs_a_reason(wo):
    order = wo.intake()
    with pytest.raises(InvalidInput) as exc:
        services.workorder_escalate(actor=wo.grid_a1_worker, order=order, reason=" ")
    assert exc.value.field == "reason"


def test_extend_moves_the_deadline_and_counts(wo):
    order = wo.intake(category="greenery", dwelling=None, compound=wo.compound_a1)
    WorkOrder.objects.filter(pk=order.pk).update(overdue_at=T0, warned_at=T0, auto_escalated_at=T0)
    old_due = order.resolve_due
    order = services.workorder_extend(
        actor=wo.cadre, order=order, amount=2, reason="等树木修剪许可", at=T0
    )
    assert order.extension_count == 1
    assert order.resolve_due.date() == (old_due + dt.timedelta(days=4)).date()  # Fri → Tue
    assert (order.warned_at, order.overdue_at, order.auto_escalated_at) == (None, None, None)
    data = order.events.order_by("-id").first().data
    assert data["amount"] == 2 and data["unit"] == "working_days"
    order = services.workorder_extend(
        actor=wo.cadre, order=order, amount=1, reason="再等一天", at=T0
    )
    assert order.extension_count == 2


@pytest.mark.parametrize("amount", [0, 61, "x"])
def test_extend_amount_limits(wo, amount):
    order = wo.intake()
    with pytest.raises(InvalidInput) as exc:
        services.workorder_extend(actor=wo.cadre, order=order, amount=amount, reason="r")
    assert exc.value.field == "amount"


def test_withdraw_by_the_resident_before_dispatch_only(wo):
    order = wo.intake(actor=wo.resident_user, channel=Channel.SELF_SERVICE)
    order = services.workorder_withdraw(actor=wo.resident_user, order=order, reason="已自行修好")
    assert order.status == "withdrawn" and order.closed_at
    later = advance(
        wo, wo.intake(actor=wo.resident_user, channel=Channel.SELF_SERVICE), "dispatched"
    )
    with pytest.raises(IllegalTransition):
        services.workorder_withdraw(actor=wo.resident_user, order=later)


def test_reject_needs_a_reason_and_tells_the_reporter(
    wo, outbox, django_capture_on_commit_callbacks
):
    order = wo.intake()
    with pytest.raises(InvalidInput):
        services.workorder_reject(actor=wo.grid_a1_worker, order=order, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        order = services.workorder_reject(actor=wo.grid_a1_worker, order=order, reason="重复报修")
    assert order.status == "rejected"
    assert [m.kind for m in outbox if m.user_id == wo.resident_user.pk] == ["workorder.rejected"]


def test_timeline_is_append_only(wo):
    from linli.core.models import AppendOnlyError

    event = wo.intake().events.get()
    event.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        type(event).objects.filter(pk=event.pk).update(note="x")


def test_progress_update_by_co_handler(wo):
    from linli.grids.models import Role, StaffAssignment
    from linli.testing.world import user

    staff = user("municipal_staff")
    StaffAssignment.objects.create(
        street=wo.street, user=staff, role=Role.UNIT_STAFF, node=wo.street, unit=wo.municipal
    )
    order = advance(wo, wo.intake(), "verified")
    order = services.workorder_dispatch(
        actor=wo.grid_a1_worker, order=order, lead_unit=wo.property_co, co_units=[wo.municipal]
    )
    order = services.workorder_start(actor=wo.property, order=order)
    order = services.workorder_update(actor=staff, order=order, note="升降车已到", photos=[photo()])
    assert verbs(order)[-1] == ("update", "in_progress", "in_progress")
    assert order.events.order_by("-id").first().actor_role == "unit_staff"
