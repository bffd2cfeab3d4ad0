"""Safety pages under ``/safety/``; each views module owns its ``urlpatterns``."""

from .views import campaigns, charging, inspections, notices

app_name = "safety"
urlpatterns = [
    *campaigns.urlpatterns,
    *inspections.urlpatterns,
    *notices.urlpatterns,
    *charging.urlpatterns,
]
