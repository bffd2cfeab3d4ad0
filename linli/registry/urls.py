"""Registry pages. Each views module owns its own ``urlpatterns``; this file only joins them."""

from .views import households, ledger, nodes, places

app_name = "registry"
urlpatterns = [
    *nodes.urlpatterns,
    *places.urlpatterns,
    *households.urlpatterns,
    *ledger.urlpatterns,
]
