"""The store under real contention on PostgreSQL: five hundred residents reserving an
item with fifty in stock at the same moment, and one resident spending the same points
many times at once. Threads each with their own connection, released together
(``linli.testing.races``); skipped on SQLite, which has no row locks to race on."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Sum

from linli.accounts.models import User
from linli.core.errors import Conflict
from linli.grids.models import Role, StaffAssignment
from linli.points.models import EntryKind, PointEntry, PointsAccount, Redemption, StoreItem
from linli.points.services import redeem
from linli.testing.races import all_at_once

from .conftest import T0, balance, give

pytestmark = [
    pytest.mark.race,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def residents_with_points(w, n: int, points: int) -> list[tuple[User, PointsAccount]]:
    users = User.objects.bulk_create(
        [User(username=f"r{i}", display_name=f"居民{i}") for i in range(n)]
    )
    StaffAssignment.objects.bulk_create(
        [
            StaffAssignment(street=w.street, user=u, role=Role.RESIDENT, node=w.grid_a1)
            for u in users
        ]
    )
    accounts = PointsAccount.objects.bulk_create(
        [PointsAccount(street=w.street, user=u, name=u.display_name) for u in users]
    )
    PointEntry.objects.bulk_create(
        [
            PointEntry(
                street=w.street,
                account=a,
                kind=EntryKind.CORRECT,
                points=points,
                at=T0,
                source=f"seed:{a.pk}",
                reason="补录",
            )
            for a in accounts
        ]
    )
    return list(zip(users, accounts, strict=True))


def test_500_residents_at_once_on_50_in_stock_get_exactly_50(pts):
    w = pts
    StoreItem.objects.filter(pk=w.towel.pk).update(stock=50)
    people = residents_with_points(w, 500, 100)
    results = all_at_once(
        [lambda u=u, a=a: redeem(actor=u, account=a, item=w.towel, reserve=True) for u, a in people]
    )
    won = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 50 and len(refused) == 450, {type(r).__name__ for r in results}
    assert {r.code for r in refused} == {"out_of_stock"}
    assert all("毛巾" in r.message for r in refused)
    assert StoreItem.objects.get(pk=w.towel.pk).stock == 0
    assert Redemption.objects.filter(item=w.towel).count() == 50
    assert len({r.pickup_code for r in won}) == 50
    winners = {r.account_id for r in won}
    for _u, a in people:
        assert balance(a) == (85 if a.pk in winners else 100)
    debits = PointEntry.objects.filter(kind=EntryKind.REDEEM).aggregate(n=Sum("points"))["n"]
    assert debits == -50 * 15


def test_one_resident_spending_at_once_never_overdraws(pts):
    w = pts
    give(w, w.zhou_acct, 45)  # three towels' worth
    results = all_at_once(
        [
            lambda: redeem(actor=w.resident_user, account=w.zhou_acct, item=w.towel, reserve=True)
            for _ in range(20)
        ],
        workers=20,
    )
    assert sum(isinstance(r, Redemption) for r in results) == 3
    refused = [r for r in results if not isinstance(r, Redemption)]
    assert all(isinstance(r, Conflict) and r.code == "insufficient_points" for r in refused)
    assert balance(w.zhou_acct) == 0
    assert StoreItem.objects.get(pk=w.towel.pk).stock == 7
