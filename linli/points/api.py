"""Points and the points store in the JSON API: ``/api/v1/points`` and ``/api/v1/store``.

* ``GET  /points/balance``: your balance and what it is made of (the balance carried at
  the last settlement plus the entries since, by kind);
* ``GET  /points/entries``: your ledger, newest first, paged;
* ``GET  /store/items``: what is on the shelf in your street, with the price, the stock,
  the per-person limit and how many you may still take;
* ``POST /store/items/{id}/redeem``: reserve goods (积分兑换), 201 with the pickup code;
  409 with the reason when out of stock, the balance is too low or the per-person limit
  is reached; ``Idempotency-Key`` makes a retry answer the first reservation;
* ``GET  /store/redemptions``: your redemptions, newest first, paged;
* ``POST /store/redemptions/{id}/cancel``: cancel your own reservation; the goods and the
  points go back.

These are a person's own: someone else's redemption is 404, and a role without points of
its own (staff at the counter use the pages) gets 404 too. Refusals change nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from ninja import Form, Path, Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from linli.core.api import ERRORS, MAX_ID, NO_NUL, ErrorOut, InputSchema, PageIn, page_slice
from linli.grids import permissions as perms

from . import permissions as p
from . import selectors, services
from .models import EntryKind, PointEntry, Redemption, RedemptionState

router = Router(tags=["points"])
store_router = Router(tags=["points store"])

ACTION_ERRORS = {**ERRORS, 400: ErrorOut, 409: ErrorOut}


# --- points ----------------------------------------------------------------------------------


class BalanceOut(Schema):
    """``balance`` = ``carried`` + ``earned`` + ``redeemed`` + ``refunded`` + ``expired`` +
    ``corrected`` (spending and expiry are negative); ``carried`` is the balance at the last
    settlement (``settled_until``), the others sum the entries since."""

    account: int | None
    name: str
    balance: int
    carried: int
    settled_until: dt.datetime | None
    earned: int
    redeemed: int
    refunded: int
    expired: int
    corrected: int


class EntryOut(Schema):
    id: int
    kind: str
    kind_label: str
    points: int  # + earned, − spent
    at: dt.datetime
    reason: str
    expires_at: dt.datetime | None


class EntryPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[EntryOut]


def _entry(e: PointEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": e.kind,
        "kind_label": str(EntryKind(e.kind).label),
        "points": e.points,
        "at": e.at,
        "reason": e.reason,
        "expires_at": e.expires_at,
    }


@router.get("/balance", response={200: BalanceOut, **ERRORS})
def points_balance(request):
    """Your points (0 before you earn any) and what they are made of."""
    perms.require(request.user, p.VIEW_OWN)
    account = selectors.my_account(request.user)
    parts = selectors.balance_parts(account) if account else selectors.BalanceParts()
    return {
        "account": account.pk if account else None,
        "name": account.name if account else "",
        "balance": parts.balance,
        "carried": parts.carried,
        "settled_until": parts.settled_until,
        "earned": parts.earned,
        "redeemed": parts.redeemed,
        "refunded": parts.refunded,
        "expired": parts.expired,
        "corrected": parts.corrected,
    }


@router.get("/entries", response={200: EntryPage, **ERRORS})
def points_entries(request, paging: Query[PageIn]):
    """Your ledger: what earned and spent your points, newest first."""
    perms.require(request.user, p.VIEW_OWN)
    account = selectors.my_account(request.user)
    rows: QuerySet[PointEntry] | list[PointEntry] = []
    if account is not None:
        rows = selectors.entries(account).order_by("-at", "-id")
    page = page_slice(rows, paging)
    page["items"] = [_entry(e) for e in page.pop("rows")]
    return page


# --- the store -------------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    name: str
    description: str
    photo: str  # URL, or empty
    price: int  # points each
    stock: int
    per_person_limit: int | None  # None: no limit
    limit_left: int | None  # what the limit still allows you (None: no limit)
    may_take: int  # how many you could reserve now: stock, balance and limit allowing


class ShelfOut(Schema):
    balance: int
    count: int
    page: int
    page_size: int
    items: list[ItemOut]


class RedemptionOut(Schema):
    id: int
    item: dict[str, Any]  # {"id", "name"}
    quantity: int
    points: int
    status: str
    status_label: str
    pickup_code: str  # show it at the store to collect; empty once collected or ended
    created_at: dt.datetime
    collected_at: dt.datetime | None
    ended_at: dt.datetime | None


class RedemptionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[RedemptionOut]


def _item(row: selectors.ShelfItem) -> dict[str, Any]:
    i = row.item
    return {
        "id": i.pk,
        "name": i.name,
        "description": i.description,
        "photo": i.photo.url if i.photo else "",
        "price": i.price,
        "stock": i.stock,
        "per_person_limit": i.per_person_limit,
        "limit_left": row.limit_left,
        "may_take": row.may_take,
    }


def _redemption(r: Redemption) -> dict[str, Any]:
    return {
        "id": r.pk,
        "item": {"id": r.item_id, "name": r.item.name},
        "quantity": r.quantity,
        "points": r.points,
        "status": r.status,
        "status_label": str(RedemptionState(r.status).label),
        "pickup_code": r.pickup_code if r.status == RedemptionState.RESERVED else "",
        "created_at": r.created_at,
        "collected_at": r.collected_at,
        "ended_at": r.ended_at,
    }


@store_router.get("/items", response={200: ShelfOut, **ERRORS})
def store_items(request, paging: Query[PageIn]):
    """积分超市: the items on the shelf in your street, with your balance."""
    shelf = selectors.my_shelf(request.user)
    page = page_slice(shelf.items, paging)
    page["items"] = [_item(i) for i in page.pop("rows")]
    return {"balance": shelf.balance, **page}


class RedeemIn(InputSchema):
    quantity: int = Field(1, ge=1, le=100, description="how many (1 to 100)")


@store_router.post("/items/{id}/redeem", response={201: RedemptionOut, **ACTION_ERRORS})
def store_redeem(
    request,
    payload: Form[RedeemIn],
    id: int = Path(..., ge=1, le=MAX_ID),
):
    """Reserve goods with your points; collect them at the store with the pickup code.
    409 with the reason (out of stock, not enough points, the per-person limit, off the
    shelf); nothing changes then."""
    perms.require(request.user, p.REDEEM)
    item = selectors.store_item_for(request.user, id)
    redemption = services.reserve(
        actor=request.user,
        street_id=item.street_id,
        item=item,
        quantity=payload.quantity,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Reply(201, _redemption(redemption))


@store_router.get("/redemptions", response={200: RedemptionPage, **ERRORS})
def store_redemptions(request, paging: Query[PageIn]):
    """Your redemptions and reservations, newest first."""
    perms.require(request.user, p.VIEW_OWN)
    page = page_slice(selectors.my_redemptions(request.user), paging)
    page["items"] = [_redemption(r) for r in page.pop("rows")]
    return page


class CancelIn(InputSchema):
    reason: str = Field("", max_length=200, pattern=NO_NUL)


@store_router.post("/redemptions/{id}/cancel", response={200: RedemptionOut, **ACTION_ERRORS})
def store_cancel(
    request,
    payload: Form[CancelIn],
    id: int = Path(..., ge=1, le=MAX_ID),
):
    """Cancel your reservation before collecting it: the goods go back on the shelf and the
    points to your account. A redemption already collected or ended is 409."""
    redemption = selectors.my_redemption(request.user, id)
    done = services.redemption_cancel(
        actor=request.user, redemption=redemption, reason=payload.reason
    )
    return _redemption(done)
