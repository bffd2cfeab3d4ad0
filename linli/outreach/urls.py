"""Outreach pages under ``/outreach/``; each views module owns its ``urlpatterns``."""

from .views import distributions, door, drills

app_name = "outreach"
urlpatterns = [*distributions.urlpatterns, *door.urlpatterns, *drills.urlpatterns]
