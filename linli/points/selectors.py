"""Reads of points: balances (the last statement plus the entries after it), an account's
ledger, the street's figures, the store. Every user-visible read starts from the scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from linli.grids import permissions as perms

from . import permissions as p
from .models import (
    LIVE_REDEMPTIONS,
    EntryKind,
    Period,
    PointEntry,
    PointsAccount,
    Redemption,
    Statement,
    StockIn,
    StockSource,
    StoreItem,
)


def _last_statement(account: PointsAccount) -> Statement | None:
    return (
        Statement.objects.filter(account=account)
        .select_related("period")
        .order_by("-period__ends_at")
        .first()
    )


def balance(account: PointsAccount, at: dt.datetime | None = None) -> int:
    """The account's points: its last statement's balance plus every entry after that
    period (two indexed reads, however long the ledger)."""
    last = _last_statement(account)
    entries = PointEntry.objects.filter(account=account)
    if last is not None:
        entries = entries.filter(at__gte=last.period.ends_at)
    if at is not None:
        entries = entries.filter(at__lte=at)
    return (last.balance if last else 0) + (entries.aggregate(n=Sum("points"))["n"] or 0)


@dataclass
class BalanceParts:
    """What a balance is made of: the balance carried at the last settlement, then the
    entries since, summed by kind (spending and expiry are negative)."""

    carried: int = 0
    settled_until: dt.datetime | None = None
    earned: int = 0
    redeemed: int = 0
    refunded: int = 0
    expired: int = 0
    corrected: int = 0

    @property
    def balance(self) -> int:
        return (
            self.carried
            + self.earned
            + self.redeemed
            + self.refunded
            + self.expired
            + self.corrected
        )


_PART_OF_KIND = {
    EntryKind.AWARD: "earned",
    EntryKind.REDEEM: "redeemed",
    EntryKind.REFUND: "refunded",
    EntryKind.EXPIRE: "expired",
    EntryKind.CORRECT: "corrected",
}


def balance_parts(account: PointsAccount) -> BalanceParts:
    """``balance`` taken apart (the same two reads, the entries grouped by kind)."""
    last = _last_statement(account)
    out = BalanceParts()
    entries = PointEntry.objects.filter(account=account)
    if last is not None:
        out.carried, out.settled_until = last.balance, last.period.ends_at
        entries = entries.filter(at__gte=last.period.ends_at)
    for kind, n in entries.order_by().values_list("kind").annotate(n=Sum("points")):
        part = _PART_OF_KIND[EntryKind(kind)]
        setattr(out, part, getattr(out, part) + n)
    return out


def my_account(actor, street_id: int | None = None) -> PointsAccount | None:
    """The actor's own account (of ``street_id``, or of their only street)."""
    qs = perms.filter_to_scope(PointsAccount.objects.all(), actor, p.VIEW_OWN)
    if street_id is not None:
        qs = qs.filter(street_id=street_id)
    return qs.order_by("id").first()


def account_get(actor, pk: int, action: str = p.VIEW) -> PointsAccount:
    return perms.get_in_scope(PointsAccount.objects.all(), actor, action, pk=pk)


def entries(account: PointsAccount) -> QuerySet[PointEntry]:
    """The account's ledger, newest first (page it with core.paging)."""
    return PointEntry.objects.filter(account=account).select_related("rule")


def accounts(actor, q: str = "") -> QuerySet[PointsAccount]:
    """Accounts the actor may see at the counter, by name or the last four digits of the
    resident's phone."""
    qs = perms.filter_to_scope(PointsAccount.objects.all(), actor, p.VIEW)
    q = q.strip()
    if q.isdigit() and len(q) == 4:
        qs = qs.filter(resident__phone_last4=q)
    elif q:
        qs = qs.filter(name__icontains=q)
    return qs.select_related("resident__household__dwelling").order_by("name", "id")


@dataclass
class StreetFigures:
    issued: int = 0
    redeemed: int = 0
    expired: int = 0
    corrected: int = 0
    outstanding: int = 0
    as_of: dt.datetime | None = None
    settled_until: dt.datetime | None = None


def street_figures(street_id: int, now: dt.datetime | None = None) -> StreetFigures:
    """Points issued, redeemed, expired and outstanding in the street: the settled periods'
    totals plus one grouped sum over the entries since the last one."""
    now = now or timezone.now()
    settled = Period.objects.filter(street_id=street_id, settled_at__isnull=False)
    last = settled.order_by("-ends_at").first()
    totals = settled.aggregate(
        issued=Sum("issued"),
        redeemed=Sum("redeemed"),
        expired=Sum("expired"),
        corrected=Sum("corrected"),
    )
    out = StreetFigures(
        **{k: v or 0 for k, v in totals.items()},
        outstanding=last.outstanding if last else 0,
        as_of=now,
        settled_until=last.ends_at if last else None,
    )
    recent = PointEntry.objects.filter(street_id=street_id)
    if last is not None:
        recent = recent.filter(at__gte=last.ends_at)
    for kind, n in recent.order_by().values_list("kind").annotate(n=Sum("points")):
        if kind == EntryKind.AWARD:
            out.issued += n
        elif kind == EntryKind.REDEEM:
            out.redeemed -= n
        elif kind == EntryKind.EXPIRE:
            out.expired -= n
        else:
            out.corrected += n
        out.outstanding += n
    return out


def shelf(street_id: int) -> QuerySet[StoreItem]:
    """What residents see in the store: items on the shelf."""
    return StoreItem.objects.filter(street_id=street_id, on_shelf=True).order_by(
        "order", "price", "id"
    )


def item_with_photo(actor, pk: int) -> StoreItem | None:
    return (
        StoreItem.objects.filter(pk=pk, street_id__in=perms.streets(actor))
        .exclude(photo="")
        .first()
    )


def store_street(actor) -> int:
    """The street whose store the actor shops in (404 for someone who may not redeem)."""
    found = perms.streets(actor, p.REDEEM)
    if not found:
        raise Http404
    return min(found)


@dataclass
class ShelfItem:
    item: StoreItem
    limit_left: int | None  # what the per-person limit still allows (None: no limit)
    may_take: int  # how many the person could reserve now: stock, balance and limit allowing


@dataclass
class Shelf:
    """The store as one person sees it: the items on the shelf of their street."""

    street_id: int
    account: PointsAccount | None
    balance: int
    items: list[ShelfItem]


def my_shelf(actor) -> Shelf:
    street_id = store_street(actor)
    account = my_account(actor, street_id)
    have = balance(account) if account is not None else 0
    items = list(shelf(street_id))
    had: dict[int, int] = {}
    if account is not None:
        live = Redemption.objects.filter(
            account=account, item__in=[i.pk for i in items], status__in=LIVE_REDEMPTIONS
        )
        had = dict(live.order_by().values_list("item_id").annotate(n=Sum("quantity")))
    rows = []
    for item in items:
        limit = item.per_person_limit
        left = None if limit is None else max(limit - had.get(item.pk, 0), 0)
        can = [item.stock, have // item.price] + ([] if left is None else [left])
        rows.append(ShelfItem(item, left, min(can)))
    return Shelf(street_id=street_id, account=account, balance=have, items=rows)


def store_item_for(actor, pk: int) -> StoreItem:
    """An item of the actor's store, on the shelf or not (redeeming says which); 404 for an
    item of another street."""
    found = StoreItem.objects.filter(pk=pk, street_id=store_street(actor)).first()
    if found is None:
        raise Http404
    return found


def my_redemption(actor, pk: int) -> Redemption:
    """One of the actor's own redemptions; anyone else's is 404."""
    return perms.get_in_scope(Redemption.objects.select_related("item"), actor, p.VIEW_OWN, pk=pk)


def store_items(actor) -> QuerySet[StoreItem]:
    return perms.filter_to_scope(StoreItem.objects.all(), actor, p.STORE).order_by("order", "id")


@dataclass
class ItemHistory:
    """One item's stock report: what came in (bought, donated) and what went out."""

    item: StoreItem
    stock_ins: list[StockIn]
    redemptions: list[Redemption]
    bought: int
    donated: int
    cost: Decimal
    handed_out: int  # live redemptions: reserved or collected


def item_history(actor, pk: int, limit: int = 100) -> ItemHistory:
    """The item (404 outside the actor's store) with its last ``limit`` stock-ins and
    redemptions and the totals over all of them."""
    item = perms.get_in_scope(StoreItem.objects.all(), actor, p.STORE, pk=pk)
    ins = StockIn.objects.filter(street_id=item.street_id, item=item)
    totals = ins.aggregate(
        bought=Sum("quantity", filter=Q(source=StockSource.PURCHASE)),
        donated=Sum("quantity", filter=Q(source=StockSource.DONATION)),
        cost=Sum(F("cost") * F("quantity")),
    )
    out = Redemption.objects.filter(street_id=item.street_id, item=item)
    return ItemHistory(
        item=item,
        stock_ins=list(ins.select_related("by").order_by("-at", "-id")[:limit]),
        redemptions=list(out.select_related("account").order_by("-created_at", "-id")[:limit]),
        bought=totals["bought"] or 0,
        donated=totals["donated"] or 0,
        cost=totals["cost"] or Decimal(0),
        handed_out=out.filter(status__in=LIVE_REDEMPTIONS).aggregate(n=Sum("quantity"))["n"] or 0,
    )


def low_stock(actor, threshold: int = 5) -> QuerySet[StoreItem]:
    return store_items(actor).filter(on_shelf=True, stock__lte=threshold)


def my_redemptions(actor) -> QuerySet[Redemption]:
    return (
        perms.filter_to_scope(Redemption.objects.all(), actor, p.VIEW_OWN)
        .select_related("item")
        .order_by("-created_at", "-id")
    )


def redemptions(actor, *, item: StoreItem | None = None, account: PointsAccount | None = None):
    qs = perms.filter_to_scope(Redemption.objects.all(), actor, p.VIEW).select_related(
        "item", "account"
    )
    if item is not None:
        qs = qs.filter(item=item)
    if account is not None:
        qs = qs.filter(account=account)
    return qs.order_by("-created_at", "-id")


def items_redeemed(
    street_id: int, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> list[tuple[str, int]]:
    """(item, quantity handed over) per item, most first."""
    qs = Redemption.objects.filter(street_id=street_id, status="collected")
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    rows = qs.order_by().values_list("item__name").annotate(n=Sum("quantity")).order_by("-n")
    return [(name, n) for name, n in rows]


def household_accounts(household) -> QuerySet[PointsAccount]:
    return PointsAccount.objects.filter(
        Q(resident__household=household), street_id=household.street_id
    )


def suggestions(street_id: int):
    """What residents asked the store to stock, most votes first."""
    from .models import Suggestion

    return Suggestion.objects.filter(street_id=street_id).order_by("-votes", "-id")
