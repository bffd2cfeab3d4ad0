"""Drills and trainings: planning (not in the past), holding (not before the day; the
residents named; photos that are photos), cancelling, the street's rule, the compliance
view, and the worker's reminder and November word to the cadres."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from linli.core.errors import IllegalTransition, InvalidInput
from linli.core.models import AuditEvent, Notification
from linli.outreach import selectors, services
from linli.outreach.models import Drill, DrillAttendee, DrillKind, DrillPhoto, DrillStatus

from .conftest import DAY, T0, TODAY

pytestmark = pytest.mark.django_db


def jpeg(name="演练.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def plan(w, node=None, kind=DrillKind.FIRE_DRILL, date=TODAY, actor=None, **extra):
    return services.drill_plan(
        actor=actor or w.cadre, kind=kind, node=node or w.grid_a1, date=date,
        place=extra.pop("place", "雨泉花园中心花园"), topic=extra.pop("topic", "正确使用灭火毯"),
        at=extra.pop("at", T0), **extra,
    )  # fmt: skip


def test_plan_refuses_the_past_and_bad_input_and_saves_nothing(out):
    w = out
    for change, field in [
        ({"date": TODAY - DAY}, "date"),
        ({"kind": "party"}, "kind"),
        ({"place": " "}, "place"),
        ({"topic": ""}, "topic"),
        ({"units": [w.property_co]}, "units"),  # not an enterprise
    ]:
        with pytest.raises(InvalidInput) as exc:
            plan(w, **change)
        assert exc.value.field == field, change
    assert Drill.objects.count() == 0
    assert plan(w, idempotency_key="k").pk == plan(w, idempotency_key="k").pk


def test_hold_on_the_day_with_named_residents_and_photos(out):
    w = out
    drill = plan(w, date=TODAY + DAY)
    with pytest.raises(InvalidInput) as exc:  # not before the day
        services.drill_hold(actor=w.grid_a1_worker, drill=drill, attendance=30, at=T0)
    assert exc.value.field == "attendance"
    later = T0 + DAY
    bad = [
        ({"attendance": 0}, "attendance"),
        ({"attendees": "查无此人"}, "attendees"),
        ({"attendees": "孙丽"}, "attendees"),  # lives in another street
        ({"attendees": "赵嫦娥"}, "attendees"),  # lives in another neighbourhood (B1)
        ({"attendance": 1, "attendees": "周美华、王建国"}, "attendance"),
        ({"photos": [SimpleUploadedFile("x.jpg", b"not a picture")]}, "photos"),
    ]
    for change, field in bad:
        args = {"attendance": 30, "attendees": "", "photos": [], **change}
        with pytest.raises(InvalidInput) as exc:
            services.drill_hold(actor=w.grid_a1_worker, drill=drill, at=later, **args)
        assert exc.value.field == field, change
    drill.refresh_from_db()
    assert drill.status == DrillStatus.PLANNED and DrillPhoto.objects.count() == 0
    held = services.drill_hold(
        actor=w.grid_a1_worker, drill=drill, attendance=32, attendees="周美华，王建国 李强",
        note="模拟楼道烟雾逃生、灭火毯扑灭油锅火", photos=[jpeg()], at=later,
    )  # fmt: skip
    assert (held.status, held.attendance, held.held_at) == (DrillStatus.HELD, 32, later)
    assert set(DrillAttendee.objects.values_list("resident__name", flat=True)) == {
        "周美华",
        "王建国",
        "李强",
    }
    assert DrillPhoto.objects.get().event.verb == "hold"
    with pytest.raises(IllegalTransition):
        services.drill_cancel(actor=w.cadre, drill=held, reason="x")
    with pytest.raises(IllegalTransition):
        services.drill_hold(actor=w.cadre, drill=held, attendance=3, at=later)


def test_cancel_needs_a_reason_and_edit_only_while_planned(out):
    w = out
    drill = plan(w, date=TODAY + 5 * DAY)
    with pytest.raises(InvalidInput):
        services.drill_cancel(actor=w.cadre, drill=drill, reason=" ")
    moved = services.drill_update(actor=w.cadre, drill=drill, date=TODAY + 9 * DAY,
                                  place="榆兰小广场", topic="厨房火灾扑救", units=[w.factory], at=T0)  # fmt: skip
    assert (moved.date, moved.place, list(moved.units.all())) == (
        TODAY + 9 * DAY,
        "榆兰小广场",
        [w.factory],
    )
    with pytest.raises(InvalidInput):
        services.drill_update(
            actor=w.cadre, drill=drill, date=TODAY - DAY, place="x", topic="y", at=T0
        )
    cancelled = services.drill_cancel(actor=w.cadre, drill=drill, reason="台风预警，改期")
    assert cancelled.status == DrillStatus.CANCELLED
    with pytest.raises(InvalidInput):
        services.drill_update(
            actor=w.cadre, drill=drill, date=TODAY + 9 * DAY, place="x", topic="y", at=T0
        )


def test_compliance_counts_drills_held_this_year_by_the_grid_or_above(out):
    w = out
    a1 = plan(w, node=w.grid_a1)
    services.drill_hold(actor=w.cadre, drill=a1, attendance=20, at=T0)
    plan(w, node=w.grid_a2, date=TODAY + 10 * DAY)  # planned only
    # A neighbourhood-wide drill held last year does not count this year.
    old = plan(w, node=w.nbh_a, at=T0 - 400 * DAY, date=TODAY - 380 * DAY)
    services.drill_hold(actor=w.cadre, drill=old, attendance=50, at=T0 - 380 * DAY)
    rows = {
        r.grid.name: (r.held, r.ok, r.next) for r in selectors.grid_compliance(w.street.pk, 2026)
    }
    assert rows == {
        "三宝第一网格": (1, True, None),
        "三宝第二网格": (0, False, TODAY + 10 * DAY),
        "榆兰第二责任区": (0, False, None),
    }
    lesson = plan(w, node=w.street, kind=DrillKind.FIRST_LESSON, actor=w.admin, units=[w.factory],
                  place="街道会议室", topic="特种设备安全使用")  # fmt: skip
    services.drill_hold(actor=w.admin, drill=lesson, attendance=215, at=T0)
    units = {r.unit.name: r.ok for r in selectors.enterprise_compliance(w.street.pk, 2026)}
    assert units == {"三宝印刷厂": False, "宝山机械厂": True}
    # The street wants two fire drills a grid: A1 falls short too.
    rule = services.rule_save(actor=w.admin, street_id=w.street.pk, grid_fire_drills=2,
                              enterprise_trainings=1)  # fmt: skip
    assert (
        AuditEvent.objects.filter(target_type="outreach.drillrule", target_id=rule.pk).count() == 1
    )
    assert not any(r.ok for r in selectors.grid_compliance(w.street.pk, 2026))
    with pytest.raises(InvalidInput):
        services.rule_save(actor=w.admin, street_id=w.street.pk, grid_fire_drills=13,
                           enterprise_trainings=1)  # fmt: skip
    c = selectors.compliance(w.cadre, 2026)
    assert [r.grid.name for r in c.grids] == ["三宝第一网格", "三宝第二网格"]


def test_the_worker_reminds_the_grids_staff_once(out, django_capture_on_commit_callbacks):
    w = out
    soon = plan(w, date=TODAY + 2 * DAY)
    lesson = plan(w, node=w.street, kind=DrillKind.FIRST_LESSON, actor=w.admin,
                  units=[w.factory], date=TODAY + 3 * DAY)  # fmt: skip
    later = plan(w, date=TODAY + 20 * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.remind_drills(T0)
    assert counts == {"reminded": 2, "messages": 2}
    told = set(
        Notification.objects.filter(kind="outreach.drill_soon").values_list("user_id", "link")
    )
    assert told == {(w.grid_a1_worker.pk, f"/outreach/drills/{soon.pk}/"),
                    (w.factory_staff.pk, f"/outreach/drills/{lesson.pk}/")}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_drills(T0 + dt.timedelta(hours=1)) == {"reminded": 0, "messages": 0}
    later.refresh_from_db()
    assert later.reminded_at is None


def test_in_november_the_cadres_hear_which_grids_lack_a_drill(
    out, django_capture_on_commit_callbacks
):
    w = out
    drill = plan(w, node=w.grid_a1)
    services.drill_hold(actor=w.cadre, drill=drill, attendance=20, at=T0)
    october = timezone.make_aware(dt.datetime(2026, 10, 20, 9))
    assert services.tell_missing_drills(october) == {"skipped": 1}
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.tell_missing_drills(T0)
    # A2 lacks one (its cadre is told); B1 and street T's grid too, but have no cadre.
    assert counts == {"grids": 3, "messages": 1}
    note = Notification.objects.get(kind="outreach.drills_missing")
    assert (
        note.user == w.cadre
        and "三宝第二网格" in note.subject
        and "三宝第一网格" not in note.subject
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.tell_missing_drills(T0 + DAY)
    assert Notification.objects.filter(kind="outreach.drills_missing").count() == 1
