"""Handouts under real contention on PostgreSQL: many leaders tapping 已发放 at the same door
at once give one blanket; many households at once never overdraw a stock; the same form
sent many times at once records one visit. Threads each with their own connection,
released together (``linli.testing.races``); skipped on SQLite."""

from __future__ import annotations

import pytest
from django.db import connection

from linli.core.errors import Conflict
from linli.grids.models import Role, StaffAssignment
from linli.outreach import services
from linli.outreach.models import Distribution, Outcome, Visit
from linli.registry.models import Household
from linli.testing.races import all_at_once
from linli.testing.world import household, user

from .conftest import DAY, T0, TODAY

pytestmark = [
    pytest.mark.race,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def workers(w, n: int):
    staff = [user(f"gw{i}", f"网格员{i}") for i in range(n)]
    StaffAssignment.objects.bulk_create(
        StaffAssignment(street=w.street, user=u, role=Role.GRID_WORKER, node=w.grid_a1)
        for u in staff
    )
    return staff


def test_thirty_taps_at_one_door_hand_over_one(out):
    w = out
    staff = workers(w, 30)
    results = all_at_once(
        [
            lambda u=u: services.visit_record(
                actor=u, distribution=w.blankets, household=w.hh_a1, outcome=Outcome.HANDED
            )
            for u in staff
        ]
    )
    won = [r for r in results if isinstance(r, Visit)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(refused) == 29, {type(r).__name__ for r in results}
    assert all(r.code == "already_handed" and r.status == 409 for r in refused)
    assert Visit.objects.filter(household=w.hh_a1).count() == 1
    assert Distribution.objects.get(pk=w.blankets.pk).given == 1


def test_a_stock_of_ten_is_never_overdrawn_by_forty_doors(out):
    w = out
    d = services.distribution_create(
        actor=w.cadre, item="smoke_alarm", name="烟感报警器", starts_on=TODAY, ends_on=TODAY + DAY,
        nodes=[w.grid_a1], stock=10, open_now=True, at=T0,
    )  # fmt: skip
    homes = [
        household(w.street, w.grid_a1, w.compound_a1, "3", "1", f"{100 + i}") for i in range(40)
    ]
    staff = workers(w, 40)
    results = all_at_once(
        [lambda u=u, h=h: services.visit_record(actor=u, distribution=d, household=h,
                                                outcome=Outcome.HANDED)
         for u, h in zip(staff, homes, strict=True)]
    )  # fmt: skip
    won = [r for r in results if isinstance(r, Visit)]
    assert len(won) == 10
    assert all(
        isinstance(r, Conflict) and r.code == "out_of_stock" for r in results if r not in won
    )
    d.refresh_from_db()
    assert d.given == 10 and Visit.objects.filter(distribution=d).count() == 10
    assert Household.objects.filter(outreach_visits__distribution=d).count() == 10


def test_the_same_form_sent_twenty_times_at_once_records_one_visit(out):
    w = out
    results = all_at_once(
        [lambda: services.visit_record(actor=w.leader, distribution=w.blankets, household=w.hh_a1b,
                                       outcome=Outcome.NOT_HOME, idempotency_key="tap-once")
         for _ in range(20)],
        workers=20,
    )  # fmt: skip
    assert {r.pk for r in results if isinstance(r, Visit)} == {Visit.objects.get().pk}
    assert all(isinstance(r, Visit) for r in results), {type(r).__name__ for r in results}
