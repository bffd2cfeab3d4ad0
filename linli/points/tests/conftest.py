"""Points fixtures on top of the canonical world: the street's standard, two accounts
(周美华 the resident who logs in, and the street's volunteer), a towel on the shelf, and
helpers to read the ledger as a whole."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import Sum
from django.utils import timezone

from linli.points import selectors
from linli.points import services as points
from linli.points.models import (
    EarnKind,
    Period,
    PointEntry,
    Redemption,
    Statement,
    StockSource,
    StoreItem,
)

T0 = timezone.make_aware(dt.datetime(2026, 3, 10, 10, 0))
DAY = dt.timedelta(days=1)
HAN = re.compile(r"[\u4e00-\u9fff]")


def chinese(message: str) -> bool:
    """The refusal reads in Chinese (the default language)."""
    return bool(HAN.search(str(message)))


@pytest.fixture
def pts(world):
    """``world`` plus: the civilisation-practice line (10 points, from 60 days before T0),
    accounts ``zhou`` (resident with a login) and ``vol`` (the volunteer), and 毛巾 (towel,
    15 points, 10 in stock)."""
    w = world
    w.rule = points.rule_publish(
        actor=w.admin, street_id=w.street.pk, kind=EarnKind.CIVILISATION, points=10,
        at=T0 - 60 * DAY,
    )  # fmt: skip
    w.zhou_acct = points.account_for(street_id=w.street.pk, resident=w.zhou)
    w.vol_acct = points.account_for(street_id=w.street.pk, user=w.volunteer)
    w.towel = points.item_save(actor=w.admin, street_id=w.street.pk, name="毛巾", price=15)
    points.stock_in(
        actor=w.admin, item=w.towel, quantity=10, source=StockSource.DONATION, donor="慧海物业"
    )
    w.towel.refresh_from_db()
    return w


def award(w, account, source: str, at=None, kind=EarnKind.CIVILISATION, units=1):
    return points.earn(
        account=account, kind=kind, source=source, at=at or T0, units=units, actor=w.admin
    )


def give(w, account, n: int, at=None):
    """``n`` points onto the account by a correction (a paper record brought in)."""
    return points.adjust(
        actor=w.admin, account=account, points=n, reason="纸质记录补录", at=at or T0
    )


def ledger_sum(account) -> int:
    return PointEntry.objects.filter(account=account).aggregate(n=Sum("points"))["n"] or 0


def snapshot(street_id: int) -> dict:
    """Everything a points write may change, to show a refusal changed nothing."""
    return {
        "entries": list(PointEntry.objects.filter(street_id=street_id).order_by("pk").values()),
        "items": list(StoreItem.objects.filter(street_id=street_id).order_by("pk").values()),
        "redemptions": list(Redemption.objects.filter(street_id=street_id).order_by("pk").values()),
        "periods": list(Period.objects.filter(street_id=street_id).order_by("pk").values()),
        "statements": list(Statement.objects.filter(street_id=street_id).order_by("pk").values()),
    }


def balance(account) -> int:
    return selectors.balance(account)
