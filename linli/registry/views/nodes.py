"""The grid tree with counts, and one page per grid node."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse

from linli.grids import permissions as perms
from linli.grids.geo import region_map
from linli.registry import permissions as rp

from ..selectors import places
from ..selectors.counts import compound_counts, node_counts


@login_required
def tree(request):
    """Every node the user may see, indented by depth, with households and residents
    rolled up the tree (a constant number of queries)."""
    nodes = places.node_list(request.user)
    if not nodes:
        raise Http404
    counts = node_counts(request.user, nodes)
    top = min(n.depth for n in nodes)
    rows = [
        {"node": n, "indent": n.depth - top, "counts": counts[n.pk] if counts else None}
        for n in nodes
    ]
    return render(request, "registry/tree.html", {"rows": rows, "has_counts": counts is not None})


@login_required
def node(request, pk: int):
    actor = request.user
    current = places.node_get(actor, pk)
    children = places.node_children(actor, current)
    counts = node_counts(actor, [current, *children])
    compounds = places.compound_list(actor, current)
    per_compound = compound_counts(actor, compounds)
    return render(
        request,
        "registry/node.html",
        {
            "node": current,
            "breadcrumbs": places.node_breadcrumbs(actor, current),
            "counts": counts[current.pk] if counts else None,
            "children": [{"node": c, "counts": counts[c.pk] if counts else None} for c in children],
            "compounds": [
                {"compound": c, "counts": per_compound[c.pk] if per_compound else None}
                for c in compounds
            ],
            "units": places.unit_list(actor, current),
            "map_data": region_map(
                f"linli-node-{current.pk}",
                [
                    (
                        c,
                        counts[c.pk].households if counts else None,
                        reverse("registry:node", args=[c.pk]),
                    )
                    for c in children
                ],
                outline=current,
            ),
            "can_search": perms.can(actor, rp.VIEW),
        },
    )


urlpatterns = [
    path("grids/", tree, name="tree"),
    path("grids/<int:pk>/", node, name="node"),
]
