"""The grid tree with counts, and one page per node."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from linli.grids import permissions as perms
from linli.grids.models import GridNode


@login_required
def tree(request):
    nodes = perms.filter_to_scope(GridNode.objects.all(), request.user, perms.PLACES_VIEW)
    return render(request, "registry/tree.html", {"nodes": nodes.order_by("path")})


urlpatterns = [path("grids/", tree, name="tree")]
