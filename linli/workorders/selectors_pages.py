"""Reads that only the work-order pages need (pick lists, the resident's places).

Like ``selectors.py``, every read starts from the actor's scope. The order
itself is always read through ``selectors.workorder_get`` / ``workorder_detail``.
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind, Unit
from linli.registry.models import Compound, Dwelling, Resident
from linli.registry.selectors.households import resident_list

from . import permissions as p
from . import selectors
from .models import Category, WorkOrder, WorkOrderPhoto


def staff_streets(actor, action: str = p.VIEW) -> list[int]:
    """Streets where the actor reaches orders as node or unit staff."""
    return sorted(
        {g.street_id for g in perms.grants_for(actor, action) if g.kind in (perms.NODE, perms.UNIT)}
    )


def is_node_staff(actor, action: str = p.VIEW) -> bool:
    return perms.NODE in perms.kinds(actor, action)


def is_unit_staff(actor) -> bool:
    return perms.UNIT in perms.kinds(actor, p.VIEW)


def is_reporter_only(actor) -> bool:
    """The actor sees work orders only as a resident (their own requests)."""
    return perms.kinds(actor, p.VIEW) == {perms.OWNER}


def can_report(actor) -> bool:
    return perms.can(actor, p.REPORT)


# --- intake pick lists -----------------------------------------------------------------------


def intake_grids(actor) -> list[GridNode]:
    """Grids where the actor may take in requests."""
    qs = perms.filter_to_scope(GridNode.objects.all(), actor, p.INTAKE)
    return list(qs.filter(kind=NodeKind.GRID).order_by("path"))


def intake_compounds(actor) -> list[Compound]:
    """Compounds in the grids where the actor may take in requests."""
    qs = perms.filter_to_scope(Compound.objects.all(), actor, p.INTAKE)
    return list(qs.select_related("grid").order_by("name", "id"))


def intake_categories(actor) -> list[Category]:
    streets = perms.streets(actor, p.INTAKE) or perms.streets(actor, p.REPORT)
    return list(
        Category.objects.filter(street_id__in=streets, active=True)
        .select_related("parent")
        .order_by("street_id", "order", "id")
    )


def intake_resident_search(actor, q: str, limit: int = 8) -> list[Resident]:
    """Residents matching ``q`` (name, last four phone digits, full ID or phone) that the
    actor may see in the registry and whose grid lies in the actor's intake scope."""
    q = (q or "").strip()
    if len(q) < 1 or not perms.can(actor, p.INTAKE):
        return []
    return list(resident_list(actor, q).filter(_intake_residents(actor))[:limit])


def _intake_residents(actor) -> Q:
    """Residents whose household lies in a grid where the actor takes in requests."""
    grids = perms.filter_to_scope(GridNode.objects.all(), actor, p.INTAKE).values("pk")
    return Q(household__grid__in=grids)


def intake_resident(actor, pk: int | None) -> Resident | None:
    """The resident picked on the intake form, if the actor may take in requests for them."""
    if not pk:
        return None
    return (
        Resident.objects.filter(_intake_residents(actor), pk=pk)
        .select_related("household__dwelling__entrance__building__compound")
        .first()
    )


def resident_home(actor) -> Dwelling | None:
    """The dwelling of the actor's own household (a resident account), if any."""
    person = (
        Resident.objects.filter(user=actor, household__isnull=False)
        .select_related("household__dwelling__entrance__building__compound")
        .first()
    )
    return person.household.dwelling if person and person.household else None


def resident_compounds(actor) -> list[Compound]:
    """Compounds of the streets where the resident may report (their public areas)."""
    return list(
        Compound.objects.filter(street_id__in=perms.streets(actor, p.REPORT)).order_by("name", "id")
    )


# --- lists -----------------------------------------------------------------------------------


def filter_nodes(actor) -> list[GridNode]:
    """Nodes (neighbourhoods and grids) the actor may filter by."""
    qs = perms.filter_to_scope(GridNode.objects.all(), actor, p.VIEW)
    return list(
        qs.filter(kind__in=[NodeKind.AREA, NodeKind.NEIGHBOURHOOD, NodeKind.GRID]).order_by("path")
    )


def grid_counts(actor, filters: selectors.WorkOrderFilters) -> dict[int, int]:
    """Orders per grid for the list's map: the list's filters, over every grid in scope."""
    qs = selectors.workorder_list(actor=actor, filters=replace(filters, node=None))
    rows = qs.prefetch_related(None).order_by().values_list("grid_id").annotate(n=Count("id"))
    return dict(rows)


def metrics_nodes(actor) -> list[GridNode]:
    qs = perms.filter_to_scope(GridNode.objects.all(), actor, p.METRICS)
    return list(
        qs.filter(
            kind__in=[NodeKind.STREET, NodeKind.AREA, NodeKind.NEIGHBOURHOOD, NodeKind.GRID]
        ).order_by("path")
    )


def street_units(actor, action: str = p.VIEW) -> list[Unit]:
    return list(
        Unit.objects.filter(street_id__in=staff_streets(actor, action)).order_by("kind", "name")
    )


def street_categories(actor, action: str = p.VIEW) -> list[Category]:
    return list(
        Category.objects.filter(street_id__in=staff_streets(actor, action)).order_by("order", "id")
    )


def node_for(actor, pk: int | None, action: str = p.VIEW) -> GridNode | None:
    if not pk:
        return None
    qs = perms.filter_to_scope(GridNode.objects.all(), actor, action)
    return qs.filter(pk=pk).first()


def my_requests(actor) -> QuerySet:
    """The resident's own requests, newest first."""
    return (
        perms.filter_to_scope(WorkOrder.objects.all(), actor, p.VIEW)
        .filter(reporter_user=actor)
        .select_related(*selectors.LIST_RELATED)
        .order_by("-created_at", "-id")
    )


def photo_get(actor, order_pk: int, photo_pk: int) -> WorkOrderPhoto:
    """A photo of an order the actor may see; residents only photos of public events."""
    detail = selectors.workorder_detail(actor=actor, pk=order_pk)
    for photo in detail.photos:
        if photo.pk == photo_pk:
            return photo
    raise Http404


def page_flags(actor) -> dict:
    """What the work-order sub-navigation offers this actor."""
    return {
        "can_intake": is_node_staff(actor, p.INTAKE),
        "can_metrics": is_node_staff(actor, p.METRICS),
    }
