"""Points pages under ``/points/``."""

from .views import urlpatterns as urlpatterns

app_name = "points"
