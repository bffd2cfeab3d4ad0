"""A URLconf for the replica tests: the site's own URLs plus a page that writes and one
that reads from the replica."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as site
from linli.core.db import reading_from_replica
from linli.grids.models import Unit, UnitKind


@csrf_exempt
def _write(request):
    """POST: add a unit to the street named in the form; with no street, write nothing."""
    if request.method == "POST" and request.POST.get("street"):
        Unit.objects.create(
            street_id=int(request.POST["street"]), kind=UnitKind.DEPARTMENT, name="新单位"
        )
    return HttpResponse("ok")


@reading_from_replica()
def _read(request):
    return HttpResponse(str(Unit.objects.count()))


urlpatterns = [
    path("replica/write/", _write),
    path("replica/read/", _read),
    *site,
]
