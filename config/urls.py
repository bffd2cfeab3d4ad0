from django.contrib import admin
from django.urls import include, path, re_path

from linli.api import api, unknown_route

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("linli.accounts.urls")),
    path("", include("linli.core.urls")),
    path("", include("linli.grids.urls")),
    path("", include("linli.registry.urls")),
    path("workorders/", include("linli.workorders.urls")),
    path("volunteering/", include("linli.volunteering.urls")),
    path("safety/", include("linli.safety.urls")),
    path("points/", include("linli.points.urls")),
    path("outreach/", include("linli.outreach.urls")),
    path("open311/v2/", include("linli.workorders.open311")),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<path>.*)$", unknown_route),
]
