"""Work-order fixtures on top of the canonical world (testing/world.py)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from linli.grids.models import Unit, UnitKind
from linli.workorders import services
from linli.workorders.categories import ensure_default_categories
from linli.workorders.models import Channel

# A Friday in an ordinary week (no holiday nearby), 10:00 Shanghai time.
T0 = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))


def photo(name="p.jpg", size=(64, 48), fmt="JPEG", exif=None) -> SimpleUploadedFile:
    buf = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt, **kwargs)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def wo(world):
    """The world plus default categories, a municipal company and helpers to make orders."""
    world.cats = ensure_default_categories(world.street)
    ensure_default_categories(world.street_t)
    world.municipal = Unit.objects.create(
        street=world.street, kind=UnitKind.MUNICIPAL, name="宝山市政公司"
    )

    def intake(actor=None, *, at=T0, category="leak", **kw):
        kw.setdefault("channel", Channel.DESK)
        kw.setdefault("description", "卧室墙面渗水，融雪水顺墙流下")
        if "dwelling" not in kw and "compound" not in kw and "grid" not in kw:
            kw["dwelling"] = world.hh_a1.dwelling
        if kw["channel"] != Channel.SELF_SERVICE:
            kw.setdefault("reporter_resident", world.zhou)
        return services.workorder_intake(
            actor=actor or world.grid_a1_worker, category=world.cats[category], at=at, **kw
        )

    world.intake = intake
    return world


def advance(world, order, to: str, *, at=T0):
    """Walk an order along the happy path up to status ``to`` (each step by the right person)."""
    steps = [
        (
            "verified",
            lambda o: services.workorder_verify(actor=world.grid_a1_worker, order=o, at=at),
        ),
        (
            "dispatched",
            lambda o: services.workorder_dispatch(
                actor=world.grid_a1_worker, order=o, lead_unit=world.property_co, at=at
            ),
        ),
        ("in_progress", lambda o: services.workorder_start(actor=world.property, order=o, at=at)),
        (
            "reported_done",
            lambda o: services.workorder_report_back(
                actor=world.property, order=o, note="更换落水管", photos=[photo()], at=at
            ),
        ),
        (
            "checked",
            lambda o: services.workorder_check(
                actor=world.grid_a1_worker, order=o, passed=True, at=at
            ),
        ),
        (
            "followed_up",
            lambda o: services.workorder_follow_up(
                actor=world.resident_user, order=o, satisfaction="satisfied", at=at
            ),
        ),
        ("closed", lambda o: services.workorder_close(actor=world.grid_a1_worker, order=o, at=at)),
    ]
    order_of = ["accepted"] + [status for status, _step in steps]
    for status, step in steps:
        if order.status == to:
            break
        if order_of.index(status) <= order_of.index(order.status):
            continue  # already past this step
        order = step(order)
        assert order.status == status
    return order


@pytest.fixture
def municipal_user(wo):
    """Staff of the municipal company (a co-handler in several tests)."""
    from linli.grids.models import Role, StaffAssignment
    from linli.testing.world import user

    u = user("muni", "市政")
    StaffAssignment.objects.create(
        street=wo.street, user=u, role=Role.UNIT_STAFF, node=wo.street, unit=wo.municipal
    )
    wo.municipal_user = u
    return u
