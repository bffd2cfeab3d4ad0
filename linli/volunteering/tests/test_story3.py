"""Story 3 through the services: the door-frame order is published to the team, four
volunteers claim it and the fifth is told it is full, the job is done and confirmed, the
service hours and points are recorded once, and a towel is redeemed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from linli.core.claims import AlreadyClaimed, Full
from linli.core.errors import Conflict, IllegalTransition
from linli.points import selectors as points_selectors
from linli.points import services as points
from linli.points.models import PointEntry, StockSource
from linli.volunteering import services
from linli.volunteering.models import (
    ClaimState,
    OrderStatus,
    ServiceRecord,
    TeamMember,
    VolunteerOrder,
)
from linli.volunteering.tests.conftest import HOUR, T0, make_order

pytestmark = pytest.mark.django_db


def test_the_door_frame_order_from_publication_to_a_towel(
    vol, outbox, django_capture_on_commit_callbacks
):
    w = vol
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(w)
    assert order.status == OrderStatus.OPEN and order.points == 20  # the carpentry line
    told = {m.user_id for m in outbox if m.kind == "volunteering.published"}
    assert told == {v.user_id for v in w.vols[:4]}  # the team's carpenters, not v5 (plumbing)

    claims = [
        services.order_claim(
            actor=v.user, order=order, at=T0 + i * 60 * timezone.timedelta(seconds=1)
        )
        for i, v in enumerate(w.vols[:4])
    ]
    order.refresh_from_db()
    assert order.taken == 4 and order.full_at is not None
    TeamMember.objects.create(  # a fifth carpenter joins the team: too late for this one
        street=w.street, team=w.team, volunteer=w.vprofile, state="member", asked_at=T0
    )
    with pytest.raises(Full) as exc:
        services.order_claim(actor=w.volunteer, order=order, at=T0)
    assert exc.value.status == 409 and "已被抢完" in exc.value.message
    with pytest.raises(AlreadyClaimed):
        services.order_claim(actor=w.vols[0].user, order=order, at=T0)

    start = order.starts_at
    for c in claims:
        services.claim_check_in(actor=c.volunteer.user, claim=c, at=start)
    order.refresh_from_db()
    assert order.status == OrderStatus.WORKING
    for c in claims:
        services.claim_check_out(actor=c.volunteer.user, claim=c, at=start + 2 * HOUR)

    done = services.order_confirm(
        actor=w.cadre, order=order, result="fixed", rating=5, at=start + 3 * HOUR
    )
    assert done.status == OrderStatus.DONE
    records = ServiceRecord.objects.filter(order=order)
    assert records.count() == 4 and {r.hours for r in records} == {2}
    account = points.account_for(street_id=w.street.pk, user=w.vols[0].user)
    assert points_selectors.balance(account) == 20
    # A second confirmation (a double tap) changes nothing and credits nothing twice.
    with pytest.raises(IllegalTransition):
        services.order_confirm(actor=w.cadre, order=order, result="fixed", at=start + 4 * HOUR)
    assert PointEntry.objects.filter(account=account).count() == 1

    towel = points.item_save(actor=w.admin, street_id=w.street.pk, name="毛巾", price=15)
    points.stock_in(
        actor=w.admin, item=towel, quantity=10, source=StockSource.DONATION, donor="慧海物业"
    )
    redemption = points.redeem(actor=w.admin, account=account, item=towel)
    towel.refresh_from_db()
    assert towel.stock == 9 and points_selectors.balance(account) == 5
    with pytest.raises(Conflict) as exc:
        points.redeem(actor=w.admin, account=account, item=towel)
    assert exc.value.code == "insufficient_points"
    assert redemption.status == "collected"


def test_withdrawing_before_the_start_reopens_the_place(vol):
    w = vol
    order = make_order(w, capacity=1)
    claim = services.order_claim(actor=w.vols[0].user, order=order, at=T0)
    with pytest.raises(Full):
        services.order_claim(actor=w.vols[1].user, order=order, at=T0)
    services.claim_withdraw(actor=w.vols[0].user, claim=claim, at=T0 + HOUR)
    order.refresh_from_db()
    assert order.taken == 0 and order.full_at is None
    second = services.order_claim(actor=w.vols[1].user, order=order, at=T0 + 2 * HOUR)
    assert second.status == ClaimState.HELD
    # After the start one cannot withdraw: the community takes one off.
    with pytest.raises(Conflict):
        services.claim_withdraw(actor=w.vols[1].user, claim=second, at=order.starts_at)
    assert VolunteerOrder.objects.get(pk=order.pk).taken == 1
