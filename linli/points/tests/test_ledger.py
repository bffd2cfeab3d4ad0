"""The ledger: awards by the standard in force when earned, within its caps, once per
source; expiry oldest first; corrections that reverse with a reason and never edit; the
balance is always the sum of the entries; the standard refuses silly numbers."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import Http404

from linli.core.errors import Conflict, InvalidInput
from linli.core.models import AppendOnlyError
from linli.points import services as points
from linli.points.models import EarnKind, EntryKind, PointEntry, PointRule

from .conftest import DAY, T0, award, balance, chinese, give, ledger_sum, snapshot

pytestmark = pytest.mark.django_db

HOUR = DAY / 24


# --- earning by the standard in force ------------------------------------------------------------


def test_an_award_keeps_the_points_of_the_rule_in_force_when_it_was_earned(pts):
    w = pts
    before = award(w, w.zhou_acct, "activity:1", at=T0 - DAY)
    assert before.points == 10 and before.rule == w.rule and before.kind == EntryKind.AWARD
    new_rule = points.rule_publish(
        actor=w.admin, street_id=w.street.pk, kind=EarnKind.CIVILISATION, points=15, at=T0
    )
    w.rule.refresh_from_db()
    assert w.rule.active_to == T0 and new_rule.active_to is None
    # The change never rewrites what was already awarded…
    assert PointEntry.objects.get(pk=before.pk).points == 10
    # …an award made now is by the new line, and one recorded late for an earlier day is
    # by the line in force on that day.
    now = award(w, w.zhou_acct, "activity:2", at=T0 + HOUR)
    late = award(w, w.zhou_acct, "activity:3", at=T0 - 2 * DAY)
    assert (now.points, now.rule) == (15, new_rule)
    assert (late.points, late.rule) == (10, w.rule)
    assert balance(w.zhou_acct) == 35 == ledger_sum(w.zhou_acct)


def test_no_rule_in_force_awards_nothing(pts):
    w = pts
    assert award(w, w.zhou_acct, "activity:early", at=T0 - 90 * DAY) is None
    assert award(w, w.zhou_acct, "consult:1", kind=EarnKind.CONSULTATION) is None
    assert not PointEntry.objects.filter(account=w.zhou_acct).exists()


def test_hours_multiply_the_rule_and_a_skill_line_beats_the_any_skill_line(pts):
    w = pts
    points.rule_publish(actor=w.admin, street_id=w.street.pk, kind=EarnKind.SERVICE_HOUR,
                        points=4, at=T0 - DAY)  # fmt: skip
    points.rule_publish(actor=w.admin, street_id=w.street.pk, kind=EarnKind.VOLUNTEER_ORDER,
                        points=10, at=T0 - DAY)  # fmt: skip
    points.rule_publish(actor=w.admin, street_id=w.street.pk, kind=EarnKind.VOLUNTEER_ORDER,
                        skill="carpentry", points=20, at=T0 - DAY)  # fmt: skip
    hours = award(w, w.vol_acct, "hours:1", kind=EarnKind.SERVICE_HOUR, units=2.5)
    assert hours.points == 10
    carpentry = points.earn(account=w.vol_acct, kind=EarnKind.VOLUNTEER_ORDER, skill="carpentry",
                            source="vo:1", at=T0)  # fmt: skip
    plumbing = points.earn(account=w.vol_acct, kind=EarnKind.VOLUNTEER_ORDER, skill="plumbing",
                           source="vo:2", at=T0)  # fmt: skip
    assert carpentry is not None and plumbing is not None
    assert (carpentry.points, plumbing.points) == (20, 10)


# --- caps -------------------------------------------------------------------------------------------


def test_the_daily_cap_cuts_the_last_award_and_refuses_the_next(pts):
    w = pts
    points.rule_publish(actor=w.admin, street_id=w.street.pk, kind=EarnKind.CIVILISATION,
                        points=10, cap_per_day=25, at=T0 - DAY)  # fmt: skip
    got = [award(w, w.zhou_acct, f"a:{i}", at=T0 + i * HOUR) for i in range(4)]
    assert [e.points if e else None for e in got] == [10, 10, 5, None]
    assert balance(w.zhou_acct) == 25
    # The next day starts again (local midnight, Asia/Shanghai).
    assert award(w, w.zhou_acct, "a:next-day", at=T0 + DAY).points == 10
    # Another person has their own cap.
    assert award(w, w.vol_acct, "b:0", at=T0).points == 10


def test_the_monthly_cap_counts_the_month_and_a_reversed_award_frees_its_share(pts):
    w = pts
    points.rule_publish(actor=w.admin, street_id=w.street.pk, kind=EarnKind.CIVILISATION,
                        points=10, cap_per_day=10, cap_per_month=30, at=T0 - 20 * DAY)  # fmt: skip
    days = [T0 - 9 * DAY + i * DAY for i in range(5)]  # 1 to 5 March
    got = [award(w, w.zhou_acct, f"m:{i}", at=d) for i, d in enumerate(days)]
    assert [e.points if e else None for e in got] == [10, 10, 10, None, None]
    first = got[0]
    points.entry_reverse(actor=w.admin, entry=first, reason="重复登记")
    assert award(w, w.zhou_acct, "m:again", at=days[4] + HOUR).points == 10
    # April is a new month.
    april = T0 + 25 * DAY
    assert award(w, w.zhou_acct, "m:april", at=april).points == 10
    assert balance(w.zhou_acct) == ledger_sum(w.zhou_acct) == 40


# --- once per source ---------------------------------------------------------------------------------


def test_the_same_source_event_twice_credits_once(pts):
    w = pts
    first = award(w, w.zhou_acct, "volunteer-order:7:volunteer:3")
    again = award(w, w.zhou_acct, "volunteer-order:7:volunteer:3", at=T0 + DAY)
    assert again.pk == first.pk
    assert PointEntry.objects.filter(account=w.zhou_acct).count() == 1
    assert balance(w.zhou_acct) == 10
    # The database refuses a second row for a source too, whatever the code does.
    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(street=w.street, account=w.vol_acct, kind=EntryKind.AWARD,
                                  points=10, at=T0, source=first.source)  # fmt: skip


# --- expiry ---------------------------------------------------------------------------------------------


def test_points_expire_oldest_first_and_only_what_is_left_of_them(pts):
    w = pts
    points.rule_publish(actor=w.admin, street_id=w.street.pk, kind=EarnKind.ACTIVITY, points=10,
                        expiry_days=30, at=T0 - DAY)  # fmt: skip
    old = award(w, w.zhou_acct, "act:old", kind=EarnKind.ACTIVITY, at=T0)
    new = award(w, w.zhou_acct, "act:new", kind=EarnKind.ACTIVITY, at=T0 + 20 * DAY)
    assert old.expires_at == T0 + 30 * DAY
    give(w, w.zhou_acct, -5, at=T0 + 25 * DAY)  # spends the oldest points first
    assert balance(w.zhou_acct) == 15

    assert points.expire_due(T0 + 29 * DAY) == {"points": 0}  # not due yet
    assert points.expire_due(T0 + 31 * DAY) == {"points": 5}
    expiry = PointEntry.objects.get(kind=EntryKind.EXPIRE)
    assert expiry.points == -5 and expiry.reverses_id == old.pk and chinese(expiry.reason)
    assert balance(w.zhou_acct) == 10
    # Running again expires nothing twice.
    assert points.expire_due(T0 + 32 * DAY) == {"points": 0}
    assert points.expire_due(T0 + 51 * DAY) == {"points": 10}
    assert PointEntry.objects.get(reverses=new).points == -10
    assert balance(w.zhou_acct) == 0 == ledger_sum(w.zhou_acct)


def test_an_award_already_spent_expires_nothing(pts):
    w = pts
    points.rule_publish(actor=w.admin, street_id=w.street.pk, kind=EarnKind.ACTIVITY, points=10,
                        expiry_days=30, at=T0 - DAY)  # fmt: skip
    award(w, w.zhou_acct, "act:1", kind=EarnKind.ACTIVITY, at=T0)
    give(w, w.zhou_acct, -10, at=T0 + DAY)
    assert points.expire_due(T0 + 40 * DAY) == {"points": 0}
    assert not PointEntry.objects.filter(kind=EntryKind.EXPIRE).exists()


# --- corrections -------------------------------------------------------------------------------------


def test_a_correction_reverses_an_entry_with_its_reason_and_never_edits_it(pts):
    w = pts
    entry = award(w, w.zhou_acct, "act:1")
    original = PointEntry.objects.filter(pk=entry.pk).values().get()
    reversal = points.entry_reverse(
        actor=w.admin, entry=entry, reason="活动未实际参加", at=T0 + HOUR
    )
    assert (reversal.kind, reversal.points, reversal.reverses_id) == (
        EntryKind.CORRECT, -10, entry.pk,
    )  # fmt: skip
    assert reversal.reason == "活动未实际参加" and reversal.created_by == w.admin
    assert PointEntry.objects.filter(pk=entry.pk).values().get() == original
    assert balance(w.zhou_acct) == 0 == ledger_sum(w.zhou_acct)


@pytest.mark.parametrize("case", ["twice", "the_reversal", "no_reason", "overdraw", "not_staff"])
def test_a_correction_refused_changes_nothing(pts, case):
    w = pts
    entry = award(w, w.zhou_acct, "act:1")
    actor, reason = w.admin, "登记错误"
    if case == "twice":
        points.entry_reverse(actor=w.admin, entry=entry, reason="登记错误")
    elif case == "the_reversal":
        entry = points.entry_reverse(actor=w.admin, entry=entry, reason="登记错误")
    elif case == "no_reason":
        reason = "   "
    elif case == "overdraw":
        give(w, w.zhou_acct, -10, at=T0 + HOUR)  # the points were spent
    else:
        actor = w.resident_user
    before = snapshot(w.street.pk)
    with pytest.raises((Conflict, InvalidInput, Http404)) as exc:
        points.entry_reverse(actor=actor, entry=entry, reason=reason, at=T0 + DAY)
    if case != "not_staff":
        assert chinese(exc.value.message)
    assert snapshot(w.street.pk) == before


def test_an_adjustment_needs_a_reason_a_sane_amount_and_keeps_the_balance_above_zero(pts):
    w = pts
    give(w, w.zhou_acct, 30)
    before = snapshot(w.street.pk)
    for amount, reason in [(0, "x"), (100_001, "x"), (-100_001, "x"), ("5", "x"), (5, "")]:
        with pytest.raises(InvalidInput) as exc:
            points.adjust(actor=w.admin, account=w.zhou_acct, points=amount, reason=reason)
        assert chinese(exc.value.message)
    with pytest.raises(Conflict) as exc:
        points.adjust(actor=w.admin, account=w.zhou_acct, points=-31, reason="扣减")
    assert exc.value.code == "overdraw" and chinese(exc.value.message)
    with pytest.raises(Http404):  # a grid worker may not correct
        points.adjust(actor=w.grid_a1_worker, account=w.zhou_acct, points=5, reason="补录")
    assert snapshot(w.street.pk) == before
    points.adjust(actor=w.admin, account=w.zhou_acct, points=-30, reason="扣减")
    assert balance(w.zhou_acct) == 0


def test_entries_are_append_only(pts):
    w = pts
    entry = award(w, w.zhou_acct, "act:1")
    entry.points = 99
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        PointEntry.objects.filter(pk=entry.pk).update(points=99)
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        PointEntry.objects.filter(pk=entry.pk).delete()
    assert PointEntry.objects.get(pk=entry.pk).points == 10


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_edit_an_entry_behind_the_orm(pts):
    w = pts
    entry = award(w, w.zhou_acct, "act:1")
    for sql in ["UPDATE points_pointentry SET points = 99 WHERE id = %s",
                "DELETE FROM points_pointentry WHERE id = %s"]:  # fmt: skip
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [entry.pk])
    assert PointEntry.objects.get(pk=entry.pk).points == 10


def test_the_balance_is_the_sum_of_the_entries_at_any_time(pts):
    w = pts
    award(w, w.zhou_acct, "act:1", at=T0)
    award(w, w.zhou_acct, "act:2", at=T0 + DAY)
    give(w, w.zhou_acct, 7, at=T0 + 2 * DAY)
    points.redeem(actor=w.admin, account=w.zhou_acct, item=w.towel, at=T0 + 3 * DAY)
    assert balance(w.zhou_acct) == 12 == ledger_sum(w.zhou_acct)
    from linli.points.selectors import balance as balance_at

    assert balance_at(w.zhou_acct, at=T0 + DAY) == 20
    assert balance(w.vol_acct) == 0


# --- the standard ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [-5, 0, 10_001, 10**9, "10", 2.5, None])
def test_the_standard_refuses_negative_or_absurd_points(pts, value):
    w = pts
    before = list(PointRule.objects.order_by("pk").values())
    with pytest.raises(InvalidInput) as exc:
        points.rule_publish(
            actor=w.admin, street_id=w.street.pk, kind=EarnKind.CIVILISATION, points=value
        )
    assert exc.value.field == "points" and chinese(exc.value.message)
    assert list(PointRule.objects.order_by("pk").values()) == before


@pytest.mark.parametrize(
    "extra",
    [
        {"kind": "bribery"},
        {"cap_per_day": 0},
        {"cap_per_month": -1},
        {"expiry_days": 5000},
        {"cap_per_day": 50, "cap_per_month": 40},
    ],
)
def test_the_standard_refuses_bad_caps_and_kinds(pts, extra):
    w = pts
    before = list(PointRule.objects.order_by("pk").values())
    data = {"kind": EarnKind.CIVILISATION, "points": 10, **extra}
    with pytest.raises(InvalidInput) as exc:
        points.rule_publish(actor=w.admin, street_id=w.street.pk, **data)
    assert chinese(exc.value.message)
    assert list(PointRule.objects.order_by("pk").values()) == before


def test_only_the_street_admin_publishes_the_standard_and_the_database_checks_it(pts):
    w = pts
    before = PointRule.objects.count()
    for actor in (w.cadre, w.resident_user, w.other_admin):
        with pytest.raises(Http404):
            points.rule_publish(
                actor=actor, street_id=w.street.pk, kind=EarnKind.CIVILISATION, points=50
            )
    with pytest.raises(IntegrityError), transaction.atomic():
        PointRule.objects.create(street=w.street, kind=EarnKind.ACTIVITY, points=0, active_from=T0)
    assert PointRule.objects.count() == before
