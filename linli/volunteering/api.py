"""Volunteer orders in the JSON API: ``/api/v1/orders`` and ``/api/v1/claims``.

* ``GET  /orders``: the orders you may see (staff: their subtree; a volunteer: the open
  orders of their street and the ones they hold a place on; a resident: those for them);
* ``POST /orders``: write an order (staff; the new-order page's form and service; a
  ``?work_order=<id>`` makes it from a resident's request, as the page does);
* ``GET  /orders/{id}``: detail with ``capacity``, ``claimed`` (places taken), the places
  (every volunteer's for staff, your own for a volunteer) and the ``actions`` allowed now;
* ``POST /orders/{id}/claim``: 抢单, 201 with the detail when the place is yours, 409 with
  the reason when the order is full, not open, already yours or not for you;
* ``POST /orders/{id}/<action>``, one per action of ``actions.ORDER_ACTIONS`` (publish,
  confirm: the served resident or staff, with the result 修好/未修好/需转物业 and stars;
  cancel);
* ``GET  /claims``: your places, newest order first;
* ``POST /claims/{id}/<action>``, one per action of ``actions.CLAIM_ACTIONS`` (check-in,
  check-out and withdraw on your own place; remove: staff take a volunteer off). A
  place's id is ``my_place.id`` (or ``places[].id``) in the order's detail.

As for work orders: an order or place outside your scope, or an action that is not yours,
is 404; a status that does not allow it is 409; input that does not fit the form is 422
naming the field; a service's refusal is 400 or 409 with its message. Nothing changes on
a refusal. Phones are masked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Path, Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from linli.core.api import (
    ERRORS,
    MAX_ID,
    ErrorOut,
    Id,
    PageIn,
    action_routes,
    form_request_body,
    page_slice,
)
from linli.core.errors import InvalidForm
from linli.grids import permissions as perms
from linli.workorders.selectors import workorder_get

from . import forms as f
from . import permissions as p
from . import selectors, services
from .actions import CLAIM_ACTIONS, ORDER_ACTIONS, claim_context
from .models import ClaimState, OrderClaim, OrderResult, OrderStatus, Skill, VolunteerOrder

router = Router(tags=["volunteer orders"])
claims_router = Router(tags=["volunteer orders"])

ACTION_ERRORS = {**ERRORS, 400: ErrorOut, 409: ErrorOut}


# --- output ----------------------------------------------------------------------------------


class OrderRefOut(Schema):
    id: int
    name: str


class OrderOut(Schema):
    id: int
    number: str
    title: str
    status: str
    status_label: str
    skill: str
    skill_label: str
    capacity: int  # volunteers needed
    claimed: int  # places taken
    places_left: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    grid: OrderRefOut
    team: OrderRefOut | None
    points: int  # per volunteer, once the result is confirmed
    result: str
    result_label: str
    rating: int | None
    created_at: dt.datetime


class PlaceOut(Schema):
    """One volunteer's place on an order; ``actions`` are what you may do to it now."""

    id: int
    volunteer: str
    status: str
    status_label: str
    claimed_at: dt.datetime
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    actions: list[str]


class ServedResidentOut(Schema):
    id: int
    name: str
    phone: str  # masked


class OrderEventOut(Schema):
    at: dt.datetime
    verb: str
    label: str
    actor: str
    note: str


class OrderDetailOut(OrderOut):
    description: str
    resident: ServedResidentOut | None  # staff only
    work_order: int | None  # staff only
    places: list[PlaceOut]  # every place for staff; a volunteer sees only their own
    my_place: PlaceOut | None
    actions: list[str]  # on the order: claim, publish, confirm, cancel
    events: list[OrderEventOut]


class OrderPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[OrderOut]


class ClaimOut(PlaceOut):
    order: OrderOut


class ClaimPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ClaimOut]


def _ref(obj) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def _row(o: VolunteerOrder) -> dict[str, Any]:
    return {
        "id": o.pk,
        "number": o.number,
        "title": o.title,
        "status": o.status,
        "status_label": str(OrderStatus(o.status).label),
        "skill": o.skill,
        "skill_label": str(Skill(o.skill).label),
        "capacity": o.capacity,
        "claimed": o.taken,
        "places_left": o.places_left,
        "starts_at": o.starts_at,
        "ends_at": o.ends_at,
        "place": o.place or o.grid.name,
        "grid": _ref(o.grid),
        "team": _ref(o.team),
        "points": o.points,
        "result": o.result,
        "result_label": str(OrderResult(o.result).label) if o.result else "",
        "rating": o.rating,
        "created_at": o.created_at,
    }


def _place(actor, c: OrderClaim) -> dict[str, Any]:
    return {
        "id": c.pk,
        "volunteer": c.volunteer.name,
        "status": c.status,
        "status_label": str(ClaimState(c.status).label),
        "claimed_at": c.claimed_at,
        "checked_in_at": c.checked_in_at,
        "checked_out_at": c.checked_out_at,
        "actions": [a.slug for a in CLAIM_ACTIONS.offered(claim_context(actor, c))],
    }


def _detail(request, pk: int) -> dict[str, Any]:
    actor = request.user
    d = selectors.order_detail(actor=actor, pk=pk)
    o = d.order
    out = _row(o)
    out["description"] = o.description
    resident = o.resident if d.staff else None
    out["resident"] = (
        {"id": resident.pk, "name": resident.name, "phone": resident.phone_masked}
        if resident is not None
        else None
    )
    out["work_order"] = o.work_order_id if d.staff else None
    out["places"] = [_place(actor, c) for c in d.claims]
    out["my_place"] = _place(actor, d.my_claim) if d.my_claim is not None else None
    claim = ["claim"] if d.can_claim and o.places_left else []
    out["actions"] = claim + [a.slug for a in ORDER_ACTIONS.offered(d)]
    out["events"] = [
        {
            "at": e.at,
            "verb": e.verb,
            "label": getattr(e, "label", e.verb),  # given by selectors.label_events
            "actor": str(e.actor) if e.actor_id else "",
            "note": e.note,
        }
        for e in d.events
    ]
    return out


# --- list, create, detail, claim -------------------------------------------------------------


class OrderFilters(Schema):
    status: OrderStatus | None = None
    mine: bool = Field(False, description="only orders you hold a place on")


@router.get("", response={200: OrderPage, **ERRORS})
def order_list(request, paging: Query[PageIn], filters: Query[OrderFilters]):
    """Volunteer orders you may see, newest first."""
    qs = selectors.order_list(request.user, status=filters.status or "", mine=filters.mine)
    page = page_slice(qs, paging)
    page["items"] = [_row(o) for o in page.pop("rows")]
    return page


class FromRequest(Schema):
    work_order: Id | None = Field(None, description="the resident's request it is made from")


@router.post(
    "",
    response={201: OrderDetailOut, **ACTION_ERRORS},
    openapi_extra={"requestBody": form_request_body(f.OrderForm)},
)
def order_create(request, source: Query[FromRequest]):
    """Write an order (staff), with the fields of the new-order page (a form post):
    ``publish`` publishes it at once. ``?work_order=<id>`` makes it from a resident's
    request, which gives its place and resident (no ``grid`` then). Send an
    ``Idempotency-Key`` header to retry safely: the same key answers the first order."""
    actor = request.user
    perms.require(actor, p.MANAGE)
    wo = source.work_order
    request_row = workorder_get(actor=actor, pk=wo) if wo else None
    form = f.OrderForm(
        request.POST,
        grids=selectors.order_grids(actor),
        teams=selectors.teams(actor),
        from_request=request_row is not None,
    )
    if not form.is_valid():
        raise InvalidForm.from_form(form)
    order = services.order_create(
        actor=actor,
        work_order=request_row,
        idempotency_key=request.headers.get("Idempotency-Key", "")
        or form.cleaned_data["form_token"],
        **form.order_values(),
    )
    return Reply(201, _detail(request, order.pk))


@router.get("/{id}", response={200: OrderDetailOut, **ERRORS})
def order_detail(request, id: int = Path(..., ge=1, le=MAX_ID)):
    """One order: its places and what you may do now (``actions`` on the order; each
    place's ``actions`` on that place)."""
    return _detail(request, id)


@router.post("/{id}/claim", response={201: OrderDetailOut, **ACTION_ERRORS})
def order_claim(request, id: int = Path(..., ge=1, le=MAX_ID)):
    """抢单: a place on an open order, first come first served. 409 with the reason when
    every place is taken (已被抢完), the order is not open or has started, the place is
    already yours, or the order needs a skill or a team you lack."""
    order = selectors.order_detail(actor=request.user, pk=id).order
    services.order_claim(actor=request.user, order=order)
    return Reply(201, _detail(request, id))


# --- actions ---------------------------------------------------------------------------------

action_routes(
    router,
    ORDER_ACTIONS,
    context=lambda request, pk: selectors.order_detail(actor=request.user, pk=pk),
    answer=_detail,
    response={200: OrderDetailOut, **ACTION_ERRORS},
    prefix="volunteer_order",
)


def _claim(request, pk: int) -> dict[str, Any]:
    claim = selectors.claim_for(request.user, pk)
    return {**_place(request.user, claim), "order": _row(claim.order)}


@claims_router.get("", response={200: ClaimPage, **ERRORS})
def claim_list(request, paging: Query[PageIn]):
    """Your places on volunteer orders, the latest order first."""
    perms.require(request.user, p.SERVE)
    page = page_slice(
        selectors.my_claims(request.user).select_related(
            "order__team", "volunteer__resident", "volunteer__user"
        ),
        paging,
    )
    page["items"] = [{**_place(request.user, c), "order": _row(c.order)} for c in page.pop("rows")]
    return page


def _claim_context(request, pk: int):
    return claim_context(request.user, selectors.claim_for(request.user, pk))


action_routes(
    claims_router,
    CLAIM_ACTIONS,
    context=_claim_context,
    answer=_claim,
    response={200: ClaimOut, **ACTION_ERRORS},
    prefix="volunteer_claim",
)
