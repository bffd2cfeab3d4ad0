"""The demo street's outreach: the fire blankets of 榆兰第二责任区 half handed out (some
buildings complete, refusals and households not at home), the booklets closed, fire drills
held in four grids and missing in three, 开工第一课 with 215 attending."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from linli.accounts.models import User
from linli.outreach import selectors
from linli.outreach.models import Distribution, Drill, DrillKind, Item

pytestmark = pytest.mark.django_db


def test_the_demo_streets_distributions_and_drills():
    call_command("demo", "--today", "2026-11-20", verbosity=0)
    cadre = User.objects.get(username="cadre1")
    blankets = Distribution.objects.get(item=Item.FIRE_BLANKET)
    booklets = Distribution.objects.get(item=Item.BOOKLET)
    assert (blankets.status, booklets.status) == ("running", "closed")
    t = selectors.coverage(cadre, blankets).total
    assert t.total == 344 and 120 < t.handed < 230 and t.refused > 0 and t.not_home > 0
    buildings = selectors.coverage(cadre, blankets, selectors.BUILDING).rows
    assert any(b.complete for b in buildings) and any(b.reached == 0 for b in buildings)
    assert selectors.coverage(cadre, booklets).total.reached == 344
    admin = User.objects.get(username="admin")
    c = selectors.compliance(admin, 2026)
    assert (c.grids_ok, len(c.grids)) == (4, 7)
    assert [r.grid.name for r in c.grids if not r.ok and r.next] == ["三宝第二责任区"]
    lesson = Drill.objects.get(kind=DrillKind.FIRST_LESSON)
    assert lesson.attendance == 215 and lesson.units.count() == 2 and lesson.status == "held"
    assert lesson.date < dt.date(2026, 11, 20)
