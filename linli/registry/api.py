"""Grid nodes, compounds, buildings, households, residents and tags in the API.

The grid-node endpoints live here rather than in ``grids`` because they show
registry counts, and ``grids`` may not import ``registry``.

Same rules as the pages, because the same scope filter and selectors answer:
rows outside the caller's scope do not exist for them (404, never 403), sensitive
tags need their permission, and ID numbers and phones are masked. A holder of
``view_pii`` may ask for clear values on a household or resident detail with
``unmask=true&reason=...``; that goes through ``services.resident_reveal``, which
writes one access-log row per resident shown.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from linli.core.api import BODY_ERRORS, ERRORS, MAX_ID, NO_NUL, ErrorOut, Id, PageIn, page_slice
from linli.core.errors import InvalidInput, LinliError
from linli.grids import permissions as perms
from linli.grids.models import GridNode
from linli.registry import permissions as rp

from .models import Building, Compound, Household, Resident, Tenure
from .schemas import (
    BuildingDetailOut,
    BuildingPage,
    CompoundDetailOut,
    CompoundPage,
    HouseholdDetailOut,
    HouseholdPage,
    HouseholdSearchIn,
    NodeDetailOut,
    NodeKind,
    NodeOut,
    ResidentOut,
    ResidentPage,
    ResidentSearchIn,
    TagInfoOut,
)
from .selectors import places
from .selectors.counts import Counts, compound_counts, node_counts
from .selectors.households import (
    HouseholdFilters,
    household_get,
    household_list,
    resident_list,
    visible_tags,
)
from .services import resident_reveal

router = Router(tags=["registry"])

PathId = Path(..., ge=1, le=MAX_ID)
UNMASK_ERRORS = {**ERRORS, 400: ErrorOut, 403: ErrorOut}

# Query parameters, shared by the endpoints that take them.
KIND_FILTER = Query(None, description="only nodes of this kind")
NODE_FILTER = Query(None, description="only rows under this grid node (its whole subtree)")
COMPOUND_FILTER = Query(None, description="only rows of this compound")
UNMASK = Query(False, description="show clear ID numbers and phones (needs view_pii and reason)")
REASON = Query("", max_length=300, pattern=NO_NUL, description="why (required with unmask)")


class PiiForbidden(LinliError):
    """The caller sees the record but may not see its clear personal data."""

    status = 403


# --- turning rows into responses (only declared fields leave) --------------------------------


def _person(user) -> dict[str, Any] | None:
    return {"id": user.pk, "name": str(user)} if user else None


def _node(node: GridNode, parent_id: int | None) -> dict[str, Any]:
    return {
        "id": node.pk,
        "kind": node.kind,
        "code": node.code,
        "name": node.name,
        "parent_id": parent_id,
        "street_id": node.street_id,
        "depth": node.depth,
        "leader": _person(node.leader),
        "bounds": {
            "east": node.bound_east,
            "west": node.bound_west,
            "south": node.bound_south,
            "north": node.bound_north,
        },
        "boundary": node.boundary,
    }


def _parent_path(node: GridNode) -> str:
    return node.path[: -GridNode.steplen]


def _counts(counts: Counts | None) -> dict[str, Any] | None:
    if counts is None:
        return None
    return {
        "households": counts.households,
        "residents": counts.residents,
        "tags": [
            {
                "id": tc.tag.pk,
                "code": tc.tag.code,
                "name": tc.tag.name,
                "target": tc.tag.target,
                "count": tc.count,
                "share": round(tc.share, 4),
            }
            for tc in counts.tags
        ],
    }


def _tags(links) -> list[dict[str, Any]]:
    return [
        {"id": link.tag.pk, "code": link.tag.code, "name": link.tag.name, "level": link.level}
        for link in links
    ]


def _compound(c: Compound) -> dict[str, Any]:
    company = c.property_company
    return {
        "id": c.pk,
        "street_id": c.street_id,
        "grid_id": c.grid_id,
        "name": c.name,
        "address": c.address,
        "year_built": c.year_built,
        "kind": c.kind,
        "property_company": {"id": company.pk, "name": company.name} if company else None,
        "unmanaged": company is None,
    }


def _building(b: Building) -> dict[str, Any]:
    return {
        "id": b.pk,
        "street_id": b.street_id,
        "grid_id": b.grid_id,
        "number": b.number,
        "floors": b.floors,
        "has_lift": b.has_lift,
        "compound": {"id": b.compound.pk, "name": b.compound.name},
        "leader": _person(b.leader),
    }


def _resident(r: Resident, clear: dict[int, dict[str, str]], address: str) -> dict[str, Any]:
    shown = clear.get(r.pk)
    return {
        "id": r.pk,
        "street_id": r.street_id,
        "grid_id": r.grid_id,
        "household_id": r.household_id,
        "address": address,
        "name": r.name,
        "gender": r.gender,
        "age": r.age_on(timezone.localdate()),
        "relation": r.relation,
        "residence_status": r.residence_status,
        "id_number": shown["id_number"] if shown else r.id_number_masked,
        "phone": shown["phone"] if shown else r.phone_masked,
        "pii_masked": shown is None,
        "tags": _tags(r.tag_links.all()),
    }


def _household_row(h: Household) -> dict[str, Any]:
    building = h.dwelling.entrance.building
    return {
        "id": h.pk,
        "street_id": h.street_id,
        "grid_id": h.grid_id,
        "address": h.dwelling.address,
        "compound": {"id": building.compound.pk, "name": building.compound.name},
        "building_id": building.pk,
        "tenure": h.tenure,
        "members": [
            {"id": m.pk, "name": m.name, "relation": m.relation, "phone": m.phone_masked}
            for m in h.members.all()
        ],
        "tags": _tags(h.tag_links.all()),
    }


def _clear_values(actor, resident_ids: list[int], unmask: bool, reason: str):
    """Clear ID numbers and phones for an allowed, audited unmasking; {} when not asked.

    The caller has already proven the records visible, so a refusal here is 403
    ``pii_forbidden`` (it leaks nothing) and logs nothing.
    """
    if not unmask:
        return {}
    if not perms.can(actor, perms.VIEW_PII):
        raise PiiForbidden(
            _("You may not see full ID numbers and phone numbers."), code="pii_forbidden"
        )
    if not (reason or "").strip():
        raise InvalidInput(_("Say why you need to see the full number."), field="reason")
    if not resident_ids:
        return {}
    try:
        return resident_reveal(actor=actor, resident_ids=resident_ids, reason=reason, channel="api")
    except Http404:
        # view_pii held somewhere else (another grant), not over these residents.
        raise PiiForbidden(
            _("You may not see full ID numbers and phone numbers."), code="pii_forbidden"
        ) from None


def _no_store_if(clear: dict, response: HttpResponse) -> None:
    """Clear personal data must not stay in any browser or proxy cache."""
    if clear:
        response["Cache-Control"] = "no-store"


# --- endpoints --------------------------------------------------------------------------------


@router.get("/tags", response={200: list[TagInfoOut], **ERRORS}, summary="Tags you may see")
def tag_list(request):
    """The tags of your streets usable as the ``tag`` filter; sensitive ones need permission."""
    street_ids = perms.streets(request.user, rp.VIEW)
    return [
        {
            "id": t.pk,
            "street_id": t.street_id,
            "code": t.code,
            "name": t.name,
            "target": t.target,
            "derived": t.is_derived,
            "has_level": t.has_level,
        }
        for t in visible_tags(request.user, street_ids).order_by("street_id", "order", "id")
    ]


@router.get("/grids", response={200: list[NodeOut], **ERRORS}, summary="Grid nodes in scope")
def grid_list(request, kind: NodeKind | None = KIND_FILTER):
    """Every node of the tree you may see, in tree order (a grant covers its subtree).

    ``parent_id`` is null for the top nodes of your scope, so the list builds a forest.
    """
    nodes = places.node_list(request.user)
    ids = {n.path: n.pk for n in nodes}
    return [_node(n, ids.get(_parent_path(n))) for n in nodes if kind is None or n.kind == kind]


@router.get("/grids/{id}", response={200: NodeDetailOut, **ERRORS}, summary="One grid node")
def grid_detail(request, id: int = PathId):
    """One node with its children in scope and the counts rolled up over its subtree."""
    node = places.node_get(request.user, id)
    ancestors = places.node_breadcrumbs(request.user, node)
    parent = ancestors[-1] if ancestors and ancestors[-1].path == _parent_path(node) else None
    counts = node_counts(request.user, [node])
    out = _node(node, parent.pk if parent else None)
    out["children"] = [
        {"id": c.pk, "kind": c.kind, "code": c.code, "name": c.name}
        for c in places.node_children(request.user, node)
    ]
    out["counts"] = _counts(counts[node.pk]) if counts is not None else None
    return out


@router.get("/compounds", response={200: CompoundPage, **ERRORS}, summary="Compounds in scope")
def compound_list(
    request,
    paging: Query[PageIn],
    node: Id | None = NODE_FILTER,
):
    """Compounds (小区) you may see; a property company sees the compounds it manages."""
    under = places.node_get(request.user, node) if node else None
    page = page_slice(places.compound_list(request.user, under), paging)
    page["items"] = [{**_compound(c), "building_count": c.building_count} for c in page.pop("rows")]
    return page


@router.get("/compounds/{id}", response={200: CompoundDetailOut, **ERRORS}, summary="One compound")
def compound_detail(request, id: int = PathId):
    """One compound with its buildings in scope and its household/tag counts."""
    compound = places.compound_get(request.user, id)
    counts = compound_counts(request.user, [compound])
    out = _compound(compound)
    out["buildings"] = [
        {"id": b.pk, "number": b.number, "floors": b.floors, "has_lift": b.has_lift}
        for b in places.building_list(request.user, compound)
    ]
    out["counts"] = _counts(counts[compound.pk]) if counts is not None else None
    return out


@router.get("/buildings", response={200: BuildingPage, **ERRORS}, summary="Buildings in scope")
def building_list(
    request,
    paging: Query[PageIn],
    compound: Id | None = COMPOUND_FILTER,
):
    """Buildings you may see (a building leader sees the buildings they lead)."""
    buildings = places.building_list(request.user)
    if compound:
        # Filtered here, not through compound_get: a building leader sees the building
        # but not the compound it stands in.
        buildings = [b for b in buildings if b.compound_id == compound]
    page = page_slice(buildings, paging)
    page["items"] = [
        {**_building(b), "entrance_count": b.entrance_count, "dwelling_count": b.dwelling_count}
        for b in page.pop("rows")
    ]
    return page


@router.get("/buildings/{id}", response={200: BuildingDetailOut, **ERRORS}, summary="One building")
def building_detail(request, id: int = PathId):
    """One building with its entrances (单元) and the dwellings in them you may see."""
    building = places.building_get(request.user, id)
    out = _building(building)
    out["entrances"] = [
        {
            "id": e.pk,
            "number": e.number,
            "dwellings": [
                {"id": d.pk, "room": d.room, "floor": d.floor} for d in e.visible_dwellings
            ],
        }
        for e in places.entrance_list(request.user, building)
    ]
    return out


def _household_page(actor, search: HouseholdSearchIn) -> dict[str, Any]:
    filters = HouseholdFilters(
        q=search.q,
        node_id=search.node,
        compound_id=search.compound,
        building_id=search.building,
        tag_ids=list(search.tag),
        tenure=Tenure(search.tenure) if search.tenure else "",
    )
    page = page_slice(household_list(actor, filters), search)
    page["items"] = [_household_row(h) for h in page.pop("rows")]
    return page


@router.get("/households", response={200: HouseholdPage, **ERRORS}, summary="Households in scope")
def household_search(request, search: Query[HouseholdSearchIn]):
    """Households (一户一档) you may see, filtered as on the search page.

    Query count is constant whatever the page size: the rows, one prefetch for
    members and one for tags, plus the count. To search by a full ID number or phone
    number, prefer ``POST /households/search``: it keeps the number out of the URL.
    """
    return _household_page(request.user, search)


@router.post(
    "/households/search", response={200: HouseholdPage, **BODY_ERRORS}, summary="Search households"
)
def household_search_post(request, payload: HouseholdSearchIn):
    """The same search with the filters in a JSON body, so that a full ID number or phone
    number never appears in a URL (and so in no proxy or server log)."""
    return _household_page(request.user, payload)


@router.get(
    "/households/{id}", response={200: HouseholdDetailOut, **UNMASK_ERRORS}, summary="One household"
)
def household_detail(
    request,
    response: HttpResponse,
    id: int = PathId,
    unmask: bool = UNMASK,
    reason: str = REASON,
):
    """The household file: address, members, visible tags, owners.

    With ``unmask=true`` and a ``reason``, a holder of view_pii gets every member's clear
    ID number and phone, and one access-log row per member is written; without the
    permission the answer is 403 ``pii_forbidden`` and nothing is shown or logged.
    """
    household = household_get(request.user, id)
    members = list(household.members.all())
    clear = _clear_values(request.user, [m.pk for m in members], unmask, reason)
    _no_store_if(clear, response)
    dwelling = household.dwelling
    building = dwelling.entrance.building
    company = building.compound.property_company
    address = dwelling.address
    return {
        "id": household.pk,
        "street_id": household.street_id,
        "grid_id": household.grid_id,
        "address": address,
        "compound": {"id": building.compound.pk, "name": building.compound.name},
        "building_id": building.pk,
        "entrance_id": dwelling.entrance_id,
        "dwelling_id": dwelling.pk,
        "room": dwelling.room,
        "floor": dwelling.floor,
        "area_m2": float(dwelling.area_m2) if dwelling.area_m2 is not None else None,
        "property_company": {"id": company.pk, "name": company.name} if company else None,
        "owners": [{"id": o.pk, "name": o.name} for o in dwelling.owners.all()],
        "tenure": household.tenure,
        "note": household.note,
        "members": [_resident(m, clear, address) for m in members],
        "tags": _tags(household.tag_links.all()),
        "pii_masked": not clear,
    }


def _resident_page(actor, search: ResidentSearchIn) -> dict[str, Any]:
    page = page_slice(resident_list(actor, search.q), search)
    page["items"] = [_resident(r, {}, _address(r)) for r in page.pop("rows")]
    return page


@router.get("/residents", response={200: ResidentPage, **ERRORS}, summary="Residents in scope")
def resident_search(request, search: Query[ResidentSearchIn]):
    """Residents you may see, masked; see ``POST /residents/search`` for full numbers."""
    return _resident_page(request.user, search)


@router.post(
    "/residents/search", response={200: ResidentPage, **BODY_ERRORS}, summary="Search residents"
)
def resident_search_post(request, payload: ResidentSearchIn):
    """The same search with ``q`` in a JSON body, keeping full numbers out of URLs."""
    return _resident_page(request.user, payload)


@router.get("/residents/{id}", response={200: ResidentOut, **UNMASK_ERRORS}, summary="One resident")
def resident_detail(
    request,
    response: HttpResponse,
    id: int = PathId,
    unmask: bool = UNMASK,
    reason: str = REASON,
):
    """One resident; ``unmask``/``reason`` work as on the household detail (one log row)."""
    resident = resident_list(request.user).filter(pk=id).first()
    if resident is None:
        raise Http404
    clear = _clear_values(request.user, [resident.pk], unmask, reason)
    _no_store_if(clear, response)
    return _resident(resident, clear, _address(resident))


def _address(r: Resident) -> str:
    return r.household.dwelling.address if r.household_id else ""
