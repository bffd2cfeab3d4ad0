"""Settlement (定期清算): a period's statements (one per account), its totals, its entries
closed afterwards; refused while a volunteer order of the period waits for confirmation,
before the period ends, out of order, or twice; and all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone

from linli.core.errors import Conflict
from linli.points import services as points
from linli.points.models import EarnKind, Period, PointEntry, Statement
from linli.volunteering import services as volunteering
from linli.volunteering.tests.conftest import make_order, vol  # noqa: F401  (the fixture)

from .conftest import DAY, T0, award, balance, chinese, give, ledger_sum, snapshot

pytestmark = pytest.mark.django_db


def at(y, m, d=1):
    return timezone.make_aware(dt.datetime(y, m, d))


Q1 = (at(2026, 1), at(2026, 4))  # T0 (10 March) is inside
Q2 = (at(2026, 4), at(2026, 7))
AFTER_Q1 = at(2026, 4, 2)
AFTER_Q2 = at(2026, 7, 2)


def open_period(w, span) -> Period:
    return points.period_open(actor=w.admin, street_id=w.street.pk, starts_at=span[0],
                              ends_at=span[1])  # fmt: skip


def quarter_of_activity(w):
    """周美华 earns 20, is given 10 and spends 15; the volunteer earns 10 that expire and
    is given 30. Issued 30, redeemed 15, expired 10, corrected 40, outstanding 45."""
    points.rule_publish(actor=w.admin, street_id=w.street.pk, kind=EarnKind.ACTIVITY, points=10,
                        expiry_days=5, at=T0 - 30 * DAY)  # fmt: skip
    award(w, w.zhou_acct, "act:1", at=T0)
    award(w, w.zhou_acct, "act:2", at=T0 + DAY)
    give(w, w.zhou_acct, 10, at=T0 + DAY)
    points.redeem(actor=w.admin, account=w.zhou_acct, item=w.towel, at=T0 + 2 * DAY)
    award(w, w.vol_acct, "act:v1", kind=EarnKind.ACTIVITY, at=T0 - 10 * DAY)
    points.expire_due(T0)
    give(w, w.vol_acct, 30, at=T0 + DAY)


def test_settling_writes_one_statement_per_account_and_the_period_totals(pts):
    w = pts
    quarter_of_activity(w)
    idle = points.account_for(street_id=w.street.pk, resident=w.li)  # no entry, no balance
    q1 = open_period(w, Q1)
    done = points.period_settle(actor=w.admin, period=q1, now=AFTER_Q1)
    assert done.settled_at == AFTER_Q1 and done.settled_by == w.admin
    assert (done.issued, done.redeemed, done.expired, done.corrected, done.outstanding) == (
        30, 15, 10, 40, 45,
    )  # fmt: skip
    rows = {
        s.account_id: (s.issued, s.redeemed, s.expired, s.corrected, s.balance)
        for s in Statement.objects.filter(period=q1)
    }
    assert rows == {w.zhou_acct.pk: (20, 15, 0, 10, 15), w.vol_acct.pk: (10, 0, 10, 30, 30)}
    assert idle.pk not in rows
    assert Period.objects.get(pk=q1.pk).outstanding == sum(r[-1] for r in rows.values())

    # The next quarter: the balance is the statement plus what came after, and an account
    # with no entry in it still gets its statement (its balance carried).
    award(w, w.zhou_acct, "act:q2", at=at(2026, 5, 5))
    assert balance(w.zhou_acct) == 25 == ledger_sum(w.zhou_acct)
    q2 = open_period(w, Q2)
    points.period_settle(actor=w.admin, period=q2, now=AFTER_Q2)
    carried = {s.account_id: s.balance for s in Statement.objects.filter(period=q2)}
    assert carried == {w.zhou_acct.pk: 25, w.vol_acct.pk: 30}
    q2.refresh_from_db()
    assert (q2.issued, q2.outstanding) == (10, 55)
    assert balance(w.zhou_acct) == 25 and balance(w.vol_acct) == 30


def test_a_settled_period_takes_no_more_entries(pts):
    w = pts
    quarter_of_activity(w)
    q1 = open_period(w, Q1)
    points.period_settle(actor=w.admin, period=q1, now=AFTER_Q1)
    first = PointEntry.objects.filter(account=w.zhou_acct).order_by("at", "pk").first()
    before = snapshot(w.street.pk)
    inside = T0 + 5 * DAY
    attempts = [
        lambda: award(w, w.zhou_acct, "act:late", at=inside),
        lambda: give(w, w.zhou_acct, 5, at=inside),
        lambda: points.redeem(actor=w.admin, account=w.vol_acct, item=w.towel, at=inside),
        lambda: points.entry_reverse(actor=w.admin, entry=first, reason="补正", at=inside),
        lambda: points.expire_due(inside),  # nothing due: refuses nothing, writes nothing
    ]
    for attempt in attempts[:-1]:
        with pytest.raises(Conflict) as exc:
            attempt()
        assert exc.value.code == "period_settled" and chinese(exc.value.message)
    attempts[-1]()
    assert snapshot(w.street.pk) == before
    # The same correction dated after the period is fine.
    points.entry_reverse(actor=w.admin, entry=first, reason="补正", at=AFTER_Q1)
    assert balance(w.zhou_acct) == ledger_sum(w.zhou_acct) == 5


@pytest.mark.parametrize("case", ["not_ended", "earlier_open", "already_settled", "not_staff"])
def test_settling_is_refused_out_of_turn_and_changes_nothing(pts, case):
    w = pts
    quarter_of_activity(w)
    q1 = open_period(w, Q1)
    q2 = open_period(w, Q2)
    actor, period, now = w.admin, q1, AFTER_Q1
    if case == "not_ended":
        now = T0 + DAY
    elif case == "earlier_open":
        period, now = q2, AFTER_Q2
    elif case == "already_settled":
        points.period_settle(actor=w.admin, period=q1, now=AFTER_Q1)
    else:
        actor = w.cadre  # may correct, may not settle
    before = snapshot(w.street.pk)
    with pytest.raises((Conflict, Http404)) as exc:
        points.period_settle(actor=actor, period=period, now=now)
    if case != "not_staff":
        assert exc.value.code == case and chinese(exc.value.message)
    assert snapshot(w.street.pk) == before


def test_periods_follow_each_other_without_gaps(pts):
    w = pts
    open_period(w, Q1)
    before = snapshot(w.street.pk)
    with pytest.raises(Exception) as exc:
        open_period(w, (at(2026, 5), at(2026, 8)))
    assert exc.value.field == "starts_at" and chinese(exc.value.message)
    assert snapshot(w.street.pk) == before


def test_a_period_with_a_volunteer_order_not_yet_confirmed_waits(vol):  # noqa: F811
    w = vol
    order = make_order(w, capacity=1)
    claim = volunteering.order_claim(actor=w.vols[0].user, order=order, at=order.created_at)
    volunteering.claim_check_in(actor=w.vols[0].user, claim=claim, at=order.starts_at)
    month = points.period_open(actor=w.admin, street_id=w.street.pk, starts_at=at(2026, 11),
                               ends_at=at(2026, 12))  # fmt: skip
    before = snapshot(w.street.pk)
    with pytest.raises(Conflict) as exc:
        points.period_settle(actor=w.admin, period=month, now=at(2026, 12, 2))
    assert exc.value.code == "not_ready" and "1" in exc.value.message
    assert chinese(exc.value.message)
    assert snapshot(w.street.pk) == before

    end = order.starts_at + 2 * DAY / 24
    volunteering.claim_check_out(actor=w.vols[0].user, claim=claim, at=end)
    volunteering.order_confirm(actor=w.cadre, order=order, result="fixed", at=end)
    settled = points.period_settle(actor=w.admin, period=month, now=at(2026, 12, 2))
    assert settled.issued == 20 and settled.outstanding == 20  # the carpentry line
    assert Statement.objects.filter(period=month).count() == 1


def test_the_worker_records_why_it_could_not_settle(vol, django_capture_on_commit_callbacks):  # noqa: F811
    w = vol
    order = make_order(w, capacity=1, at=at(2026, 1, 5))
    claim = volunteering.order_claim(actor=w.vols[0].user, order=order, at=order.created_at)
    volunteering.claim_check_in(actor=w.vols[0].user, claim=claim, at=order.starts_at)
    month = points.period_open(actor=w.admin, street_id=w.street.pk, starts_at=at(2026, 1),
                               ends_at=at(2026, 2))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        points.period_settle_ask(actor=w.admin, period=month)
    month.refresh_from_db()
    assert month.settled_at is None and month.settle_asked_at is None
    assert chinese(month.settle_error)
    assert not Statement.objects.filter(period=month).exists()


def test_a_settlement_that_fails_halfway_leaves_nothing(pts, monkeypatch):
    w = pts
    quarter_of_activity(w)
    q1 = open_period(w, Q1)
    before = snapshot(w.street.pk)
    real = Statement.objects.bulk_create
    written = []

    def half_then_power_cut(objs, *args, **kwargs):
        objs = list(objs)
        written.extend(real(objs[:1], *args, **kwargs))  # the first statement is written…
        raise RuntimeError("the worker was killed")  # …and then the process dies

    monkeypatch.setattr(Statement.objects, "bulk_create", half_then_power_cut)
    with pytest.raises(RuntimeError):
        points.period_settle(actor=w.admin, period=q1, now=AFTER_Q1)
    assert len(written) == 1  # the failure really came after a write
    monkeypatch.undo()
    assert not Statement.objects.exists()
    assert snapshot(w.street.pk) == before
    q1.refresh_from_db()
    assert q1.settled_at is None and q1.outstanding == 0
    # The period is still open to entries, and settles in full on the next try.
    award(w, w.zhou_acct, "act:retry", at=T0 + 3 * DAY)
    points.period_settle(actor=w.admin, period=q1, now=AFTER_Q1)
    total = PointEntry.objects.filter(street=w.street).aggregate(n=Sum("points"))["n"]
    assert Period.objects.get(pk=q1.pk).outstanding == total == 55
