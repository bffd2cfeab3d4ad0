"""The ledger and the store as a state machine: awards (some sent twice), redemptions at
the counter and reserved, collections, cancellations, voids, expiries, corrections,
settlements and the passing of time, in any order hypothesis finds. After every step:

* every balance is the sum of the account's entries, and never below zero (the balance
  is read from the last statement plus the later entries, so this also checks that
  settlement carried every point);
* stock is never below zero, and is what was put in minus what live redemptions hold;
* no source is credited twice;
* a settled period, its statements and the entries dated inside it never change;
* a refusal changes nothing.

Each example runs in a savepoint rolled back at its end, on the canonical world.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.http import Http404
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from linli.core.errors import LinliError
from linli.points import services as points
from linli.points.models import (
    LIVE_REDEMPTIONS,
    EarnKind,
    Period,
    PointEntry,
    Redemption,
    RedemptionState,
    Statement,
    StockIn,
    StockSource,
    StoreItem,
)
from linli.points.selectors import balance

from .conftest import DAY, T0

pytestmark = pytest.mark.django_db

START = T0 - 400 * DAY  # before anything: the first period starts here


class LedgerMachine(RuleBasedStateMachine):
    world = None  # set by the test: the canonical world with the points fixtures

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        w = self.w = type(self).world
        self.now = T0
        self.next_source = 0
        self.sources: list[str] = []
        self.settled: dict[int, tuple] = {}
        self.rice = points.item_save(
            actor=w.admin, street_id=w.street.pk, name="大米", price=5, per_person_limit=2
        )
        points.stock_in(actor=w.admin, item=self.rice, quantity=3, source=StockSource.PURCHASE,
                        cost=30)  # fmt: skip
        points.rule_publish(actor=w.admin, street_id=w.street.pk, kind=EarnKind.ACTIVITY,
                            points=10, cap_per_day=15, expiry_days=30, at=START)  # fmt: skip
        li = points.account_for(street_id=w.street.pk, resident=w.li)
        # (account, who reserves from it on their phone: None for a resident without a login)
        self.accounts = [(w.zhou_acct, w.resident_user), (w.vol_acct, w.volunteer), (li, None)]
        self.items = [w.towel, self.rice]
        # Everyone starts with points: some that will expire, some that will not.
        for i, (account, _holder) in enumerate(self.accounts):
            self.sources.append(f"seed:{i}")
            points.earn(account=account, kind=EarnKind.ACTIVITY, source=f"seed:{i}", at=T0)
            points.adjust(actor=w.admin, account=account, points=20, reason="期初", at=T0)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ---------------------------------------------------------------------------------

    def _state(self) -> tuple:
        street = self.w.street.pk
        entries = PointEntry.objects.filter(street_id=street).aggregate(n=Count("id"),
                                                                       s=Sum("points"))  # fmt: skip
        return (
            entries["n"], entries["s"],
            tuple(StoreItem.objects.filter(street_id=street).order_by("pk").values_list("stock", flat=True)),
            tuple(Redemption.objects.filter(street_id=street).order_by("pk").values_list("status", flat=True)),
            tuple(Period.objects.filter(street_id=street).order_by("pk").values_list("settled_at", flat=True)),
        )  # fmt: skip

    def _try(self, action) -> object | None:
        """Run ``action``; a refusal must be a clear one and change nothing."""
        before = self._state()
        try:
            with transaction.atomic():
                return action()
        except (LinliError, Http404) as exc:
            if isinstance(exc, LinliError):
                assert exc.message and exc.status in (400, 409), exc
            assert self._state() == before
            return None

    # --- rules ---------------------------------------------------------------------------------

    @rule(days=st.integers(0, 40), hours=st.integers(0, 23))
    def time_passes(self, days, hours):
        self.now += days * DAY + hours * DAY / 24

    @rule(who=st.integers(0, 2), kind=st.sampled_from([EarnKind.CIVILISATION, EarnKind.ACTIVITY]))
    def award(self, who, kind):
        self.next_source += 1
        source = f"event:{self.next_source}"
        account = self.accounts[who][0]
        entry = self._try(lambda: points.earn(account=account, kind=kind, source=source,
                                              at=self.now, actor=self.w.admin))  # fmt: skip
        if entry is not None:
            self.sources.append(source)

    @rule(data=st.data())
    def the_same_award_again(self, data):
        if not self.sources:
            return
        source = data.draw(st.sampled_from(self.sources))
        first = PointEntry.objects.get(source=source)
        before = self._state()
        again = points.earn(account=first.account, kind=EarnKind.CIVILISATION, source=source,
                            at=self.now)  # fmt: skip
        assert again is not None and again.pk == first.pk
        assert self._state() == before

    @rule(who=st.integers(0, 2), item=st.integers(0, 1), quantity=st.integers(1, 3),
          reserve=st.booleans())  # fmt: skip
    def redeem(self, who, item, quantity, reserve):
        account, holder = self.accounts[who]
        if reserve and holder is None:
            reserve = False
        actor = holder if reserve else self.w.admin
        self._try(lambda: points.redeem(actor=actor, account=account, item=self.items[item],
                                        quantity=quantity, reserve=reserve, at=self.now))  # fmt: skip

    def _pick(self, data, status) -> Redemption | None:
        rows = list(
            Redemption.objects.filter(street_id=self.w.street.pk, status=status).order_by("pk")
        )
        return data.draw(st.sampled_from(rows)) if rows else None

    @rule(data=st.data())
    def collect(self, data):
        r = self._pick(data, RedemptionState.RESERVED)
        if r is not None:
            done = self._try(lambda: points.redemption_collect(actor=self.w.admin, code=r.pickup_code,
                                                               street_id=r.street_id, at=self.now))  # fmt: skip
            assert done is not None and done.status == RedemptionState.COLLECTED

    @rule(data=st.data(), at_counter=st.booleans())
    def cancel(self, data, at_counter):
        r = self._pick(data, RedemptionState.RESERVED)
        if r is not None:
            holder = dict((a.pk, u) for a, u in self.accounts)[r.account_id]
            actor = self.w.admin if at_counter or holder is None else holder
            self._try(lambda: points.redemption_cancel(actor=actor, redemption=r, at=self.now))

    @rule(data=st.data())
    def void(self, data):
        r = self._pick(data, RedemptionState.COLLECTED)
        if r is not None:
            self._try(lambda: points.redemption_void(actor=self.w.admin, redemption=r,
                                                     reason="发错了", at=self.now))  # fmt: skip

    @rule()
    def expire(self):
        points.expire_due(self.now)

    @rule(who=st.integers(0, 2), pick=st.integers(0, 50))
    def reverse_an_entry(self, who, pick):
        account = self.accounts[who][0]
        rows = list(PointEntry.objects.filter(account=account).order_by("pk"))
        if rows:
            entry = rows[pick % len(rows)]
            self._try(lambda: points.entry_reverse(actor=self.w.admin, entry=entry,
                                                   reason="登记有误", at=self.now))  # fmt: skip

    @rule(who=st.integers(0, 2), amount=st.integers(-40, 40))
    def adjust(self, who, amount):
        account = self.accounts[who][0]
        self._try(lambda: points.adjust(actor=self.w.admin, account=account, points=amount,
                                        reason="纸质记录", at=self.now))  # fmt: skip

    @rule(stock=st.integers(1, 5), item=st.integers(0, 1))
    def stock_in(self, stock, item):
        points.stock_in(actor=self.w.admin, item=self.items[item], quantity=stock,
                        source=StockSource.DONATION, donor="居民捐赠", at=self.now)  # fmt: skip

    @rule()
    def settle_up_to_now(self):
        street = self.w.street.pk
        last = Period.objects.filter(street_id=street).order_by("-ends_at").first()
        start = last.ends_at if last else START
        if start >= self.now:
            return
        period = points.period_open(actor=self.w.admin, street_id=street, starts_at=start,
                                    ends_at=self.now)  # fmt: skip
        points.period_settle(actor=self.w.admin, period=period, now=self.now)
        self.settled[period.pk] = self._period_record(period.pk)

    def _period_record(self, pk: int) -> tuple:
        period = Period.objects.get(pk=pk)
        return (
            Period.objects.filter(pk=pk).values().get(),
            list(Statement.objects.filter(period_id=pk).order_by("pk").values()),
            list(PointEntry.objects.filter(street_id=period.street_id, at__gte=period.starts_at,
                                           at__lt=period.ends_at).order_by("pk").values()),
        )  # fmt: skip

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def balances_are_the_sum_of_entries_and_never_negative(self):
        for account, _holder in self.accounts:
            total = PointEntry.objects.filter(account=account).aggregate(n=Sum("points"))["n"] or 0
            assert balance(account) == total >= 0

    @invariant()
    def stock_is_what_came_in_less_what_live_redemptions_hold(self):
        for item in self.items:
            now = StoreItem.objects.get(pk=item.pk).stock
            came_in = StockIn.objects.filter(item=item).aggregate(n=Sum("quantity"))["n"] or 0
            held = (
                Redemption.objects.filter(item=item, status__in=LIVE_REDEMPTIONS)
                .aggregate(n=Sum("quantity"))["n"] or 0
            )  # fmt: skip
            assert now == came_in - held >= 0

    @invariant()
    def no_source_is_credited_twice(self):
        street = self.w.street.pk
        repeated = (
            PointEntry.objects.filter(street_id=street).values("source")
            .annotate(n=Count("id")).filter(n__gt=1)
        )  # fmt: skip
        assert not repeated.exists()
        # A redemption is debited once and given back at most once.
        for r in Redemption.objects.filter(street_id=street):
            refunds = PointEntry.objects.filter(source=f"refund:{r.pk}").count()
            assert refunds == (0 if r.status in LIVE_REDEMPTIONS else 1)

    @invariant()
    def settled_periods_never_change(self):
        for pk, record in self.settled.items():
            assert self._period_record(pk) == record


def test_the_ledger_and_the_store_keep_their_invariants_in_any_order(pts):
    LedgerMachine.world = pts
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
