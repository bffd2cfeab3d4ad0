"""Volunteer orders under real contention on PostgreSQL: two hundred volunteers tapping
抢单 on a four-place order at the same moment, one volunteer tapping many times, and the
same confirmation sent twice at once. Threads each with their own connection, released
together (``linli.testing.races``); SQLite serialises whole transactions, so there is no
row-lock race to provoke there and these are skipped (CI's PostgreSQL pass runs them)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from linli.accounts.models import User
from linli.core.claims import AlreadyClaimed, Full
from linli.core.errors import IllegalTransition
from linli.grids.models import Role, StaffAssignment
from linli.points import selectors as points_selectors
from linli.points import services as points
from linli.points.models import EarnKind, PointEntry
from linli.testing.races import all_at_once
from linli.volunteering import services
from linli.volunteering.actions import CLAIM_ACTIONS, claim_context
from linli.volunteering.models import (
    ClaimState,
    OrderClaim,
    OrderEvent,
    OrderStatus,
    ServiceRecord,
    Volunteer,
    VolunteerOrder,
)
from linli.volunteering.tests.conftest import HOUR, T0, make_order

pytestmark = [
    pytest.mark.race,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def crowd(w, n: int) -> list[User]:
    """``n`` active carpentry volunteers of the street (their users)."""
    users = User.objects.bulk_create(
        [User(username=f"crowd{i}", display_name=f"志愿者{i}") for i in range(n)]
    )
    StaffAssignment.objects.bulk_create(
        [
            StaffAssignment(street=w.street, user=u, role=Role.VOLUNTEER, node=w.street)
            for u in users
        ]
    )
    Volunteer.objects.bulk_create(
        [Volunteer(street=w.street, user=u, skills=["carpentry"], joined_at=T0) for u in users]
    )
    return users


def test_200_volunteers_at_once_on_4_places_leave_exactly_4(vol):
    w = vol
    order = make_order(w, capacity=4, team=None)
    users = crowd(w, 200)
    results = all_at_once(
        [lambda u=u: services.order_claim(actor=u, order=order, at=T0 + HOUR) for u in users]
    )
    winners = [r for r in results if isinstance(r, OrderClaim)]
    refused = [r for r in results if isinstance(r, Full)]
    assert len(winners) == 4 and len(refused) == 196, {type(r).__name__ for r in results}
    assert all("已被抢完" in r.message and r.status == 409 for r in refused)
    order.refresh_from_db()
    assert order.taken == 4 and order.full_at is not None and order.status == OrderStatus.OPEN
    held = OrderClaim.objects.filter(order=order, status=ClaimState.HELD)
    assert sorted(held.values_list("pk", flat=True)) == sorted(c.pk for c in winners)
    assert OrderClaim.objects.filter(order=order).count() == 4


def test_one_volunteer_tapping_many_times_at_once_holds_one_place(vol):
    w = vol
    order = make_order(w, capacity=4)
    me = w.vols[0].user
    results = all_at_once(
        [lambda: services.order_claim(actor=me, order=order, at=T0 + HOUR) for _ in range(20)],
        workers=20,
    )
    assert sum(isinstance(r, OrderClaim) for r in results) == 1
    assert all(isinstance(r, (OrderClaim, AlreadyClaimed)) for r in results), results
    assert VolunteerOrder.objects.get(pk=order.pk).taken == 1
    assert OrderClaim.objects.filter(order=order).count() == 1


def test_the_same_confirmation_sent_twice_at_once_credits_the_points_once(vol):
    w = vol
    order = make_order(w, capacity=2)
    claims = [services.order_claim(actor=v.user, order=order, at=T0) for v in w.vols[:2]]
    for c in claims:
        services.claim_check_in(actor=c.volunteer.user, claim=c, at=order.starts_at)
        services.claim_check_out(actor=c.volunteer.user, claim=c, at=order.starts_at + 2 * HOUR)
    done_at = order.starts_at + 3 * HOUR
    results = all_at_once(
        [
            lambda: services.order_confirm(actor=w.cadre, order=order, result="fixed", at=done_at)
            for _ in range(2)
        ],
        workers=2,
    )
    assert sum(isinstance(r, VolunteerOrder) for r in results) == 1
    assert sum(isinstance(r, IllegalTransition) for r in results) == 1, results
    assert ServiceRecord.objects.filter(order=order).count() == 2
    for c in claims:
        account = points.account_for(street_id=w.street.pk, user=c.volunteer.user)
        assert PointEntry.objects.filter(account=account).count() == 1
        assert points_selectors.balance(account) == 20


def test_the_same_award_recorded_from_many_places_at_once_is_one_entry(vol):
    w = vol
    account = points.account_for(street_id=w.street.pk, user=w.vols[0].user)
    source = "volunteer-order:99:volunteer:1"
    results = all_at_once(
        [
            lambda: points.earn(
                account=account,
                kind=EarnKind.VOLUNTEER_ORDER,
                source=source,
                skill="carpentry",
                at=T0,
            )
            for _ in range(20)
        ],
        workers=20,
    )
    assert all(isinstance(r, PointEntry) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert PointEntry.objects.filter(source=source).count() == 1
    assert points_selectors.balance(account) == 20


def test_the_same_check_out_sent_five_times_at_once_finishes_the_job_once(vol):
    """The phone's queue resending 我已完成 while the first send still runs (docs/offline.md):
    one check-out, and every send answered as done."""
    volunteer = vol.vols[0].user
    order = make_order(vol, at=timezone.now() - dt.timedelta(days=1))
    claim = services.order_claim(actor=volunteer, order=order, at=order.published_at)
    services.claim_check_in(actor=volunteer, claim=claim)

    def send():
        ctx = claim_context(volunteer, OrderClaim.objects.get(pk=claim.pk))
        data = {"form_token": "the-same-form", "note": "门框已加固"}
        action, form = CLAIM_ACTIONS.bind(volunteer, ctx, "check_out", data, {})
        return CLAIM_ACTIONS.perform(volunteer, ctx, action, form)

    results = all_at_once([send] * 5, workers=5)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert OrderEvent.objects.filter(order=order, verb="check_out").count() == 1
    assert OrderClaim.objects.get(pk=claim.pk).status == ClaimState.CHECKED_OUT
