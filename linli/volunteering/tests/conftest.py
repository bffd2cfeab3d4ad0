"""Volunteering fixtures on top of the canonical world: a repair team of volunteers with
skills, the points standard in force, and helpers to make an order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.grids.models import Role, StaffAssignment, Unit, UnitKind
from linli.points import services as points
from linli.points.models import EarnKind
from linli.testing.world import user
from linli.volunteering import services
from linli.volunteering.models import Team, TeamMember, Volunteer

T0 = timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def vol(world):
    """``world`` plus: 微修 team (a unit too), volunteers v1..v5 (carpentry; v5 plumbing
    only), the world's own volunteer (carpentry), and the street's points standard."""
    w = world
    w.team_unit = Unit.objects.create(
        street=w.street, kind=UnitKind.VOLUNTEER_TEAM, name="微修志愿服务队"
    )
    w.team = Team.objects.create(street=w.street, name="阡上微修志愿服务队", unit=w.team_unit,
                                 leader=w.cadre, needs_approval=True)  # fmt: skip
    w.vols = []
    for i in range(1, 6):
        u = user(f"v{i}", f"志愿者{i}")
        StaffAssignment.objects.create(street=w.street, user=u, role=Role.VOLUNTEER, node=w.street)
        skills = ["plumbing_electric"] if i == 5 else ["carpentry"]
        v = services.volunteer_save(actor=u, street_id=w.street.pk, skills=skills)
        TeamMember.objects.create(
            street=w.street, team=w.team, volunteer=v, state="member", asked_at=T0
        )
        w.vols.append(v)
    w.vprofile = services.volunteer_save(
        actor=w.volunteer, street_id=w.street.pk, skills=["carpentry", "elder_care"]
    )
    points.rule_publish(actor=w.admin, street_id=w.street.pk, kind=EarnKind.VOLUNTEER_ORDER,
                        points=10, at=T0 - 30 * 24 * HOUR)  # fmt: skip
    points.rule_publish(actor=w.admin, street_id=w.street.pk, kind=EarnKind.VOLUNTEER_ORDER,
                        skill="carpentry", points=20, at=T0 - 30 * 24 * HOUR)  # fmt: skip
    return w


def make_order(w, *, capacity=4, publish=True, actor=None, at=None, **extra):
    at = at or T0
    data = {
        "title": "2号楼2单元1401 卧室门框开裂需要维修",
        "skill": "carpentry",
        "capacity": capacity,
        "starts_at": at + 24 * HOUR,
        "ends_at": at + 26 * HOUR,
        "dwelling": w.hh_a2.dwelling,
        "resident": w.liu,
        "team": w.team,
    }
    data.update(extra)
    return services.order_create(actor=actor or w.cadre, publish=publish, at=at, **data)


def volunteer_users(w) -> list:
    return [v.user for v in w.vols]


def profile(user) -> Volunteer:
    return Volunteer.objects.get(user=user)
