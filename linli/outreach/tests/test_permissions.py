"""Every role against distributions, visits and drills: who sees and does what, on which
rows, and that a refusal changes nothing."""

from __future__ import annotations

import pytest
from django.http import Http404

from linli.grids import permissions as perms
from linli.outreach import permissions as p
from linli.outreach import selectors, services
from linli.outreach.machine import DISTRIBUTIONS, DRILLS
from linli.outreach.models import Distribution, DrillKind, DrillStatus, Visit

from .conftest import T0, TODAY, hand

pytestmark = pytest.mark.django_db


def _drills(w):
    grid = services.drill_plan(actor=w.cadre, kind=DrillKind.FIRE_DRILL, node=w.grid_a1,
                               date=TODAY, place="雨泉花园中心花园", topic="正确使用灭火毯", at=T0)  # fmt: skip
    lesson = services.drill_plan(actor=w.admin, kind=DrillKind.FIRST_LESSON, node=w.street,
                                 date=TODAY, place="街道会议室", topic="特种设备安全使用",
                                 units=[w.factory], at=T0)  # fmt: skip
    return grid, lesson


def test_who_sees_the_distribution(out):
    w = out
    seen = {
        name: list(selectors.distributions(getattr(w, name)))
        for name in ("admin", "other_admin", "cadre", "grid_a1_worker", "grid_b1_worker",
                     "leader", "property", "volunteer", "resident_user", "nobody")
    }  # fmt: skip
    for name in ("admin", "cadre", "grid_a1_worker", "leader"):
        assert seen[name] == [w.blankets], name
    for name in ("other_admin", "grid_b1_worker", "property", "volunteer", "resident_user",
                 "nobody"):  # fmt: skip
        assert seen[name] == [], name


@pytest.mark.parametrize(
    ("who", "may"),
    [("admin", True), ("cadre", True), ("grid_a1_worker", False), ("leader", False),
     ("property", False), ("resident_user", False), ("other_admin", False)],
)  # fmt: skip
def test_only_admins_and_cadres_start_and_close(out, who, may):
    w = out
    actor = getattr(w, who)
    assert bool(DISTRIBUTIONS.allowed(actor, w.blankets)) is may
    if may:
        services.distribution_close(actor=actor, distribution=w.blankets)
        assert Distribution.objects.get().status == "closed"
    else:
        with pytest.raises(Http404):
            services.distribution_close(actor=actor, distribution=w.blankets)
        assert Distribution.objects.get().status == "running"


@pytest.mark.parametrize(
    ("who", "household", "outcome"),
    [("admin", "hh_a2", "ok"), ("cadre", "hh_a1", "ok"), ("grid_a1_worker", "hh_a1", "ok"),
     ("grid_a1_worker", "hh_a2", "404"), ("leader", "hh_a1b", "ok"), ("leader", "hh_a2", "404"),
     ("grid_b1_worker", "hh_b1", "404"), ("property", "hh_a1", "404"),
     ("volunteer", "hh_a1", "404"), ("resident_user", "hh_a1", "404"),
     ("other_admin", "hh_t", "404")],
)  # fmt: skip
def test_who_records_at_which_door(out, who, household, outcome):
    w = out
    if outcome == "ok":
        v = hand(w, getattr(w, household), actor=getattr(w, who))
        assert v.by == getattr(w, who)
    else:
        with pytest.raises(Http404):
            hand(w, getattr(w, household), actor=getattr(w, who))
        assert Visit.objects.count() == 0


def test_the_household_file_shows_what_was_received_to_whom_it_may(out):
    w = out
    hand(w, w.hh_a1, recipient=w.zhou)
    hand(w, w.hh_a1b, outcome="not_home")
    assert len(selectors.household_visits(w.cadre, w.hh_a1)) == 1
    assert len(selectors.household_visits(w.leader, w.hh_a1b)) == 1  # their building
    assert selectors.household_visits(w.grid_b1_worker, w.hh_a1) == []
    # The resident sees what their own household received, and nothing of the neighbours'.
    assert [v.outcome for v in selectors.household_visits(w.resident_user, w.hh_a1)] == ["handed"]
    assert selectors.household_visits(w.resident_user, w.hh_a1b) == []
    assert selectors.household_visits(w.property, w.hh_a1) == []


def test_who_sees_plans_holds_and_cancels_drills(out):
    w = out
    grid, lesson = _drills(w)
    visible = {name: set(selectors.drills(getattr(w, name)).values_list("pk", flat=True))
               for name in ("admin", "cadre", "grid_a1_worker", "grid_b1_worker", "leader",
                            "factory_staff", "property", "resident_user", "other_admin")}  # fmt: skip
    assert visible["admin"] == {grid.pk, lesson.pk}
    assert visible["cadre"] == {grid.pk}  # the street's training is not the neighbourhood's
    assert visible["grid_a1_worker"] == {grid.pk}
    assert visible["leader"] == {grid.pk}  # the drills of their grid, to tell the residents
    assert visible["factory_staff"] == {lesson.pk}  # their enterprise's training
    for name in ("grid_b1_worker", "property", "resident_user", "other_admin"):
        assert visible[name] == set(), name
    assert [t.name for t in DRILLS.allowed(w.grid_a1_worker, grid)] == ["hold"]
    assert [t.name for t in DRILLS.allowed(w.cadre, grid)] == ["hold", "cancel"]
    assert DRILLS.allowed(w.factory_staff, lesson) == []
    with pytest.raises(Http404):
        services.drill_cancel(actor=w.grid_a1_worker, drill=grid, reason="下雨")
    with pytest.raises(Http404):
        services.drill_hold(actor=w.factory_staff, drill=lesson, attendance=5, at=T0)
    with pytest.raises(Http404):  # a cadre plans for their own neighbourhood only
        services.drill_plan(actor=w.cadre, kind=DrillKind.FIRE_DRILL, node=w.grid_b1,
                            date=TODAY, place="x", topic="y", at=T0)  # fmt: skip
    with pytest.raises(Http404):
        services.drill_plan(actor=w.grid_a1_worker, kind=DrillKind.FIRE_DRILL, node=w.grid_a1,
                            date=TODAY, place="x", topic="y", at=T0)  # fmt: skip
    grid.refresh_from_db()
    lesson.refresh_from_db()
    assert grid.status == lesson.status == DrillStatus.PLANNED
    held = services.drill_hold(actor=w.grid_a1_worker, drill=grid, attendance=40, at=T0)
    assert held.status == DrillStatus.HELD


def test_the_rule_is_the_street_admins(out):
    w = out
    assert perms.can(w.admin, p.RULES) and not perms.can(w.cadre, p.RULES)
    with pytest.raises(Http404):
        services.rule_save(actor=w.cadre, street_id=w.street.pk, grid_fire_drills=2,
                           enterprise_trainings=1)  # fmt: skip
    with pytest.raises(Http404):
        services.rule_save(actor=w.other_admin, street_id=w.street.pk, grid_fire_drills=2,
                           enterprise_trainings=1)  # fmt: skip
    assert services.rule_for(w.street.pk).pk is None
