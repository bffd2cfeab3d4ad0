"""Registry pages. Each views module owns its own ``urlpatterns``; this file only joins them."""

from .views import households, ledger, nodes

app_name = "registry"
urlpatterns = [*nodes.urlpatterns, *households.urlpatterns, *ledger.urlpatterns]
