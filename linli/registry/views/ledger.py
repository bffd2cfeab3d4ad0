"""Excel ledger import wizard and exports."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from linli.grids import permissions as perms


@login_required
def import_start(request):
    perms.require(request.user, perms.REGISTRY_IMPORT)
    return render(request, "registry/import.html", {})


urlpatterns = [path("ledger/import/", import_start, name="import")]
