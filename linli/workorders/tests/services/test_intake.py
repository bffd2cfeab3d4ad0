"""Intake from every channel: who may, where it lands, what is stored."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import translation

from linli.core import pii
from linli.core.errors import InvalidInput
from linli.workorders import services
from linli.workorders.models import Channel, WorkOrder, WorkOrderPhoto
from linli.workorders.tests.conftest import T0, photo

pytestmark = pytest.mark.django_db


def test_desk_intake_lands_in_the_dwellings_grid_with_deadlines(wo):
    order = wo.intake()
    assert order.number == "WO-2026-000001"
    assert order.grid == wo.grid_a1 and order.street == wo.street
    assert order.compound == wo.compound_a1 and order.building.number == "1"
    assert order.status == "accepted" and order.urgency == "urgent"
    # 房屋漏水 runs on clock hours: 2 h to respond, 48 h to resolve.
    assert order.response_due == T0 + dt.timedelta(hours=2)
    assert order.resolve_due == T0 + dt.timedelta(hours=48)
    assert order.intake_by == wo.grid_a1_worker and order.reporter_resident == wo.zhou
    assert order.reporter_user == wo.resident_user  # zhou has an account: she sees it too
    event = order.events.get()
    assert (event.verb, event.to_status, event.actor_role) == ("accept", "accepted", "grid_worker")


def test_working_day_category_counts_working_days(wo):
    order = wo.intake(category="greenery", compound=wo.compound_a1, dwelling=None)
    # Friday 20 Nov 2026 + 10 working days = Friday 4 Dec, end of day.
    assert order.resolve_due.astimezone(order.resolve_due.tzinfo).date() == dt.date(2026, 12, 4)
    assert order.public_area and order.dwelling is None


def test_numbers_increase_per_street(wo):
    numbers = [wo.intake().number for _ in range(3)]
    assert numbers == ["WO-2026-000001", "WO-2026-000002", "WO-2026-000003"]


def test_compound_public_area_lands_in_the_compounds_grid(wo):
    order = wo.intake(
        actor=wo.grid_b1_worker,
        category="public_lighting",
        dwelling=None,
        compound=wo.compound_b1,
        reporter_resident=wo.zhao,
    )
    assert order.grid == wo.grid_b1 and order.public_area


def test_free_text_location_needs_a_grid_and_a_description(wo):
    with pytest.raises(InvalidInput) as exc:
        wo.intake(dwelling=None, grid=wo.grid_a1, location_text="")
    assert exc.value.field == "location_text"
    order = wo.intake(dwelling=None, grid=wo.grid_a1, location_text="新港路公交站旁")
    assert order.grid == wo.grid_a1 and order.compound is None


def test_free_text_on_a_neighbourhood_node_is_refused(wo):
    with pytest.raises(InvalidInput) as exc:
        wo.intake(actor=wo.cadre, dwelling=None, grid=wo.nbh_a, location_text="x")
    assert exc.value.field == "grid"


def test_hotline_outsider_phone_is_encrypted_and_masked(wo):
    order = wo.intake(
        channel=Channel.HOTLINE,
        reporter_resident=None,
        reporter_name="路人张先生",
        reporter_phone="13912345678",
        dwelling=None,
        compound=wo.compound_a1,
    )
    raw = WorkOrder.objects.values("reporter_phone_enc", "reporter_phone_last4").get(pk=order.pk)
    assert "13912345678" not in raw["reporter_phone_enc"]
    assert pii.decrypt(raw["reporter_phone_enc"]) == "13912345678"
    assert order.reporter_phone_masked == "139****5678"
    assert raw["reporter_phone_last4"] == "5678"


def test_staff_intake_must_record_the_reporter(wo):
    with pytest.raises(InvalidInput) as exc:
        wo.intake(channel=Channel.WECHAT_GROUP, reporter_resident=None)
    assert exc.value.field == "reporter_name"
    assert not WorkOrder.objects.exists()


def test_proxy_intake_needs_the_resident(wo):
    with pytest.raises(InvalidInput) as exc:
        wo.intake(channel=Channel.PROXY, reporter_resident=None, reporter_name="x")
    assert exc.value.field == "reporter_resident"
    order = wo.intake(channel=Channel.PROXY, reporter_resident=wo.zhou, proxy_consent="by_phone")
    assert order.channel == "proxy" and order.reporter_resident == wo.zhou


def test_proxy_intake_records_consent_and_who_was_present_on_the_timeline(wo):
    with pytest.raises(InvalidInput) as exc:
        wo.intake(channel=Channel.PROXY, reporter_resident=wo.zhou)
    assert exc.value.field == "proxy_consent" and not WorkOrder.objects.exists()
    order = wo.intake(
        channel=Channel.PROXY,
        reporter_resident=wo.zhou,
        proxy_consent="in_person",
        proxy_present="周美华本人及女儿",
    )
    event = order.events.get()
    assert event.data == {"channel": "proxy", "consent": "in_person"}
    assert "周美华本人及女儿" in event.note


def test_the_same_idempotency_key_files_one_request(wo):
    first = wo.intake(idempotency_key="tap-1")
    again = wo.intake(idempotency_key="tap-1", description="第二次点提交")
    assert again.pk == first.pk and WorkOrder.objects.count() == 1
    # Another key, or the same key from someone else, files anew.
    assert wo.intake(idempotency_key="tap-2").pk != first.pk
    assert wo.intake(actor=wo.cadre, idempotency_key="tap-1").pk != first.pk
    assert WorkOrder.objects.count() == 3


def test_a_failed_intake_leaves_its_key_free_for_the_retry(wo):
    with pytest.raises(InvalidInput):
        wo.intake(idempotency_key="tap-3", description=" ")
    assert wo.intake(idempotency_key="tap-3").pk


def test_bad_phone_is_refused_naming_the_field(wo):
    with pytest.raises(InvalidInput) as exc:
        wo.intake(channel=Channel.HOTLINE, reporter_resident=None, reporter_phone="12345")
    assert exc.value.field == "reporter_phone"


def test_empty_description_is_refused(wo):
    with translation.override("en"), pytest.raises(InvalidInput) as exc:
        wo.intake(description="   ")
    assert exc.value.field == "description"
    assert "description" in exc.value.message


def test_category_of_another_street_is_refused(wo):
    other = wo.cats["leak"].__class__.objects.get(street=wo.street_t, code="leak")
    with pytest.raises(InvalidInput) as exc:
        services.workorder_intake(
            actor=wo.grid_a1_worker,
            channel=Channel.DESK,
            category=other,
            description="x",
            dwelling=wo.hh_a1.dwelling,
            reporter_resident=wo.zhou,
        )
    assert exc.value.field == "category"


@pytest.mark.parametrize("who", ["grid_b1_worker", "property", "volunteer", "leader", "nobody",
                                 "other_admin", "resident_user"])  # fmt: skip
def test_staff_intake_outside_the_actors_grids_is_404_and_stores_nothing(wo, who):
    with pytest.raises(Http404):
        wo.intake(actor=getattr(wo, who))
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("who", ["admin", "cadre", "grid_a1_worker"])
def test_staff_intake_inside_scope(wo, who):
    assert wo.intake(actor=getattr(wo, who)).grid == wo.grid_a1


def test_resident_self_service_on_own_dwelling(wo):
    order = wo.intake(actor=wo.resident_user, channel=Channel.SELF_SERVICE, photos=[photo()])
    assert order.reporter_user == wo.resident_user and order.reporter_resident == wo.zhou
    assert order.intake_by is None
    assert order.events.get().actor_role == "resident"
    assert WorkOrderPhoto.objects.filter(order=order, kind="report").count() == 1


def test_resident_free_text_lands_in_their_own_grid(wo):
    order = wo.intake(
        actor=wo.resident_user,
        channel=Channel.SELF_SERVICE,
        dwelling=None,
        grid=wo.grid_b1,
        location_text="小区门口",
    )
    assert order.grid == wo.grid_a1  # the grid they named is ignored


def test_resident_may_report_a_public_area_of_their_street(wo):
    order = wo.intake(
        actor=wo.resident_user,
        channel=Channel.SELF_SERVICE,
        category="greenery",
        dwelling=None,
        compound=wo.compound_b1,
    )
    assert order.grid == wo.grid_b1


def test_resident_may_not_report_for_someone_elses_dwelling(wo):
    with pytest.raises(Http404):
        wo.intake(actor=wo.resident_user, channel=Channel.SELF_SERVICE, dwelling=wo.hh_a2.dwelling)
    with pytest.raises(Http404):
        wo.intake(
            actor=wo.resident_user,
            channel=Channel.SELF_SERVICE,
            dwelling=None,
            compound=wo.compound_t,
            category="greenery",
        )
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("who", ["grid_a1_worker", "property", "nobody"])
def test_self_service_needs_the_resident_role(wo, who):
    with pytest.raises(Http404):
        wo.intake(actor=getattr(wo, who), channel=Channel.SELF_SERVICE)


def test_bad_photo_keeps_nothing(wo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(InvalidInput):
        wo.intake(photos=[photo(), SimpleUploadedFile("x.jpg", b"not an image")])
    assert not WorkOrder.objects.exists() and not WorkOrderPhoto.objects.exists()


def test_new_request_tells_the_grid_staff_after_commit(
    wo, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        wo.intake(actor=wo.resident_user, channel=Channel.SELF_SERVICE)
    assert [(m.kind, m.user_id) for m in outbox] == [("workorder.new", wo.grid_a1_worker.pk)]
    assert "WO-2026-000001" in outbox[0].subject


def test_inbox_row_is_written_with_the_order_and_the_channel_waits_for_commit(
    wo, outbox, django_capture_on_commit_callbacks
):
    from linli.core.models import Notification

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = wo.intake()
    # In the intake's own transaction: no second transaction after the commit.
    row = Notification.objects.get(user=wo.grid_a1_worker)
    assert (row.kind, row.dedupe_key) == ("workorder.new", f"wo-new-{order.pk}")
    assert order.number in row.subject and outbox == []
    for callback in callbacks:
        callback()
    assert [(m.kind, m.user_id) for m in outbox] == [("workorder.new", wo.grid_a1_worker.pk)]


def test_refused_intake_leaves_no_inbox_row(wo, outbox):
    from linli.core.models import Notification

    with pytest.raises(InvalidInput):
        wo.intake(channel=Channel.HOTLINE, reporter_resident=None, reporter_name="", dwelling=None,
                  compound=wo.compound_a1)  # fmt: skip
    assert not Notification.objects.exists() and outbox == []
