"""Reads of places (grid nodes, compounds, buildings, entrances, dwellings, units),
always starting from the actor's ``places.view`` scope."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.http import Http404

from linli.grids import permissions as perms
from linli.grids.models import GridNode, Unit

from ..models import Building, Compound, Dwelling, Entrance, numeric_order


def node_list(actor) -> list[GridNode]:
    """Every grid node the actor may see, in tree order (path), leaders loaded."""
    qs = perms.filter_to_scope(GridNode.objects.all(), actor, perms.PLACES_VIEW)
    return list(qs.select_related("leader").order_by("path"))


def node_get(actor, pk: int) -> GridNode:
    return perms.get_in_scope(
        GridNode.objects.select_related("leader"), actor, perms.PLACES_VIEW, pk=pk
    )


def node_breadcrumbs(actor, node: GridNode) -> list[GridNode]:
    """The node's ancestors the actor may see, top first (one query)."""
    steplen = GridNode.steplen
    prefixes = [node.path[:end] for end in range(steplen, len(node.path), steplen)]
    if not prefixes:
        return []
    qs = perms.filter_to_scope(GridNode.objects.all(), actor, perms.PLACES_VIEW)
    return list(qs.filter(path__in=prefixes).order_by("path"))


def node_children(actor, node: GridNode) -> list[GridNode]:
    qs = perms.filter_to_scope(GridNode.objects.all(), actor, perms.PLACES_VIEW)
    return list(
        qs.filter(path__startswith=node.path, depth=node.depth + 1)
        .select_related("leader")
        .order_by("path")
    )


def compound_list(actor, node: GridNode | None = None) -> list[Compound]:
    """Compounds the actor may see (under ``node`` if given), property company loaded."""
    qs = perms.filter_to_scope(Compound.objects.all(), actor, perms.PLACES_VIEW)
    if node is not None:
        qs = qs.filter(perms.within("grid", node))
    return list(
        qs.select_related("property_company", "grid")
        .annotate(building_count=Count("buildings", distinct=True))
        .order_by("name", "id")
    )


def unit_list(actor, node: GridNode) -> list[Unit]:
    """Organisations located in the node's subtree that the actor may see."""
    qs = perms.filter_to_scope(Unit.objects.all(), actor, perms.PLACES_VIEW)
    return list(qs.filter(perms.within("node", node)).select_related("node"))


def compound_get(actor, pk: int) -> Compound:
    return perms.get_in_scope(
        Compound.objects.select_related("property_company", "grid"),
        actor,
        perms.PLACES_VIEW,
        pk=pk,
    )


def building_list(actor, compound: Compound | None = None, led_by=None) -> list[Building]:
    """Buildings the actor may see (of ``compound``, or led by ``led_by``, if given), with
    entrance and dwelling counts."""
    qs = perms.filter_to_scope(Building.objects.all(), actor, perms.PLACES_VIEW)
    if compound is not None:
        qs = qs.filter(compound=compound)
    if led_by is not None:
        qs = qs.filter(leader_id=led_by.pk)
    rows = qs.select_related("compound", "leader").annotate(
        entrance_count=Count("entrances", distinct=True),
        dwelling_count=Count("entrances__dwellings", distinct=True),
    )
    return sorted(rows, key=lambda b: (b.compound.name, numeric_order(b.number), b.pk))


def building_get(actor, pk: int) -> Building:
    return perms.get_in_scope(
        Building.objects.select_related("compound__property_company", "grid", "leader"),
        actor,
        perms.PLACES_VIEW,
        pk=pk,
    )


def entrance_list(actor, building: Building) -> list[Entrance]:
    """The building's entrances (2 before 10), each with ``visible_dwellings``: the
    dwellings the actor may see (none for property staff, whose scope stops at public
    places)."""
    entrances = perms.filter_to_scope(Entrance.objects.all(), actor, perms.PLACES_VIEW)
    dwellings = perms.filter_to_scope(Dwelling.objects.all(), actor, perms.PLACES_VIEW)
    rows = entrances.filter(building=building).prefetch_related(
        Prefetch(
            "dwellings",
            queryset=dwellings.order_by("floor", "room", "id"),
            to_attr="visible_dwellings",
        )
    )
    return sorted(rows, key=lambda e: (numeric_order(e.number), e.pk))


def compound_of_building_visible(actor, building: Building) -> bool:
    """Whether the actor may open the building's compound (for breadcrumbs and links)."""
    try:
        compound_get(actor, building.compound_id)
    except Http404:
        return False
    return True


def node_visible(actor, node_id: int) -> GridNode | None:
    try:
        return node_get(actor, node_id)
    except Http404:
        return None
