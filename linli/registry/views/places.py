"""The place browser: compounds → buildings → entrances → dwellings → households.

Property-company staff reach compounds and buildings through their company and
never see dwellings, households or people; building leaders reach the buildings they
lead and the households in them.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from linli.grids import permissions as perms
from linli.grids.models import Role
from linli.registry import permissions as rp

from ..selectors import places
from ..selectors.counts import compound_counts
from ..selectors.households import HouseholdFilters, household_list


def _leads_buildings(actor) -> bool:
    return any(g.role == Role.BUILDING_LEADER for g in perms.grants_for(actor, perms.PLACES_VIEW))


@login_required
def compounds(request):
    """Landing page of property staff (their compounds) and building leaders (their
    buildings); staff on the tree see every compound of their scope here too."""
    actor = request.user
    perms.require(actor, perms.PLACES_VIEW)
    rows = places.compound_list(actor)
    counts = compound_counts(actor, rows)
    buildings = places.building_list(actor, led_by=actor) if _leads_buildings(actor) else []
    return render(
        request,
        "registry/compounds.html",
        {
            "compounds": [
                {"compound": c, "counts": counts[c.pk] if counts else None} for c in rows
            ],
            "buildings": buildings,
        },
    )


@login_required
def compound(request, pk: int):
    actor = request.user
    current = places.compound_get(actor, pk)
    counts = compound_counts(actor, [current])
    node = places.node_visible(actor, current.grid_id)
    return render(
        request,
        "registry/compound.html",
        {
            "compound": current,
            "node": node,
            "breadcrumbs": [*places.node_breadcrumbs(actor, node), node] if node else [],
            "counts": counts[current.pk] if counts else None,
            "buildings": places.building_list(actor, current),
        },
    )


@login_required
def building(request, pk: int):
    """Entrances → dwellings → households; each level only as far as the scope reaches."""
    actor = request.user
    current = places.building_get(actor, pk)
    entrances = places.entrance_list(actor, current)
    by_dwelling = defaultdict(list)
    for household in household_list(actor, HouseholdFilters(building_id=current.pk)):
        by_dwelling[household.dwelling_id].append(household)
    rows = [
        {
            "entrance": e,
            "dwellings": [
                {"dwelling": d, "households": by_dwelling.get(d.pk, [])}
                for d in e.visible_dwellings
            ],
        }
        for e in entrances
    ]
    show_compound = places.compound_of_building_visible(actor, current)
    node = places.node_visible(actor, current.grid_id)
    return render(
        request,
        "registry/building.html",
        {
            "building": current,
            "entrances": rows,
            "show_compound": show_compound,
            "node": node,
            "breadcrumbs": [*places.node_breadcrumbs(actor, node), node] if node else [],
            "sees_dwellings": any(r["dwellings"] for r in rows),
            "sees_households": perms.can(actor, rp.VIEW),
        },
    )


urlpatterns = [
    path("compounds/", compounds, name="compounds"),
    path("compounds/<int:pk>/", compound, name="compound"),
    path("buildings/<int:pk>/", building, name="building"),
]
