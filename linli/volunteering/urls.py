"""Volunteering pages under ``/volunteering/``; each views module owns its ``urlpatterns``."""

from .views import metrics, orders, volunteer, wishes

app_name = "volunteering"
urlpatterns = [
    *orders.urlpatterns,
    *volunteer.urlpatterns,
    *wishes.urlpatterns,
    *metrics.urlpatterns,
]
