"""Work orders in the JSON API: ``/api/v1/workorders``.

* ``GET  /workorders``: list with filters (scope as on the pages);
* ``POST /workorders``: intake (multipart form: fields plus up to 9 ``photos``);
* ``POST /workorders/similar``: open requests that look like one about to be filed
  (staff check this before filing, as the intake page does while the form is typed);
* ``GET  /workorders/{id}``: detail with the timeline, ``actions`` allowed now and,
  where merging is allowed, ``duplicate_suggestions``;
* ``POST /workorders/{id}/<action>``, one per action of ``actions.ACTIONS`` (verify,
  dispatch, start, report-back, check, follow-up, close, update, return, merge, reject,
  extend, escalate, withdraw), with the same form fields as the page (multipart or
  url-encoded).

Every action goes through the same form and service as the pages: an order outside the
caller's scope (or one they may not act on) is 404, a status that does not allow the
action is 409 with a message saying why, input that does not fit the form is 422 naming
each field, a refusal by the service is 400 naming the field. ``POST /workorders`` takes
an ``Idempotency-Key`` header: the same key files one request, and a repeat answers it.
Phones are always masked here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils import timezone
from ninja import File, Form, Path, Query, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile
from pydantic import Field

from linli.core.api import ERRORS, MAX_ID, NO_NUL, ErrorOut, Id, PageIn, action_routes, page_slice
from linli.grids import permissions as perms

from . import permissions as p
from . import selectors, services
from .actions import ACTIONS
from .models import Channel, ProxyConsent, WorkOrder
from .workflow import OPEN, Status

router = Router(tags=["workorders"])

ACTION_ERRORS = {**ERRORS, 400: ErrorOut, 409: ErrorOut}
Photos = File[list[UploadedFile]]
Text = Field("", max_length=2000, pattern=NO_NUL)


# --- output ----------------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    name: str


class WorkOrderOut(Schema):
    id: int
    number: str
    status: str
    status_label: str
    channel: str
    category: RefOut
    description: str
    grid: RefOut
    location: str
    public_area: bool
    urgency: str
    reporter: str
    reporter_phone: str  # masked
    response_due: dt.datetime
    resolve_due: dt.datetime
    overdue: bool
    escalation_level: int
    lead_unit: RefOut | None
    in_house: bool
    satisfaction: str
    extension_count: int
    rework_count: int
    merged_into: int | None
    created_at: dt.datetime
    closed_at: dt.datetime | None


class PhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int
    kind: str


class EventOut(Schema):
    at: dt.datetime
    verb: str
    actor: str
    actor_role: str
    from_status: str
    to_status: str
    note: str
    data: dict[str, Any]
    photos: list[PhotoOut]


class AssignmentOut(Schema):
    unit: RefOut
    role: str
    active: bool
    dispatched_at: dt.datetime


class DuplicateOut(Schema):
    id: int
    number: str
    score: float


class WorkOrderDetailOut(WorkOrderOut):
    events: list[EventOut]
    assignments: list[AssignmentOut]
    actions: list[str]
    duplicates: list[int]
    duplicate_suggestions: list[DuplicateOut]


class WorkOrderPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[WorkOrderOut]


def _row(o: WorkOrder, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": o.pk,
        "number": o.number,
        "status": o.status,
        "status_label": str(Status(o.status).label),
        "channel": o.channel,
        "category": {"id": o.category_id, "name": o.category.name},
        "description": o.description,
        "grid": {"id": o.grid_id, "name": o.grid.name},
        "location": o.location_display,
        "public_area": o.public_area,
        "urgency": o.urgency,
        "reporter": o.reporter_display,
        "reporter_phone": o.reporter_phone_masked,
        "response_due": o.response_due,
        "resolve_due": o.resolve_due,
        "overdue": o.status in OPEN and o.resolve_due < now,
        "escalation_level": o.escalation_level,
        "lead_unit": {"id": o.lead_unit_id, "name": o.lead_unit.name} if o.lead_unit_id else None,
        "in_house": o.in_house,
        "satisfaction": o.satisfaction,
        "extension_count": o.extension_count,
        "rework_count": o.rework_count,
        "merged_into": o.merged_into_id,
        "created_at": o.created_at,
        "closed_at": o.closed_at,
    }


def _photo(p) -> dict[str, Any]:
    return {"id": p.pk, "url": p.image.url, "width": p.width, "height": p.height, "kind": p.kind}


def _suggestions(request, order: WorkOrder) -> list[dict[str, Any]]:
    found = selectors.duplicate_suggestions(actor=request.user, order=order)
    return [{"id": s.pk, "number": s.number, "score": s.score} for s in found]


def _detail(request, pk: int) -> dict[str, Any]:
    d = selectors.workorder_detail(actor=request.user, pk=pk)
    out = _row(d.order, timezone.now())
    out["events"] = [
        {
            "at": e.at,
            "verb": e.verb,
            "actor": str(e.actor) if e.actor_id else "",
            "actor_role": e.actor_role,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "note": e.note,
            "data": e.data,
            "photos": [_photo(p) for p in e.photo_list],
        }
        for e in d.events
    ]
    out["assignments"] = [
        {
            "unit": {"id": a.unit_id, "name": a.unit.name},
            "role": a.role,
            "active": a.active,
            "dispatched_at": a.dispatched_at,
        }
        for a in d.assignments
    ]
    out["actions"] = [t.name.replace("_", "-") for t in d.actions]
    out["duplicates"] = [o.pk for o in d.duplicates]
    merging = "merge" in d.action_names
    out["duplicate_suggestions"] = _suggestions(request, d.order) if merging else []
    return out


# --- list, create, detail --------------------------------------------------------------------


class ListFilters(Schema):
    node: Id | None = Field(None, description="grid node id: its whole subtree")
    category: Id | None = None
    status: Status | None = None
    open: bool = Field(False, description="only open orders")
    unit: Id | None = Field(None, description="dispatched to this unit")
    channel: Channel | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    overdue: bool = False
    number: str = Field("", max_length=24, pattern=NO_NUL)


@router.get("", response={200: WorkOrderPage, **ERRORS})
def workorder_list(request, paging: Query[PageIn], filters: Query[ListFilters]):
    """Work orders you may see: your grids, your unit's dispatched work, or your own requests."""
    perms.require(request.user, p.VIEW)
    refs = selectors.resolve_refs(
        actor=request.user, grid=filters.node, category=filters.category, unit=filters.unit
    )
    qs = selectors.workorder_list(
        actor=request.user,
        filters=selectors.WorkOrderFilters(
            node=refs["grid"],
            category=refs["category"],
            status=filters.status,
            open_only=filters.open,
            unit=refs["unit"],
            channel=filters.channel,
            created_from=filters.created_from,
            created_to=filters.created_to,
            overdue=filters.overdue,
            number=filters.number,
        ),
    )
    page = page_slice(qs, paging)
    now = timezone.now()
    page["items"] = [_row(o, now) for o in page.pop("rows")]
    return page


class RequestIn(Schema):
    """What a request is about and where: the fields intake and ``/similar`` share."""

    category: Id
    description: str = Field(..., max_length=2000, pattern=NO_NUL)
    dwelling: Id | None = None
    building: Id | None = None
    compound: Id | None = None
    grid: Id | None = None


def _request_refs(request, payload: RequestIn, **more) -> dict:
    return selectors.resolve_refs(
        actor=request.user,
        category=payload.category,
        dwelling=payload.dwelling,
        building=payload.building,
        compound=payload.compound,
        grid=payload.grid,
        **more,
    )


class IntakeIn(RequestIn):
    channel: Channel
    location_text: str = Field("", max_length=200, pattern=NO_NUL)
    reporter_resident: Id | None = None
    reporter_name: str = Field("", max_length=60, pattern=NO_NUL)
    reporter_phone: str = Field("", max_length=30, pattern=NO_NUL)
    urgency: Literal["normal", "urgent"] | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    proxy_consent: ProxyConsent | None = Field(
        None, description="帮办代办: how the resident agreed that staff file it for them"
    )
    proxy_present: str = Field(
        "", max_length=200, pattern=NO_NUL, description="帮办代办: who was present"
    )


@router.post("", response={201: WorkOrderOut, **ACTION_ERRORS})
def workorder_create(request, payload: Form[IntakeIn], photos: Photos = None):
    """Register a request (受理). Residents use channel ``self_service``; staff the others.

    The answer is the new order; its detail (GET) has the timeline and, for staff who may
    merge, open requests that look like duplicates of it. To avoid filing a duplicate,
    ask ``POST /similar`` first. Send an ``Idempotency-Key`` header to retry safely: the
    same key answers the order it filed the first time.
    """
    refs = _request_refs(request, payload, reporter_resident=payload.reporter_resident)
    order = services.workorder_intake(
        actor=request.user,
        channel=payload.channel,
        description=payload.description,
        location_text=payload.location_text,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        urgency=payload.urgency,
        latitude=_decimal(payload.latitude),
        longitude=_decimal(payload.longitude),
        photos=photos or [],
        proxy_consent=payload.proxy_consent or "",
        proxy_present=payload.proxy_present,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        **refs,
    )
    return Reply(201, _row(order, timezone.now()))


class SimilarIn(RequestIn):
    description: str = Field(..., min_length=1, max_length=2000, pattern=NO_NUL)


@router.post("/similar", response={200: list[DuplicateOut], **ACTION_ERRORS})
def workorder_similar(request, payload: Form[SimilarIn]):
    """Open requests of the same category and place, with similar text, that a request
    about to be filed would duplicate (best first, scored 0..1; only orders you may see).

    The place is given as for intake. A POST, so the resident's words stay out of URLs.
    """
    perms.require(request.user, p.INTAKE)
    refs = _request_refs(request, payload)
    category = refs.pop("category")
    probe = selectors.unfiled_order(
        category=category, description=payload.description, place=selectors.resolve_place(**refs)
    )
    return _suggestions(request, probe)


def _decimal(value: float | None):
    return None if value is None else round(value, 6)


@router.get("/{id}", response={200: WorkOrderDetailOut, **ERRORS})
def workorder_detail(request, id: int = Path(..., ge=1, le=MAX_ID)):
    """One order with its timeline; ``actions`` lists what you may do now."""
    return _detail(request, id)


# --- actions ---------------------------------------------------------------------------------

action_routes(
    router,
    ACTIONS,
    context=lambda request, pk: selectors.workorder_detail(actor=request.user, pk=pk),
    answer=_detail,
    response={200: WorkOrderDetailOut, **ACTION_ERRORS},
    prefix="workorder",
)
