"""Safety inspections in the JSON API: ``/api/v1/campaigns``, ``/inspections``,
``/hazards`` and ``/notices``.

* ``GET /campaigns``, ``GET /campaigns/{id}`` (with the live figures and the summary
  paragraph), ``POST /campaigns/{id}/<action>`` (start, close, cancel);
* ``GET /inspections``, ``GET /inspections/{id}``; ``POST /inspections?site_kind=&site_id=``
  records one (a form post, as the phone page sends it: ``item_<id>`` = ok / hazard / na
  for every item of the checklist, ``count_<id>``, ``note_<id>``, ``severity_<id>``,
  ``fixed_<id>`` and the photo ``after_<id>`` for a hazard put right on the spot; the
  items are those of ``GET /inspections/checklist?site_kind=&site_id=``). The same
  ``Idempotency-Key`` (or form token) sent twice records one inspection;
* ``GET /hazards``, ``GET /hazards/{id}``, ``POST /hazards?site_kind=&site_id=`` (seen on
  patrol), ``POST /hazards/{id}/<action>`` (fix with a photo, dismiss);
* ``GET /notices``, ``GET /notices/{id}``, ``POST /notices`` (issue: the open hazards of one
  site), ``POST /notices/{id}/<action>`` (acknowledge, reinspect, suspend).

A row outside your scope is 404; a status that does not allow the action is 409 with the
reason; input that does not fit the form is 422 naming the field; a service's refusal is
400. Nothing changes on a refusal. No personal data is in these answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
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
from .actions import (
    CAMPAIGN_ACTIONS,
    CHARGING_ACTIONS,
    HAZARD_ACTIONS,
    NOTICE_ACTIONS,
    charging_context,
)
from .models import Campaign, CampaignStatus, Hazard, HazardStatus, Inspection, Notice, NoticeStatus
from .services import SiteRef

campaigns_router = Router(tags=["safety inspections"])
inspections_router = Router(tags=["safety inspections"])
hazards_router = Router(tags=["safety inspections"])
notices_router = Router(tags=["safety inspections"])

ACTION_ERRORS = {**ERRORS, 400: ErrorOut, 409: ErrorOut}


class SiteOut(Schema):
    kind: str  # compound, rental_site, enterprise, shop, public_area
    kind_label: str
    compound: int | None
    unit: int | None
    place: str
    name: str
    grid: int
    grid_name: str


class SafetyEventOut(Schema):
    at: dt.datetime
    verb: str
    label: str
    actor: str
    note: str


class CampaignOut(Schema):
    id: int
    name: str
    status: str
    status_label: str
    area: str
    starts_on: dt.date
    ends_on: dt.date
    leader: str
    target_kinds: list[str]


class TallyOut(Schema):
    item: str
    checked: int
    hazards: int
    count: int
    unit: str
    text: str  # the item's phrase in the summary ("电动自行车违规停放充电140余辆"), or ""


class CampaignDetailOut(CampaignOut):
    lead_unit: str
    units: list[str]
    sites_inspected: dict[str, int]  # kind → sites
    sites_listed: dict[str, int]
    inspections: int
    night_inspections: int
    reinspections: int
    hazards: int
    fixed_on_the_spot: int
    open_hazards: int
    notices: int
    rectified_on_time: int
    overdue: int
    escalated: int
    suspended: int
    items: list[TallyOut]
    summary: str
    actions: list[str]
    events: list[SafetyEventOut]


class CampaignPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CampaignOut]


class ResultOut(Schema):
    item: str
    result: str
    count: int | None
    note: str


class InspectionOut(Schema):
    id: int
    number: str
    site: SiteOut
    campaign: int | None
    notice: int | None  # a re-inspection (回头看) of this notice
    inspected_at: dt.datetime
    night: bool
    hazards_found: int


class InspectionDetailOut(InspectionOut):
    members: str
    units: list[str]
    note: str
    results: list[ResultOut]
    hazards: list[int]


class InspectionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InspectionOut]


class ChecklistItemOut(Schema):
    id: int
    label: str
    count_unit: str


class HazardOut(Schema):
    id: int
    number: str
    site: SiteOut
    item: str
    description: str
    severity: str
    source: str
    status: str
    status_label: str
    on_the_spot: bool
    notice: int | None
    raised_at: dt.datetime
    fixed_at: dt.datetime | None


class HazardDetailOut(HazardOut):
    inspection: int | None
    actions: list[str]
    events: list[SafetyEventOut]


class HazardPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[HazardOut]


class NoticeOut(Schema):
    id: int
    number: str
    site: SiteOut
    responsible: str
    status: str
    status_label: str
    deadline: dt.date
    reinspect_on: dt.date
    issued_at: dt.datetime
    acknowledged_by: str


class NoticeDetailOut(NoticeOut):
    legal_basis: str
    demand: str
    hazards: list[HazardOut]
    units: list[str]
    actions: list[str]
    events: list[SafetyEventOut]


class NoticePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[NoticeOut]


# --- rows ------------------------------------------------------------------------------------


def _site(row) -> dict[str, Any]:
    return {
        "kind": row.site_kind,
        "kind_label": row.get_site_kind_display(),
        "compound": row.compound_id,
        "unit": row.unit_id,
        "place": row.place,
        "name": row.site_name,
        "grid": row.grid_id,
        "grid_name": row.grid.name,
    }


def _events(events) -> list[dict[str, Any]]:
    return [
        {
            "at": e.at,
            "verb": e.verb,
            "label": getattr(e, "label", e.verb),
            "actor": str(e.actor) if e.actor_id else "",
            "note": e.note,
        }
        for e in events
    ]


def _campaign(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "status": c.status,
        "status_label": str(CampaignStatus(c.status).label),
        "area": c.node.name,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "leader": c.leader,
        "target_kinds": c.target_kinds,
    }


def _campaign_detail(request, pk: int) -> dict[str, Any]:
    d = selectors.campaign_detail(actor=request.user, pk=pk)
    c, r = d.campaign, d.report
    return {
        **_campaign(c),
        "lead_unit": c.lead_unit.name if c.lead_unit else "",
        "units": [u.name for u in c.units.all()],
        "sites_inspected": r.sites,
        "sites_listed": r.targets,
        "inspections": r.inspections,
        "night_inspections": r.night,
        "reinspections": r.reinspections,
        "hazards": r.hazards,
        "fixed_on_the_spot": r.on_the_spot,
        "open_hazards": r.open_hazards,
        "notices": r.notices,
        "rectified_on_time": r.rectified_on_time,
        "overdue": r.overdue,
        "escalated": r.escalated,
        "suspended": r.suspended,
        "items": [
            {
                "item": t.item.label,
                "checked": t.checked,
                "hazards": t.hazards,
                "count": t.count,
                "unit": t.item.count_unit,
                "text": t.text,
            }
            for t in r.items
        ],
        "summary": d.summary,
        "actions": [a.slug for a in CAMPAIGN_ACTIONS.offered(d)],
        "events": _events(d.events),
    }


def _inspection(i: Inspection) -> dict[str, Any]:
    return {
        "id": i.pk,
        "number": i.number,
        "site": _site(i),
        "campaign": i.campaign_id,
        "notice": i.notice_id,
        "inspected_at": i.inspected_at,
        "night": i.night,
        "hazards_found": i.hazards_found,
    }


def _inspection_detail(request, pk: int) -> dict[str, Any]:
    d = selectors.inspection_detail(actor=request.user, pk=pk)
    i = d.inspection
    return {
        **_inspection(i),
        "members": i.members,
        "units": [u.name for u in d.units],
        "note": i.note,
        "hazards": [h.pk for h in d.hazards],
        "results": [
            {"item": r.item.label, "result": r.result, "count": r.count, "note": r.note}
            for r in d.results
        ],
    }


def _hazard(h: Hazard) -> dict[str, Any]:
    return {
        "id": h.pk,
        "number": h.number,
        "site": _site(h),
        "item": h.item.label if h.item else "",
        "description": h.description,
        "severity": h.severity,
        "source": h.source,
        "status": h.status,
        "status_label": str(HazardStatus(h.status).label),
        "on_the_spot": h.on_the_spot,
        "notice": h.notice_id,
        "raised_at": h.raised_at,
        "fixed_at": h.fixed_at,
    }


def _hazard_detail(request, pk: int) -> dict[str, Any]:
    d = selectors.hazard_detail(actor=request.user, pk=pk)
    return {
        **_hazard(d.hazard),
        "inspection": d.hazard.inspection_id,
        "actions": [a.slug for a in HAZARD_ACTIONS.offered(d)],
        "events": _events(d.events),
    }


def _notice(n: Notice) -> dict[str, Any]:
    return {
        "id": n.pk,
        "number": n.number,
        "site": _site(n),
        "responsible": n.responsible,
        "status": n.status,
        "status_label": str(NoticeStatus(n.status).label),
        "deadline": n.deadline,
        "reinspect_on": n.reinspect_on,
        "issued_at": n.issued_at,
        "acknowledged_by": n.acknowledged_by,
    }


def _notice_detail(request, pk: int) -> dict[str, Any]:
    d = selectors.notice_detail(actor=request.user, pk=pk)
    return {
        **_notice(d.notice),
        "legal_basis": d.notice.legal_basis,
        "demand": d.notice.demand,
        "hazards": [_hazard(h) for h in d.hazards],
        "units": [u.name for u in d.units],
        "actions": [a.slug for a in NOTICE_ACTIONS.offered(d)],
        "events": _events(d.events),
    }


class SiteIn(Schema):
    site_kind: str = Field(..., description="compound, unit, or grid (a public area)")
    site_id: int = Field(..., ge=1, le=MAX_ID)
    place: str = Field("", max_length=120, description="the public area's name (site_kind=grid)")
    campaign: int | None = Field(None, ge=1, le=MAX_ID, description="a running campaign")


def _site_in(actor, site: SiteIn, action: str) -> SiteRef:
    if site.site_kind not in ("compound", "unit", "grid"):
        raise Http404
    ref = services.resolve(site.site_kind, site.site_id, site.place)
    services.require_reach(actor, action, ref)
    return ref


def _running(actor, pk: int | None) -> Campaign | None:
    if pk is None:
        return None
    found = selectors.campaigns(actor).filter(pk=pk, status=CampaignStatus.RUNNING).first()
    if found is None:
        raise Http404
    return found


def _key(request, form) -> str:
    return request.headers.get("Idempotency-Key", "") or form.cleaned_data["form_token"]


# --- campaigns -------------------------------------------------------------------------------


class StatusIn(Schema):
    status: str = Field("", description="a status, or open (not yet closed)")


@campaigns_router.get("", response={200: CampaignPage, **ERRORS})
def campaign_list(request, paging: Query[PageIn], filters: Query[StatusIn]):
    """Campaigns in your area, the latest first."""
    perms.require(request.user, p.VIEW)
    qs = selectors.campaigns(request.user).order_by("-starts_on", "-id")
    if filters.status in CampaignStatus.values:
        qs = qs.filter(status=filters.status)
    page = page_slice(qs, paging)
    page["items"] = [_campaign(c) for c in page.pop("rows")]
    return page


@campaigns_router.get("/{id}", response={200: CampaignDetailOut, **ERRORS})
def campaign_detail(request, id: int = Path(..., ge=1, le=MAX_ID)):
    """A campaign with its live figures and the summary paragraph."""
    return _campaign_detail(request, id)


action_routes(
    campaigns_router,
    CAMPAIGN_ACTIONS,
    context=lambda request, pk: selectors.campaign_detail(actor=request.user, pk=pk),
    answer=_campaign_detail,
    response={200: CampaignDetailOut, **ACTION_ERRORS},
    prefix="campaign",
)


# --- inspections -----------------------------------------------------------------------------


@inspections_router.get("", response={200: InspectionPage, **ERRORS})
def inspection_list(request, paging: Query[PageIn]):
    """Inspections in your area, the latest first."""
    perms.require(request.user, p.VIEW)
    page = page_slice(selectors.inspections(request.user).order_by("-inspected_at", "-id"), paging)
    page["items"] = [_inspection(i) for i in page.pop("rows")]
    return page


@inspections_router.get("/checklist", response={200: list[ChecklistItemOut], **ERRORS})
def inspection_checklist(request, site: Query[SiteIn]):
    """The items to fill in for a site (the campaign's checklist, or the street's)."""
    ref = _site_in(request.user, site, p.INSPECT)
    items = services.checklist_items(ref, _running(request.user, site.campaign))
    return [{"id": i.pk, "label": i.label, "count_unit": i.count_unit} for i in items]


@inspections_router.post(
    "",
    response={201: InspectionDetailOut, **ACTION_ERRORS},
    openapi_extra={"requestBody": form_request_body(f.InspectionForm)},
)
def inspection_create(request, site: Query[SiteIn]):
    """Record an inspection (see the module's description for the item fields)."""
    actor = request.user
    ref = _site_in(actor, site, p.INSPECT)
    campaign = _running(actor, site.campaign)
    form = f.InspectionForm(
        request.POST,
        request.FILES,
        items=services.checklist_items(ref, campaign),
        units=selectors.team_units(ref.street_id, campaign),
    )
    if not form.is_valid():
        raise InvalidForm.from_form(form)
    values = form.inspection_values()
    values["idempotency_key"] = _key(request, form)
    inspection = services.inspection_record(actor=actor, site=ref, campaign=campaign, **values)
    return Reply(201, _inspection_detail(request, inspection.pk))


@inspections_router.get("/{id}", response={200: InspectionDetailOut, **ERRORS})
def inspection_detail(request, id: int = Path(..., ge=1, le=MAX_ID)):
    return _inspection_detail(request, id)


# --- hazards ---------------------------------------------------------------------------------


@hazards_router.get("", response={200: HazardPage, **ERRORS})
def hazard_list(request, paging: Query[PageIn], filters: Query[StatusIn]):
    """Hazards in your area, the latest first (``status=open``: not yet put right)."""
    perms.require(request.user, p.VIEW)
    qs = selectors.hazards(request.user, status=filters.status).order_by("-raised_at", "-id")
    page = page_slice(qs, paging)
    page["items"] = [_hazard(h) for h in page.pop("rows")]
    return page


@hazards_router.post(
    "",
    response={201: HazardDetailOut, **ACTION_ERRORS},
    openapi_extra={"requestBody": form_request_body(f.HazardForm)},
)
def hazard_create(request, site: Query[SiteIn]):
    """A hazard seen on patrol (staff, volunteers, building leaders)."""
    actor = request.user
    ref = _site_in(actor, site, p.REPORT)
    form = f.HazardForm(request.POST, request.FILES, items=services.checklist_items(ref, None))
    if not form.is_valid():
        raise InvalidForm.from_form(form)
    d = form.cleaned_data
    hazard = services.hazard_report(
        actor=actor,
        site=ref,
        description=d["description"],
        item=form.items.get(d.get("item")),
        severity=d["severity"],
        source=d["source"],
        photos=d["photos"],
        idempotency_key=_key(request, form),
    )
    if not perms.allows(actor, p.VIEW, hazard):  # a volunteer: thanked, not shown the record
        return Reply(201, {**_hazard(hazard), "inspection": None, "actions": [], "events": []})
    return Reply(201, _hazard_detail(request, hazard.pk))


@hazards_router.get("/{id}", response={200: HazardDetailOut, **ERRORS})
def hazard_detail(request, id: int = Path(..., ge=1, le=MAX_ID)):
    return _hazard_detail(request, id)


action_routes(
    hazards_router,
    HAZARD_ACTIONS,
    context=lambda request, pk: selectors.hazard_detail(actor=request.user, pk=pk),
    answer=_hazard_detail,
    response={200: HazardDetailOut, **ACTION_ERRORS},
    prefix="hazard",
)


# --- notices ---------------------------------------------------------------------------------


@notices_router.get("", response={200: NoticePage, **ERRORS})
def notice_list(request, paging: Query[PageIn], filters: Query[StatusIn]):
    """Rectification notices in your area, the latest first (``status=open``: not closed)."""
    perms.require(request.user, p.VIEW)
    qs = selectors.notices(request.user, status=filters.status).order_by("-issued_at", "-id")
    page = page_slice(qs, paging)
    page["items"] = [_notice(n) for n in page.pop("rows")]
    return page


@notices_router.post(
    "",
    response={201: NoticeDetailOut, **ACTION_ERRORS},
    openapi_extra={"requestBody": form_request_body(f.NoticeForm)},
)
def notice_create(request):
    """Issue a notice for open hazards of one site (``hazards`` repeated). 422 without any."""
    actor = request.user
    perms.require(actor, p.NOTICES)
    ids = [int(v) for v in request.POST.getlist("hazards") if v.isdigit()][:100]
    found = list(selectors.hazards(actor, status=HazardStatus.OPEN).filter(pk__in=ids))
    form = f.NoticeForm(
        request.POST,
        hazards=found,
        units=selectors.street_units({h.street_id for h in found}, selectors.TEAM_KINDS),
    )
    if not form.is_valid():
        raise InvalidForm.from_form(form)
    d = form.cleaned_data
    notice = services.notice_issue(
        actor=actor,
        hazards=[form.hazard_rows[pk] for pk in d["hazards"]],
        responsible=d["responsible"],
        demand=d["demand"],
        deadline=d["deadline"],
        reinspect_on=d["reinspect_on"],
        units=[form.units[u] for u in d["units"]],
        idempotency_key=_key(request, form),
    )
    return Reply(201, _notice_detail(request, notice.pk))


@notices_router.get("/{id}", response={200: NoticeDetailOut, **ERRORS})
def notice_detail(request, id: int = Path(..., ge=1, le=MAX_ID)):
    return _notice_detail(request, id)


action_routes(
    notices_router,
    NOTICE_ACTIONS,
    context=lambda request, pk: selectors.notice_detail(actor=request.user, pk=pk),
    answer=_notice_detail,
    response={200: NoticeDetailOut, **ACTION_ERRORS},
    prefix="notice",
)


# --- facilities and e-bike charging ----------------------------------------------------------

facilities_router = Router(tags=["safety inspections"])
charging_router = Router(tags=["safety inspections"])


class FacilityOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    location: str
    quantity: int
    compound: int | None
    grid: int


class FacilityPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[FacilityOut]


class FacilityFilters(Schema):
    kind: str = Field("", description="charging_pile, shed, fire_hydrant, extinguisher, ...")


class ChargingSiteOut(Schema):
    id: int
    compound: int
    kind: str
    location: str
    ports: int
    status: str
    status_label: str
    reason: str
    installer: str
    installed_on: dt.date | None
    cost_sharing: str
    electricity: str
    actions: list[str]


class ChargingCompoundOut(Schema):
    compound: int
    name: str
    ports: int
    sheds: int
    added_this_year: int
    flying_wire_12_months: int
    flying_wire_open: int
    sites: list[ChargingSiteOut]


@facilities_router.get("", response={200: FacilityPage, **ERRORS})
def facility_list(request, paging: Query[PageIn], filters: Query[FacilityFilters]):
    """The registry's facilities in your area (charging piles and sheds, fire equipment,
    service stations), by kind and name."""
    from linli.registry.models import Facility

    perms.require(request.user, perms.PLACES_VIEW)
    qs = perms.filter_to_scope(Facility.objects.all(), request.user, perms.PLACES_VIEW)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    page = page_slice(qs.order_by("kind", "name", "id"), paging)
    page["items"] = [
        {
            "id": x.pk,
            "kind": x.kind,
            "kind_label": x.get_kind_display(),
            "name": x.name,
            "location": x.location,
            "quantity": x.quantity,
            "compound": x.compound_id,
            "grid": x.grid_id,
        }
        for x in page.pop("rows")
    ]
    return page


def _charging_site(actor, s) -> dict[str, Any]:
    return {
        "id": s.pk,
        "compound": s.compound_id,
        "kind": s.kind,
        "location": s.location,
        "ports": s.ports,
        "status": s.status,
        "status_label": s.get_status_display(),
        "reason": s.reason,
        "installer": s.installer,
        "installed_on": s.installed_on,
        "cost_sharing": s.cost_sharing,
        "electricity": s.electricity,
        "actions": [a.slug for a in CHARGING_ACTIONS.offered(charging_context(actor, s))],
    }


@charging_router.get("", response={200: list[ChargingCompoundOut], **ERRORS})
def charging_list(request):
    """Per compound of your area: charging ports and sheds, ports added this year, 飞线充电
    hazards in the last twelve months, and the charging sites proposed, built or turned down;
    the compounds needing piles most first."""
    perms.require(request.user, p.VIEW)
    overview = selectors.charging_overview(request.user)
    return [
        {
            "compound": r.compound.pk,
            "name": r.compound.name,
            "ports": r.ports,
            "sheds": r.sheds,
            "added_this_year": r.added,
            "flying_wire_12_months": r.wires,
            "flying_wire_open": r.wires_open,
            "sites": [_charging_site(request.user, s) for s in r.sites],
        }
        for r in overview.rows
    ]


def _charging_context(request, pk: int):
    from .models import ChargingSite

    found = (
        perms.filter_to_scope(ChargingSite.objects.all(), request.user, p.VIEW)
        .select_related("compound")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return charging_context(request.user, found)


@charging_router.post(
    "",
    response={201: ChargingSiteOut, **ACTION_ERRORS},
    openapi_extra={"requestBody": form_request_body(f.ChargingForm)},
)
def charging_create(request):
    """Propose a charging site: ``compound``, ``kind`` (piles, shed), ``location``, ``ports``."""
    from linli.registry.models import Compound

    actor = request.user
    perms.require(actor, p.CHARGING)
    compounds = perms.filter_to_scope(Compound.objects.all(), actor, p.CHARGING)
    form = f.ChargingForm(request.POST, compounds=list(compounds.order_by("name")))
    if not form.is_valid():
        raise InvalidForm.from_form(form)
    d = form.cleaned_data
    site = services.charging_propose(
        actor=actor,
        compound=form.compounds[d["compound"]],
        kind=d["kind"],
        location=d["location"],
        ports=d["ports"],
    )
    return Reply(201, _charging_site(actor, site))


action_routes(
    charging_router,
    CHARGING_ACTIONS,
    context=_charging_context,
    answer=lambda request, pk: _charging_site(request.user, _charging_context(request, pk).site),
    response={200: ChargingSiteOut, **ACTION_ERRORS},
    prefix="charging_site",
)
