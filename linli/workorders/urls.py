"""Work-order pages under ``/workorders/``; each views module owns its ``urlpatterns``.

Open311 lives in ``open311.py`` and is mounted at ``/open311/v2/`` by config/urls.py.
"""

from .views import intake, metrics, orders

app_name = "workorders"
urlpatterns = [
    *intake.urlpatterns,
    *metrics.urlpatterns,
    *orders.urlpatterns,
]
