"""Outreach fixtures on top of the canonical world: a fire-blanket distribution for
neighbourhood A (grids A1 and A2), running, and an enterprise of the street."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.grids.models import Role, StaffAssignment, Unit, UnitKind
from linli.outreach import services
from linli.outreach.models import Item
from linli.testing.world import user

TODAY = dt.date(2026, 11, 2)
T0 = timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def out(world):
    """``world`` plus ``blankets`` (running, nbh A), ``factory`` (an enterprise with its staff
    ``factory_staff``) and ``plant`` (a second enterprise)."""
    w = world
    w.blankets = services.distribution_create(
        actor=w.cadre, item=Item.FIRE_BLANKET, name="三宝居民区灭火毯入户发放",
        starts_on=TODAY, ends_on=TODAY + 30 * DAY, nodes=[w.nbh_a], open_now=True, at=T0,
    )  # fmt: skip
    w.factory = Unit.objects.create(street=w.street, kind=UnitKind.ENTERPRISE, name="宝山机械厂",
                                    node=w.grid_a1)  # fmt: skip
    w.plant = Unit.objects.create(street=w.street, kind=UnitKind.ENTERPRISE, name="三宝印刷厂")
    w.factory_staff = user("factory", "机械厂安全员")
    StaffAssignment.objects.create(street=w.street, user=w.factory_staff, role=Role.UNIT_STAFF,
                                   node=w.street, unit=w.factory)  # fmt: skip
    return w


def hand(w, household, actor=None, outcome="handed", **extra):
    return services.visit_record(
        actor=actor or w.grid_a1_worker, distribution=w.blankets, household=household,
        outcome=outcome, at=extra.pop("at", T0 + HOUR), **extra,
    )  # fmt: skip
