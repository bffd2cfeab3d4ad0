"""People and roles: who holds which role on which node."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from . import permissions as perms
from .models import StaffAssignment


@login_required
def assignments(request):
    perms.require(request.user, perms.ROLES_MANAGE)
    rows = StaffAssignment.objects.filter(
        street_id__in=perms.streets(request.user, perms.ROLES_MANAGE)
    )
    return render(request, "grids/assignments.html", {"rows": rows})


urlpatterns = [path("people/", assignments, name="assignments")]
