"""Reads of points: balances (the last statement plus the entries after it), an account's
ledger, the street's figures, the store. Every user-visible read starts from the scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from linli.grids import permissions as perms

from . import permissions as p
from .models import (
    EntryKind,
    Period,
    PointEntry,
    PointsAccount,
    Redemption,
    Statement,
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
    """Accounts the actor may see at the counter, by name."""
    qs = perms.filter_to_scope(PointsAccount.objects.all(), actor, p.VIEW)
    if q:
        qs = qs.filter(name__icontains=q.strip())
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


def store_items(actor) -> QuerySet[StoreItem]:
    return perms.filter_to_scope(StoreItem.objects.all(), actor, p.STORE).order_by("order", "id")


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
