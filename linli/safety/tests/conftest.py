"""Safety fixtures on top of the canonical world: a rental site and an enterprise in grid
三宝第一网格, the street's safety office and town-management squad, a running campaign
over the street, and helpers to fill in a checklist."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from linli.grids.models import Role, StaffAssignment, Unit, UnitKind
from linli.safety import services
from linli.safety.models import Result
from linli.testing.world import user

T0 = timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))
DAY = dt.timedelta(days=1)


def photo(name: str = "p.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def answers(items, hazards=(), counts=None, fixed=()):
    """ItemInputs: every item passed, except ``hazards`` (labels) which are hazards;
    ``fixed``: labels put right on the spot (with a photo); ``counts``: label → count."""
    counts = counts or {}
    out = []
    for item in items:
        result = Result.HAZARD if item.label in hazards else Result.OK
        out.append(
            services.ItemInput(
                item=item,
                result=result,
                count=counts.get(item.label),
                note="发现" if result == Result.HAZARD else "",
                fixed_on_spot=item.label in fixed,
                after_photos=[photo()] if item.label in fixed else [],
            )
        )
    return out


@pytest.fixture
def safe(world):
    w = world
    w.rental = Unit.objects.create(
        street=w.street, kind=UnitKind.RENTAL_SITE, name="天通庵路188号租赁公寓", node=w.grid_a1
    )
    w.enterprise = Unit.objects.create(
        street=w.street, kind=UnitKind.ENTERPRISE, name="宝山制衣厂", node=w.grid_b1
    )
    w.far_rental = Unit.objects.create(
        street=w.street_t, kind=UnitKind.RENTAL_SITE, name="嘉兴路公寓", node=w.grid_t1
    )
    w.office = Unit.objects.create(street=w.street, kind=UnitKind.DEPARTMENT, name="社区平安办")
    w.squad = Unit.objects.create(street=w.street, kind=UnitKind.DEPARTMENT, name="城管中队")
    w.rental_manager = user("rental_manager", "租赁公寓负责人")
    StaffAssignment.objects.create(
        street=w.street, user=w.rental_manager, role=Role.UNIT_STAFF, node=w.street, unit=w.rental
    )
    w.checklist = services.default_checklist(w.street.pk)
    w.items = list(w.checklist.items.all())
    w.item = {i.label: i for i in w.items}
    w.campaign = services.campaign_create(
        actor=w.admin,
        name="疫情防控期间“三清四查”",
        node=w.street,
        starts_on=T0.date(),
        ends_on=(T0 + 30 * DAY).date(),
        checklist=w.checklist,
        target_kinds=["compound", "rental_site"],
        lead_unit=w.office,
        units=[w.police, w.squad],
        leader="街道党工委副书记张宇",
        at=T0,
    )
    services.targets_add(actor=w.admin, campaign=w.campaign, kinds=["compound", "rental_site"])
    w.campaign = services.campaign_start(actor=w.admin, campaign=w.campaign, at=T0)
    return w


@pytest.fixture
def inspected(safe):
    """The rental site inspected in the campaign with two hazards (partitions, corridor
    clutter) and one put right on the spot (flying wire)."""
    w = safe
    w.inspection = services.inspection_record(
        actor=w.grid_a1_worker,
        site=services.unit_site(w.rental),
        campaign=w.campaign,
        items=answers(
            w.items,
            hazards={"擅自搭建隔层", "通道堆物", "飞线充电"},
            counts={"通道堆物": 3, "电动自行车违规停放/充电": 12},
            fixed={"飞线充电"},
        ),
        units=[w.police, w.squad],
        members="张宇、李坚",
        at=T0 + DAY,
    )
    w.hazards = list(w.inspection.hazards.order_by("id"))
    return w
