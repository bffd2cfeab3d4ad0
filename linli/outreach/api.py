"""Distributions and drills in the JSON API: ``/api/v1/distributions`` and ``/api/v1/drills``.

* ``GET  /distributions``: the distributions you may see, newest first, each with its
  coverage over your area (``handed``, ``refused``, ``not_home``, ``households``,
  ``percent``);
* ``GET  /distributions/{id}``: the same with the coverage by grid and the ``actions``
  allowed now;
* ``POST /distributions/{id}/handouts``: record a visit at a household's door
  (``household``, ``outcome`` handed / refused / not_home, ``quantity``, ``recipient``,
  ``note``; the visit form of the phone page). 201 with the visit. 404: the distribution
  or household is not yours; 400: a household outside its grids; 409: it is not running,
  the stock is used up, or the household already received it. Send an ``Idempotency-Key``
  header (or the form's ``form_token``) to retry safely: the same key records one visit;
* ``POST /distributions/{id}/open`` and ``/close`` (``actions.DISTRIBUTION_ACTIONS``);
* ``GET  /drills`` (``status``, ``kind``, ``year``), ``GET /drills/{id}``;
* ``POST /drills``: plan one (the plan page's form); ``POST /drills/{id}/hold`` (attendance,
  residents named, note, photos) and ``/cancel`` (a reason).

An illegal step is 409 with the reason; nothing changes on a refusal. No ID numbers or
phones are given: households are named by their address.
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
    PageIn,
    action_routes,
    form_request_body,
    page_slice,
)
from linli.core.errors import InvalidForm
from linli.grids import permissions as perms

from . import forms as f
from . import permissions as p
from . import selectors, services
from .actions import DISTRIBUTION_ACTIONS, DRILL_ACTIONS
from .models import Distribution, DistributionStatus, Drill, DrillKind, DrillStatus, Visit

router = Router(tags=["distributions"])
drills_router = Router(tags=["drills"])

ACTION_ERRORS = {**ERRORS, 400: ErrorOut, 409: ErrorOut}


class CoverageOut(Schema):
    households: int
    handed: int
    refused: int
    not_home: int  # visited with nobody at home, not yet answered
    not_visited: int
    percent: float  # households handed over, of all


class PlaceCoverageOut(CoverageOut):
    id: int
    name: str


class DistributionOut(Schema):
    id: int
    name: str
    item: str
    item_label: str
    status: str
    status_label: str
    starts_on: dt.date
    ends_on: dt.date
    stock: int | None
    given: int  # items handed out
    coverage: CoverageOut


class OutreachEventOut(Schema):
    at: dt.datetime
    verb: str
    label: str
    actor: str
    note: str


class DistributionDetailOut(DistributionOut):
    note: str
    grids: list[PlaceCoverageOut]
    actions: list[str]
    events: list[OutreachEventOut]


class DistributionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DistributionOut]


class VisitOut(Schema):
    id: int
    household: int
    address: str
    outcome: str
    outcome_label: str
    quantity: int
    recipient: str
    note: str
    at: dt.datetime


def _cov(t: selectors.Tally) -> dict[str, Any]:
    return {"households": t.total, "handed": t.handed, "refused": t.refused,
            "not_home": t.not_home, "not_visited": t.never, "percent": t.percent}  # fmt: skip


def _row(d: Distribution, t: selectors.Tally) -> dict[str, Any]:
    return {
        "id": d.pk, "name": d.name, "item": d.item, "item_label": d.item_label,
        "status": d.status, "status_label": str(DistributionStatus(d.status).label),
        "starts_on": d.starts_on, "ends_on": d.ends_on, "stock": d.stock, "given": d.given,
        "coverage": _cov(t),
    }  # fmt: skip


def _events(events) -> list[dict[str, Any]]:
    return [{"at": e.at, "verb": e.verb, "label": getattr(e, "label", e.verb),
             "actor": str(e.actor) if e.actor_id else "", "note": e.note} for e in events]  # fmt: skip


def _detail(request, pk: int) -> dict[str, Any]:
    d = selectors.distribution_detail(actor=request.user, pk=pk)
    out = _row(d.distribution, d.coverage.total)
    out["note"] = d.distribution.note
    out["grids"] = [{"id": t.key, "name": t.label, **_cov(t)} for t in d.coverage.rows]
    out["actions"] = (["handouts"] if d.can_record else []) + [
        a.slug for a in DISTRIBUTION_ACTIONS.offered(d)
    ]
    out["events"] = _events(d.events)
    return out


class DistributionFilters(Schema):
    status: DistributionStatus | None = None


@router.get("", response={200: DistributionPage, **ERRORS})
def distribution_list(request, paging: Query[PageIn], filters: Query[DistributionFilters]):
    """Distributions you may see, newest first, with their coverage over your area."""
    page = page_slice(selectors.distributions(request.user, status=filters.status or ""), paging)
    rows = page.pop("rows")
    totals = selectors.totals_for(request.user, rows)
    page["items"] = [_row(d, totals[d.pk]) for d in rows]
    return page


@router.get("/{id}", response={200: DistributionDetailOut, **ERRORS})
def distribution_detail(request, id: int = Path(..., ge=1, le=MAX_ID)):
    """One distribution: coverage by grid and the ``actions`` you may take now
    (``handouts``: you may record visits)."""
    return _detail(request, id)


@router.post(
    "/{id}/handouts",
    response={201: VisitOut, **ACTION_ERRORS},
    openapi_extra={"requestBody": form_request_body(f.VisitForm)},
)
def handout_record(request, id: int = Path(..., ge=1, le=MAX_ID)):
    """Record a visit at a household's door (form post). 409 when the household already
    received it, the distribution is not running or the stock is used up."""
    d = selectors.distribution_get(request.user, id, p.RECORD)
    form = f.VisitForm(request.POST)
    if not form.is_valid():
        raise InvalidForm.from_form(form)
    data = form.cleaned_data
    visit: Visit = services.visit_record(
        actor=request.user, distribution=d, household=data["household"],
        outcome=data["outcome"], quantity=data["quantity"] or 1, recipient=data["recipient"],
        note=data["note"],
        idempotency_key=request.headers.get("Idempotency-Key", "") or data["form_token"],
    )  # fmt: skip
    return Reply(
        201,
        {
            "id": visit.pk, "household": visit.household_id,
            "address": visit.household.dwelling.address, "outcome": visit.outcome,
            "outcome_label": visit.get_outcome_display(), "quantity": visit.quantity,
            "recipient": visit.recipient.name if visit.recipient_id else "", "note": visit.note,
            "at": visit.at,
        },
    )  # fmt: skip


action_routes(
    router,
    DISTRIBUTION_ACTIONS,
    context=lambda request, pk: selectors.distribution_detail(actor=request.user, pk=pk),
    answer=_detail,
    response={200: DistributionDetailOut, **ACTION_ERRORS},
    prefix="distribution",
)


# --- drills ---------------------------------------------------------------------------------


class DrillRefOut(Schema):
    id: int
    name: str


class DrillOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    date: dt.date
    place: str
    topic: str
    held_by: DrillRefOut
    enterprises: list[DrillRefOut]
    attendance: int | None


class DrillDetailOut(DrillOut):
    residents_named: list[str]  # staff of the area only
    actions: list[str]
    events: list[OutreachEventOut]


class DrillPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DrillOut]


def _drill(d: Drill) -> dict[str, Any]:
    return {
        "id": d.pk, "kind": d.kind, "kind_label": str(DrillKind(d.kind).label),
        "status": d.status, "status_label": str(DrillStatus(d.status).label), "date": d.date,
        "place": d.place, "topic": d.topic, "held_by": {"id": d.node_id, "name": d.node.name},
        "enterprises": [{"id": u.pk, "name": u.name} for u in d.units.all()],
        "attendance": d.attendance,
    }  # fmt: skip


def _drill_detail(request, pk: int) -> dict[str, Any]:
    d = selectors.drill_detail(actor=request.user, pk=pk)
    out = _drill(d.drill)
    out["residents_named"] = [a.resident.name for a in d.attendees]
    out["actions"] = [a.slug for a in DRILL_ACTIONS.offered(d)]
    out["events"] = _events(d.events)
    return out


class DrillFilters(Schema):
    status: DrillStatus | None = None
    kind: DrillKind | None = None
    year: int | None = Field(None, ge=2000, le=2100)


@drills_router.get("", response={200: DrillPage, **ERRORS})
def drill_list(request, paging: Query[PageIn], filters: Query[DrillFilters]):
    """Drills and trainings you may see (staff: their area; unit staff: their enterprise's),
    latest date first."""
    qs = selectors.drills(
        request.user, status=filters.status or "", kind=filters.kind or "", year=filters.year
    ).order_by("-date", "-id")
    page = page_slice(qs, paging)
    page["items"] = [_drill(d) for d in page.pop("rows")]
    return page


@drills_router.post(
    "",
    response={201: DrillDetailOut, **ACTION_ERRORS},
    openapi_extra={"requestBody": form_request_body(f.DrillForm)},
)
def drill_create(request):
    """Plan a drill or training (form post): ``kind``, ``node`` (the grid, neighbourhood or
    street holding it), ``date`` (today or later), ``place``, ``topic``, ``units``
    (enterprises, optional). ``Idempotency-Key`` makes a retry answer the first."""
    actor = request.user
    perms.require(actor, p.MANAGE)
    form = f.DrillForm(
        request.POST, nodes=selectors.drill_nodes(actor),
        units=selectors.enterprises(perms.streets(actor, p.MANAGE)),
    )  # fmt: skip
    if not form.is_valid():
        raise InvalidForm.from_form(form)
    data = form.cleaned_data
    drill = services.drill_plan(
        actor=actor, kind=data["kind"], node=form.nodes[data["node"]], date=data["date"],
        place=data["place"], topic=data["topic"], units=form.chosen_units(),
        idempotency_key=request.headers.get("Idempotency-Key", "") or data["form_token"],
    )  # fmt: skip
    return Reply(201, _drill_detail(request, drill.pk))


@drills_router.get("/{id}", response={200: DrillDetailOut, **ERRORS})
def drill_detail(request, id: int = Path(..., ge=1, le=MAX_ID)):
    """One drill or training with what you may do now (``hold``, ``cancel``)."""
    return _drill_detail(request, id)


action_routes(
    drills_router,
    DRILL_ACTIONS,
    context=lambda request, pk: selectors.drill_detail(actor=request.user, pk=pk),
    answer=_drill_detail,
    response={200: DrillDetailOut, **ACTION_ERRORS},
    prefix="drill",
)
